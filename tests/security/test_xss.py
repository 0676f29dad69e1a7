"""Hostile input saved through the admin is inert everywhere it is shown."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from entries.models import Entry, Source, Tag
from issues.models import Issue
from tests.factories import editor

from .helpers import crawl, html_problems, submit_admin_form, xml_problems

pytestmark = pytest.mark.django_db

PAYLOADS = [
    # script tags, in every shape a filter might miss
    "<script>alert('t1')</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>alert(1)//<</script>",
    '"><script>alert(1)</script>',
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<!--<script>-->alert(1)<!--</script>-->",
    "{{ 7|add:7 }}<script>alert('template')</script>",
    # event handlers
    "<img src=x onerror=alert(1)>",
    "'><img src=x onerror=alert(1)>",
    "<body onload=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    '<div style="background:url(javascript:alert(1))" onmouseover="alert(1)">x</div>',
    # javascript:, vbscript: and data: URLs
    '<a href="javascript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href="javascript&#58;alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    '<object data="data:text/html,<script>alert(1)</script>"></object>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    # SVG and MathML
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    # malformed tags and parser confusion
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<img/src=x\tonerror=alert(1)//",
    '<a href="https://example.com/"onmouseover="alert(1)">x</a>',
    # Markdown link and image tricks
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](&#106;avascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    '![x" onerror="alert(1)](https://example.com/a.png)',
    '[x](https://example.com/"onmouseover="alert(1))',
    '<https://example.com/"onmouseover="alert(1)>',
    "[x]: javascript:alert(1)\n\n[ref][x]",
]
URL_PAYLOADS = [
    "javascript:alert(1)",
    "JAVASCRIPT:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    'https://example.com/"><script>alert(1)</script>',
    "https://example.com/?q=<svg onload=alert(1)>",
    "https://example.com/#\"onmouseover='alert(1)'",
]
ADMIN_SCRIPTS = ("/static/", "/admin/jsi18n/")


def test_corpus_is_large_enough():
    assert len(PAYLOADS) + len(URL_PAYLOADS) >= 30


def save_corpus_through_the_admin(client) -> list[str]:
    """Save every payload into every field that takes text; returns what the admin refused."""
    refused: list[str] = []
    start = datetime.date(2020, 1, 1)
    for i, payload in enumerate(PAYLOADS):
        response = submit_admin_form(client, "/admin/entries/source/add/", {
            "name": f"{payload} s{i}", "slug": "", "kind": "website", "homepage": "https://example.com/",
        })
        assert response.status_code == 302, response.content.decode()[:2000]
        source = Source.objects.get(name=f"{payload} s{i}")
        response = submit_admin_form(client, "/admin/entries/tag/add/", {"name": f"{payload} t{i}", "slug": f"xss-tag-{i}"})
        assert response.status_code == 302, f"tag {payload!r}"

        response = submit_admin_form(client, "/admin/issues/issue/add/", {
            "date": (start + datetime.timedelta(days=i)).isoformat(),
            "title": f"{payload} i{i}",
            "headline": payload,
            "lead": payload,
            "entries-TOTAL_FORMS": "1",
            "entries-0-section": "40",
            "entries-0-position": "1",
            "entries-0-title": f"{payload} e{i}",
            "entries-0-url": f"https://example.com/paper/{i}",
            "entries-0-source": source.name,
            "entries-0-venue": payload[:100],
            "entries-0-arxiv_id": payload[:32],
            "entries-0-links": f"code: https://github.com/example/{i}",
            "entries-0-summary": payload,
            "entries-0-tags": f'"{payload} t{i}", plain-{i}',
        })
        assert response.status_code == 302, f"issue {payload!r}: {response.content.decode()[:3000]}"
        issue = Issue.objects.get(date=start + datetime.timedelta(days=i))
        assert issue.entries.count() == 1

        # The stand-alone entry form, with the payload as the issue's second entry's links.
        response = submit_admin_form(client, "/admin/entries/entry/add/", {
            "issue": str(issue.pk), "section": "50", "position": "2", "title": f"second {payload}",
            "url": f"https://example.com/code/{i}", "source": source.name,
            "links": f"{payload}: https://example.com/l/{i}", "summary": f"*{payload}*", "tags": f"plain-{i}",
        })
        if response.status_code != 302:
            refused.append(f"entry links {payload!r}")

        for name in ("submit_for_review", "publish"):
            url = reverse("admin:issues_issue_transition", args=[issue.pk, name])
            assert client.post(url, {"comment": payload}).status_code == 302
        issue.refresh_from_db()
        assert issue.status == Issue.Status.PUBLISHED, payload

    # Links are checked: a dangerous scheme is refused, anything else is saved and must be inert.
    target = Issue.objects.order_by("date").first()
    for j, url in enumerate(URL_PAYLOADS):
        response = submit_admin_form(client, "/admin/entries/entry/add/", {
            "issue": str(target.pk), "section": "60", "position": str(10 + j), "title": f"url payload {j}",
            "url": url, "links": f"paper: {url}", "summary": f"[link]({url}) <{url}>",
        })
        if response.status_code != 302:
            assert b"errorlist" in response.content
            refused.append(f"url {url!r}")
        response = submit_admin_form(client, "/admin/entries/source/add/", {
            "name": f"url source {j}", "kind": "website", "homepage": url,
        })
        if response.status_code != 302:
            refused.append(f"homepage {url!r}")
    return refused


def test_xss_corpus_saved_through_the_admin_is_inert_on_every_page_and_feed(client):
    client.force_login(editor())
    refused = save_corpus_through_the_admin(client)
    # Dangerous schemes never make it into a link field.
    assert "url 'javascript:alert(1)'" in refused and "homepage 'data:text/html,<script>alert(1)</script>'" in refused
    assert Entry.objects.count() >= len(PAYLOADS) * 2

    problems: list[str] = []

    # Every public page and feed an anonymous reader can reach.
    client.logout()
    pages = crawl(client)
    # Every issue, entry, tag and source page, even if nothing links to it.
    extra = [i.get_absolute_url() for i in Issue.objects.all()]
    extra += [e.get_absolute_url() for e in Entry.objects.all()]
    extra += [t.get_absolute_url() for t in Tag.objects.all()]
    extra += [s.get_absolute_url() for s in Source.objects.all()]
    pages.update(crawl(client, [p for p in extra if p not in pages], limit=5000))
    assert len([p for p, (status, _, _) in pages.items() if status == 200]) > 4 * len(PAYLOADS)
    for path, (status, content_type, body) in pages.items():
        if status != 200:
            continue
        found = xml_problems(body) if "xml" in content_type else html_problems(body)
        problems += [f"{path}: {p}" for p in found]

    # The admin pages editors use to review what they saved.
    client.force_login(editor())
    admin_pages = ["/admin/issues/issue/", "/admin/entries/entry/", "/admin/entries/source/", "/admin/entries/tag/",
                   "/admin/issues/issueforreview/", "/admin/"]
    admin_pages += [reverse("admin:issues_issue_change", args=[i.pk]) for i in Issue.objects.all()]
    admin_pages += [reverse("admin:issues_issue_history", args=[i.pk]) for i in Issue.objects.all()[:5]]
    admin_pages += [reverse("admin:entries_entry_change", args=[e.pk]) for e in Entry.objects.all()]
    admin_pages += [reverse("admin:entries_source_change", args=[s.pk]) for s in Source.objects.all()]
    admin_pages += [reverse("admin:entries_tag_change", args=[t.pk]) for t in Tag.objects.all()]
    for path in admin_pages:
        response = client.get(path)
        assert response.status_code == 200, path
        problems += [f"{path}: {p}" for p in html_problems(response.content.decode(), ADMIN_SCRIPTS)]

    assert not problems, f"{len(problems)} live payloads:\n" + "\n".join(problems[:60])


def test_markdown_renders_payloads_as_text_not_markup():
    issue_html = Issue(date=datetime.date(2020, 1, 1), lead="<script>alert(1)</script> [x](javascript:alert(1))")
    issue_html.save()
    assert "<script" not in issue_html.lead_html
    assert 'href="javascript:' not in issue_html.lead_html


def test_the_checker_catches_the_payloads_when_they_are_not_sanitized():
    # Guards the test above against a checker that sees nothing: most of the
    # corpus, pasted raw into a page, must be reported as live.
    from markdown_it import MarkdownIt

    unsafe = MarkdownIt("commonmark", {"html": True})
    unsafe.validateLink = lambda url: True  # as a renderer that trusted every link would
    caught = [p for p in PAYLOADS if html_problems(p + unsafe.render(p))]
    assert len(caught) >= 35, set(PAYLOADS) - set(caught)


def test_admin_markdown_preview_renders_every_payload_inert(client):
    # The editor's live preview (django-markdownx) shows what readers will get.
    client.force_login(editor())
    problems = []
    for payload in PAYLOADS + URL_PAYLOADS:
        response = client.post("/markdownx/markdownify/", {"content": payload})
        assert response.status_code == 200
        problems += [f"{payload!r}: {p}" for p in html_problems(response.content.decode())]
    assert not problems, "\n".join(problems)

