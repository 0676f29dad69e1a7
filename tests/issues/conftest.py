"""Helpers for driving the issue admin as an editor would: open the page, change fields, save."""

from __future__ import annotations

import pytest
from django.forms import CheckboxInput
from django.test import Client


def login(user, language: str | None = None) -> Client:
    """A client signed in as ``user``; with ``language`` ("en"), its browser asks for that language.

    The admin follows the browser's Accept-Language (LocaleMiddleware) and is
    Chinese otherwise, so tests of what a message says in English ask for it.
    """
    client = Client(HTTP_ACCEPT_LANGUAGE=language) if language else Client()
    client.force_login(user)
    return client


def _form_values(form) -> dict[str, str]:
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field.widget, CheckboxInput):
            if value:
                data[form.add_prefix(name)] = "on"
            continue
        if value is None:
            value = ""
        elif not isinstance(value, str):
            value = field.widget.format_value(value)
            value = "" if value is None else value
        data[form.add_prefix(name)] = value
    return data


def form_data(response) -> dict[str, str]:
    """What the browser would send back for the admin change page in ``response``, unchanged."""
    context = response.context
    data = _form_values(context["adminform"].form)
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_form_values(formset.management_form))
        for form in formset.forms:
            data.update(_form_values(form))
    return data


@pytest.fixture
def client_for():
    return login
