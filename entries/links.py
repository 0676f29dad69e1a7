"""What Briefing knows about links: validating them, recognising them and comparing them.

Everything here is a pure function of a URL or a title, so the admin, the
entry model's save() and the importer all get the same answers:

- ``validate_http_url``: only absolute http(s) links are accepted.
- ``parse_arxiv`` / ``parse_github`` / ``github_title_prefix``: what a link points at.
- ``clean_wechat_url``: a WeChat article link without its tracking parameters.
- ``split_publisher``: "title | publisher" as the editor writes it.
- ``analyze_link``: all of the above for one entry, as a ``LinkInfo``.
- ``normalize_url``: the form that duplicate checks compare.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
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

# An old-style WeChat article (mp.weixin.qq.com/s?__biz=…) is identified by
# exactly these four parameters; everything else is the reader's session.
WECHAT_ARTICLE_PARAMETERS = ("__biz", "mid", "idx", "sn")
WECHAT_HOST = "mp.weixin.qq.com"

ARXIV_HOSTS = {"arxiv.org", "www.arxiv.org", "export.arxiv.org"}
# New-style ids (1812.00332, 2101.01234v2) and old-style ones (cs/0112017, math.GT/0309136).
_ARXIV_ID = r"(?P<id>\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?P<version>v\d+)?"
_ARXIV_PATH = re.compile(rf"^/(?:abs|pdf|html|format)/{_ARXIV_ID}(?:\.pdf)?/?$", re.IGNORECASE)

GITHUB_HOSTS = {"github.com", "www.github.com"}
# First path segments on github.com that are GitHub's own pages, not owners.
GITHUB_RESERVED = {
    "about", "apps", "collections", "contact", "customer-stories", "enterprise", "events",
    "explore", "features", "issues", "login", "marketplace", "new", "notifications", "orgs",
    "pricing", "pulls", "search", "settings", "sponsors", "team", "topics", "trending", "join",
}
_GITHUB_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})"
_GITHUB_REPO = r"[A-Za-z0-9_.-]{1,100}"
# "owner/repo: what it does" (also with a full-width colon), as the open-source section writes it.
_GITHUB_TITLE_PREFIX = re.compile(rf"^\s*(?P<owner>{_GITHUB_NAME})/(?P<repo>{_GITHUB_REPO})\s*[:：]\s*(?P<rest>.*)$", re.DOTALL)

# "title | publisher" (also with the full-width bar), the editor's way of naming the source.
_PUBLISHER_SUFFIX = re.compile(r"^(?P<title>.+?)(?:\s+\||\s*｜)\s*(?P<publisher>[^|｜]+?)\s*$", re.DOTALL)

_http_url = URLValidator(schemes=["http", "https"])


#: What the English edition calls the labels editors give extra links most often (they write them in Chinese).
LINK_LABELS_EN = {
    "代码": "code", "源码": "code", "开源代码": "code", "链接": "link", "地址": "link", "网址": "link",
    "论文": "paper", "论文链接": "paper", "论文地址": "paper", "文章": "article", "原文": "original",
    "报道原文": "original report", "项目": "project", "项目地址": "project", "开源项目地址": "project",
    "视频": "video", "视频回放": "video", "回放": "replay", "演示": "demo", "在线演示": "demo", "在线Demo": "demo",
    "网页Demo": "demo", "试玩Demo": "demo", "文档": "docs", "博客": "blog", "官方博客": "blog", "网站": "website",
    "官网": "website", "课程链接": "course", "课程地址": "course", "在线PDF": "PDF", "白皮书地址": "white paper",
    "知乎": "Zhihu", "框架": "framework", "slide": "slides",
}


def link_label(label: str, english: bool) -> str:
    """An extra link's label as the edition shows it: the English edition's word where there is one."""
    label = str(label or "").strip()
    return LINK_LABELS_EN.get(label, label) if english else label


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


@dataclass(frozen=True)
class ArxivLink:
    """An arXiv paper: its id without version, the version if the link named one."""

    id: str
    version: str = ""

    @property
    def abs_url(self) -> str:
        """The canonical page of the paper (always its latest version)."""
        return f"https://arxiv.org/abs/{self.id}"


def _host(url: str) -> str:
    try:
        return (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return ""


def parse_arxiv(url: str) -> ArxivLink | None:
    """The arXiv paper an abs, pdf or versioned link points at, or None.

    >>> parse_arxiv("http://arxiv.org/pdf/1909.12605v1.pdf")
    ArxivLink(id='1909.12605', version='v1')
    """
    if _host(url) not in ARXIV_HOSTS:
        return None
    match = _ARXIV_PATH.match(urlsplit(url.strip()).path)
    if not match:
        return None
    return ArxivLink(id=match.group("id"), version=match.group("version") or "")


def parse_github(url: str) -> tuple[str, str] | None:
    """(owner, repo) of a link anywhere inside a GitHub repository, or None."""
    if _host(url) not in GITHUB_HOSTS:
        return None
    segments = [s for s in urlsplit(url.strip()).path.split("/") if s]
    if len(segments) < 2 or segments[0].lower() in GITHUB_RESERVED:
        return None
    owner, repo = segments[0], segments[1]
    if repo.endswith(".git"):
        repo = repo[:-4]
    if not re.fullmatch(_GITHUB_NAME, owner) or not re.fullmatch(_GITHUB_REPO, repo):
        return None
    return owner, repo


def github_title_prefix(title: str) -> tuple[str, str, str] | None:
    """(owner, repo, rest of the title) for an "owner/repo: …" title, or None."""
    match = _GITHUB_TITLE_PREFIX.match(title or "")
    if not match:
        return None
    return match.group("owner"), match.group("repo"), match.group("rest").strip()


def clean_wechat_url(url: str) -> str:
    """A WeChat article link without the reader's tracking parameters.

    ``/s/<id>`` links need no query at all; old-style ``/s?__biz=…`` links
    keep ``__biz``, ``mid``, ``idx`` and ``sn``, which identify the article.
    Temporary links (``/s?timestamp=…&signature=…``) and anything else are
    returned unchanged: stripping them would break them.
    """
    url = (url or "").strip()
    if _host(url) != WECHAT_HOST:
        return url
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if path.startswith("/s/") and len(path) > 3:
        return urlunsplit(("https", WECHAT_HOST, path, "", ""))
    if path == "/s":
        # Kept as written (not re-encoded): __biz values end in "==".
        params = dict(pair.partition("=")[::2] for pair in parts.query.split("&") if pair)
        if all(params.get(name) for name in WECHAT_ARTICLE_PARAMETERS):
            query = "&".join(f"{name}={params[name]}" for name in WECHAT_ARTICLE_PARAMETERS)
            return urlunsplit(("https", WECHAT_HOST, "/s", query, ""))
    return url


def is_wechat(url: str) -> bool:
    return _host(url) == WECHAT_HOST


def host_kind(url: str) -> str:
    """The kind of publisher a link's host says: "wechat", "github", "arxiv", or "" for any other site.

    The one place that knows these hosts; a new Source's kind is guessed from it.
    """
    host = _host(url or "")
    if host == WECHAT_HOST:
        return "wechat"
    if host in GITHUB_HOSTS:
        return "github"
    if host in ARXIV_HOSTS:
        return "arxiv"
    return ""


def split_publisher(title: str) -> tuple[str, str]:
    """("title", "publisher") from "title | publisher"; ("title", "") when there is none."""
    match = _PUBLISHER_SUFFIX.match((title or "").strip())
    if not match:
        return (title or "").strip(), ""
    return match.group("title").strip(), match.group("publisher").strip()


@dataclass
class LinkInfo:
    """What Briefing recognised in one entry's link and title."""

    url: str
    title: str
    arxiv: ArxivLink | None = None
    github: tuple[str, str] | None = None
    publisher: str = ""
    source_name: str = ""
    source_kind: str = ""
    extra_links: list[dict[str, str]] = field(default_factory=list)

    @property
    def github_repo(self) -> str:
        return "/".join(self.github) if self.github else ""


def analyze_link(url: str, title: str = "", *, open_source_section: bool = False, split_title: bool = True) -> LinkInfo:
    """Recognise arXiv, GitHub and WeChat links, and the title conventions that go with them.

    ``split_title`` (the default) takes a WeChat title's " | publisher" suffix
    as its publisher; an entry that already has a source passes False, so a
    bar that belongs to the title stays in it.

    ``open_source_section`` turns on the "owner/repo: …" title prefix of the
    open-source section: the repository is recognised even when the main link
    is an article about it, and suggested in ``extra_links`` (an importer or
    form may offer it; ``Entry.save()`` does not add links by itself).
    """
    url = (url or "").strip()
    title = (title or "").strip()
    info = LinkInfo(url=url, title=title)
    if not url:
        if open_source_section and (prefix := github_title_prefix(title)):
            info.github = prefix[:2]
            info.url = f"https://github.com/{prefix[0]}/{prefix[1]}"
            info.source_name, info.source_kind = "GitHub", "github"
        return info
    if arxiv := parse_arxiv(url):
        info.arxiv = arxiv
        info.url = arxiv.abs_url
        info.source_name, info.source_kind = "arXiv", "arxiv"
    elif github := parse_github(url):
        info.github = github
        info.source_name, info.source_kind = "GitHub", "github"
    elif is_wechat(url):
        info.url = clean_wechat_url(url)
        bare, publisher = split_publisher(title) if split_title else (title, "")
        if publisher:
            info.title, info.publisher = bare, publisher
            info.source_name, info.source_kind = publisher, "wechat"
    if open_source_section and not info.github and (prefix := github_title_prefix(info.title)):
        info.github = prefix[:2]
        info.extra_links.append({"label": "GitHub", "url": f"https://github.com/{prefix[0]}/{prefix[1]}"})
    return info


def normalize_url(url: str) -> str:
    """The form of a URL that duplicate checks compare.

    Scheme and host are lower-cased (http and https count as one), ``www.``, a
    default port, a trailing slash, the fragment and tracking parameters are
    dropped, and the remaining query parameters are sorted. arXiv links become
    their abs page without version, GitHub repository paths are lower-cased
    (GitHub ignores their case) and WeChat article links keep only what
    identifies the article.
    """
    url = (url or "").strip()
    if not url:
        return ""
    if arxiv := parse_arxiv(url):
        return arxiv.abs_url
    if is_wechat(url):
        url = clean_wechat_url(url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if scheme == "http":
        scheme = "https"  # the same page served over both is one link
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    path = parts.path.rstrip("/") or ""
    if host == "github.com" and (github := parse_github(url)):
        rest = [s for s in path.split("/") if s][2:]
        path = "/".join(["", github[0].lower(), github[1].lower(), *rest])
    query = sorted(
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key.lower() not in TRACKING_PARAMETERS
    )
    return urlunsplit((scheme, host, path, urlencode(query), ""))
