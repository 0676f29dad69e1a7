"""Template helpers for what every public page tells crawlers and feed readers."""

from __future__ import annotations

import datetime

from django import template
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.encoding import escape_uri_path
from django.utils.text import Truncator
from django.utils.translation import get_language, get_language_info

register = template.Library()

#: Open Graph wants a territory with the language.
OG_LOCALES = {"zh-hans": "zh_CN", "en": "en_US"}


@register.filter
def absolute(path: str) -> str:
    """``path`` as an absolute URL on the site's public address (``SITE_URL``)."""
    path = str(path or "")
    if path.startswith(("http://", "https://")):
        return path
    return f"{settings.SITE_URL}{path}"


#: Search engines show about this many characters of a page's description.
DESCRIPTION_LENGTH = 200


@register.filter(is_safe=True)
def meta_description(text: str) -> str:
    """``text`` cut to what a search result shows, with an ellipsis where it was cut.

    As ``truncatechars``, which costs a Unicode normalization of every
    description although most are short enough as they are; and like it,
    safe text (a ``blocktranslate`` of an escaped name) stays safe, escaped once.
    """
    text = text if isinstance(text, str) else str(text)
    if len(text) <= DESCRIPTION_LENGTH:
        return text
    return Truncator(text).chars(DESCRIPTION_LENGTH)


@register.filter
def iso8601(moment) -> str:
    """A date, or a datetime in the current time zone, as ISO 8601: the ``date:'c'`` filter, without its formatter."""
    if moment is None or moment == "":
        return ""
    if isinstance(moment, datetime.datetime) and timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.isoformat()


@register.simple_tag(takes_context=True)
def canonical_url(context) -> str:
    """The page's one public address: no query string but a page number beyond the first."""
    request: HttpRequest | None = context.get("request")
    if request is None:
        return settings.SITE_URL + "/"
    url = absolute(escape_uri_path(request.path))
    page = request.GET.get("page", "")
    if page.isdigit() and int(page) > 1:
        url += f"?page={int(page)}"
    return url


@register.simple_tag(takes_context=True)
def language_versions(context) -> list[dict]:
    """This page in every interface language: code, name, local path and absolute URL."""
    request: HttpRequest | None = context.get("request")
    path = escape_uri_path(request.path) if request is not None else "/"
    # The switch keeps the query (a search stays a search); crawlers get the bare URL.
    query = request.GET.urlencode() if request is not None else ""
    versions = []
    current = get_language()
    for code, _name in settings.LANGUAGES:
        # No address is translated, only prefixed (i18n_patterns), so moving the
        # prefix is the whole translation, without resolving the path again.
        local = path if code == current else _move_language_prefix(path, code)
        info = get_language_info(code)
        versions.append({
            "code": code,
            "name": info["name_local"],
            "path": f"{local}?{query}" if query else local,
            "url": absolute(local),
            "og_locale": OG_LOCALES.get(code, code.replace("-", "_")),
        })
    return versions


def _move_language_prefix(path: str, code: str) -> str:
    """``path`` under ``code``'s language prefix instead of its own (none for the default language)."""
    for other, _name in settings.LANGUAGES:
        prefix = f"/{other}/"
        if other != settings.LANGUAGE_CODE and path.startswith(prefix):
            path = "/" + path[len(prefix):]
            break
    return path if code == settings.LANGUAGE_CODE else f"/{code}{path}"


@register.simple_tag
def og_locale(code: str) -> str:
    return OG_LOCALES.get(code, code.replace("-", "_"))


@register.filter
def http_url(url: str) -> str:
    """``url`` if it is an http(s) address, else "": no javascript: or data: link reaches a page."""
    url = str(url or "").strip()
    return url if url.lower().startswith(("http://", "https://")) else ""
