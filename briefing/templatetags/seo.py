"""Template helpers for what every public page tells crawlers and feed readers."""

from __future__ import annotations

import datetime
import html

from django import template
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.encoding import escape_uri_path
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeData, SafeString
from django.utils.text import Truncator
from django.utils.translation import get_language, get_language_info

from briefing.cache import page_query

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


def _text_of(value) -> str:
    """``value`` as plain text: HTML (anything marked safe) reduced to its text, anything else as it is."""
    if isinstance(value, SafeData):
        return "" + html.unescape(strip_tags(value))
    return "" + str(value if value is not None else "")


@register.filter
def attr(value) -> SafeString:
    """``value`` escaped for an attribute, quotes included, whatever it was marked.

    Text marked safe is HTML for an element's content, not for an attribute:
    sanitized HTML keeps ``"`` in its text, which would close the attribute.
    """
    return escape(_text_of(value))


@register.filter
def meta_description(value) -> SafeString:
    """``value`` as text cut to what a search result shows, with an ellipsis where it was cut, escaped for an attribute."""
    text = _text_of(value)
    if len(text) > DESCRIPTION_LENGTH:
        text = Truncator(text).chars(DESCRIPTION_LENGTH)
    return escape(text)


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
    # The switch keeps what the page reads (a search stays a search, a page its
    # number), nothing else; crawlers get the bare URL.
    query = page_query(request).urlencode() if request is not None else ""
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
