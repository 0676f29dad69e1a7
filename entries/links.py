"""What Briefing knows about links: validating them and comparing them."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

# Query parameters that only say where a click came from; two links that
# differ only in these point at the same page.
TRACKING_PARAMETERS = {
    "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content",
    "spm", "from", "fbclid", "gclid", "scene", "srcid", "sharer_sharetime",
    "sharer_shareid", "share_token", "clicktime", "enterid", "ascene", "devicetype",
    "version", "nettype", "lang", "exportkey", "pass_ticket", "wx_header", "chksm",
    "mpshare", "subscene", "sessionid", "key",
}

_http_url = URLValidator(schemes=["http", "https"])


def validate_http_url(value: str) -> None:
    """Accept only absolute http(s) URLs, with a message an editor understands."""
    try:
        _http_url(value)
    except ValidationError:
        raise ValidationError(
            _("“%(value)s” is not a web address: links must start with http:// or https://."),
            code="invalid_url",
            params={"value": value},
        )


def normalize_url(url: str) -> str:
    """The form of a URL that duplicate checks compare.

    Scheme and host are lower-cased, a default port, a trailing slash, the
    fragment and tracking parameters are dropped, and the remaining query
    parameters are sorted.
    """
    url = (url or "").strip()
    if not url:
        return ""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "http":
        scheme = "https"  # the same page served over both is one link
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    path = parts.path.rstrip("/") or ""
    query = sorted(
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key.lower() not in TRACKING_PARAMETERS
    )
    return urlunsplit((scheme, host, path, urlencode(query), ""))
