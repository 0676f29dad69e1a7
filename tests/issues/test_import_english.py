"""Re-importing the archive keeps an editor's English edition, except where the item itself changed."""

from __future__ import annotations

import pytest

from entries.models import Entry
from issues.models import Issue
from tests.issues.test_import import GOOD, run, write

pytestmark = pytest.mark.django_db


def test_reimport_keeps_english_text_and_the_abstract_when_the_item_is_the_same(tmp_path):
    path = write(tmp_path, "a.md", GOOD)
    run(str(path), "--no-progress")
    issue = Issue.objects.get()
    issue.title_en, issue.lead_en = "Embedded AI Briefing", "An English lead."
    issue.save()
    entry = Entry.objects.get(title="A Tiny Model")
    entry.title_en, entry.summary_en, entry.abstract = "A Tiny Model", "An example.", "We present a tiny model."
    entry.save()
    write(tmp_path, "a.md", GOOD.replace("摘要：一个示例。", "摘要：改过的示例。"))
    run(str(path), "--no-progress", "--replace")
    entry.refresh_from_db()
    issue.refresh_from_db()
    assert "改过的示例" in entry.summary_html
    assert (entry.title_en, entry.summary_en, entry.abstract) == ("A Tiny Model", "An example.", "We present a tiny model.")
    assert "An example." in entry.summary_en_html
    assert (issue.title_en, issue.lead_en) == ("Embedded AI Briefing", "An English lead.")


def test_reimport_clears_the_english_edition_of_a_slot_that_now_holds_another_link(tmp_path):
    path = write(tmp_path, "a.md", GOOD)
    run(str(path), "--no-progress")
    entry = Entry.objects.get(title="A Tiny Model")
    entry.title_en, entry.summary_en, entry.abstract = "A Tiny Model", "An example.", "We present a tiny model."
    entry.save()
    # A new item was put first in the section: the old first slot now holds another link.
    changed = GOOD.replace(
        "- [2101.00001]", "- [Brand New | 示例媒体](https://example.org/new)\n摘要：新条目。\n- [2101.00001]"
    )
    write(tmp_path, "a.md", changed)
    out, _ = run(str(path), "--no-progress", "--replace", "-v", "2")
    entry.refresh_from_db()
    assert entry.title == "Brand New"
    assert (entry.title_en, entry.summary_en, entry.summary_en_html, entry.abstract) == ("", "", "", "")
    assert "English edition cleared" in out
