"""History: every admin save is a revision; revisions are listed, compared and restored."""

import datetime
import json

import pytest
from django.utils import translation
from reversion.models import Revision

from entries.models import Entry
from issues import history
from tests.factories import EntryFactory, IssueFactory, editor
from tests.issues.conftest import form_data, login

pytestmark = pytest.mark.django_db


def change_url(issue):
    return f"/admin/issues/issue/{issue.pk}/change/"


def save_issue(client, issue, **changes):
    """Open the issue page, change what ``changes`` says (form field names), save."""
    data = form_data(client.get(change_url(issue)))
    data.update(changes)
    response = client.post(change_url(issue), data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    return response


@pytest.fixture
def issue():
    issue = IssueFactory(date=datetime.date(2024, 3, 1), headline="NanoDet")
    EntryFactory(issue=issue, title="First paper", summary="量化让模型更小。")
    EntryFactory(issue=issue, title="Second paper")
    return issue


def test_every_admin_save_is_a_revision_with_who_and_what(issue):
    boss = editor(username="wang")
    client = login(boss)
    save_issue(client, issue, headline="NanoDet/Bolt")
    save_issue(client, issue, **{"entries-0-title": "First paper, revised"})
    revisions = list(history.revisions_for(issue))
    assert len(revisions) == 2
    assert all(r.user == boss for r in revisions)
    newest = history.revision_snapshot(revisions[0], issue.pk)
    assert newest["issue"]["headline"] == "NanoDet/Bolt"
    assert sorted(e["title"] for e in newest["entries"].values()) == ["First paper, revised", "Second paper"]
    assert "First paper, revised" in revisions[0].get_comment()
    assert "edit_token" not in revisions[0].get_comment() + revisions[1].get_comment()


def test_issue_page_lists_revisions_and_the_diff_is_readable(issue):
    client = login(editor())
    save_issue(client, issue, headline="NanoDet/Bolt")
    save_issue(client, issue, headline="NanoDet/Bolt 1.0", **{"entries-1-summary": "新的摘要"})
    page = client.get(change_url(issue)).content.decode()
    assert page.count('class="revision"') == 2
    older, newer = history.revisions_for(issue).order_by("date_created", "pk")
    response = client.get(f"/admin/issues/issue/{issue.pk}/revisions/compare/", {"from": older.pk, "to": newer.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert "NanoDet/Bolt<ins> 1.0</ins>" in html or "<ins> 1.0</ins>" in html
    assert "<ins>新的</ins>摘要<del>" in html
    # The full list offers a compare form over any two.
    listing = client.get(f"/admin/issues/issue/{issue.pk}/revisions/").content.decode()
    # By default the form compares the last change: the revision before it to the newest.
    assert f'name="from" value="{older.pk}" checked' in listing and f'name="to" value="{newer.pk}" checked' in listing


def test_restore_brings_back_entries_and_is_itself_a_revision(issue):
    client = login(editor(), language="en")
    save_issue(client, issue, headline="Before")
    first = history.revisions_for(issue).first()
    data = form_data(client.get(change_url(issue)))
    data.update({"headline": "After", "entries-0-DELETE": "on", "entries-1-title": "Renamed"})
    assert client.post(change_url(issue), data).status_code == 302
    assert issue.entries.count() == 1

    confirm = client.get(f"/admin/issues/issue/{issue.pk}/revisions/{first.pk}/restore/")
    assert "Restore" in confirm.content.decode() and "After" in confirm.content.decode()
    response = client.post(f"/admin/issues/issue/{issue.pk}/revisions/{first.pk}/restore/")
    assert response.status_code == 302

    issue.refresh_from_db()
    assert issue.headline == "Before"
    assert sorted(issue.entries.values_list("title", flat=True)) == ["First paper", "Second paper"]
    assert Entry.objects.get(title="First paper").summary_html  # re-rendered on save
    revisions = list(history.revisions_for(issue))
    assert len(revisions) == 3
    assert "Restored" in revisions[0].comment or "恢复" in revisions[0].comment
    # Nothing is lost: the state before the restore is still a revision that can be restored.
    after = revisions[1]
    assert history.revision_snapshot(after, issue.pk)["issue"]["headline"] == "After"


def test_restoring_saves_unrecorded_changes_first(issue):
    client = login(editor())
    save_issue(client, issue, headline="Saved in the admin")
    first = history.revisions_for(issue).first()
    # A change made outside the admin (an import, a shell) has no revision yet.
    issue.headline = "Changed in a shell"
    issue.save()
    history.restore(issue, first, editor())
    comments = [r.comment for r in history.revisions_for(issue)]
    assert len(comments) == 3
    kept = history.revisions_for(issue)[1]
    assert history.revision_snapshot(kept, issue.pk)["issue"]["headline"] == "Changed in a shell"


def test_restore_keeps_the_workflow_status(issue):
    from issues import workflow
    from tests.factories import contributor

    client = login(editor())
    save_issue(client, issue, headline="v1")
    first = history.revisions_for(issue).first()
    workflow.submit_for_review(issue, contributor())
    client.post(f"/admin/issues/issue/{issue.pk}/revisions/{first.pk}/restore/")
    issue.refresh_from_db()
    assert issue.status == "review"


def test_inline_diff_marks_chinese_characters_one_by_one():
    html = history.inline_diff("模型量化", "模型剪枝")
    assert html == "模型<del>量化</del><ins>剪枝</ins>"
    assert history.inline_diff("<b>", "<i>") == "<del>&lt;b&gt;</del><ins>&lt;i&gt;</ins>" or "&lt;" in history.inline_diff("<b>", "<i>")


def test_saving_an_entry_on_its_own_page_is_a_revision_of_its_issue(issue):
    client = login(editor())
    entry = issue.entries.first()
    url = f"/admin/entries/entry/{entry.pk}/change/"
    page = client.get(url)
    data = {k: v for k, v in _entry_form(page).items()}
    data["title"] = "Edited alone"
    assert client.post(url, data).status_code == 302
    [revision] = history.revisions_for(issue)
    titles = [e["title"] for e in history.revision_snapshot(revision, issue.pk)["entries"].values()]
    assert "Edited alone" in titles and len(titles) == 2
    assert Revision.objects.count() == 1


def _entry_form(response):
    from tests.issues.conftest import _form_values

    return _form_values(response.context["adminform"].form)


def test_commands_and_importers_record_a_revision_with_one_call(issue):
    history.save_revision(issue, None, "Imported from the archive")
    [revision] = history.revisions_for(issue)
    assert revision.comment == "Imported from the archive" and revision.user is None
    assert len(history.revision_snapshot(revision, issue.pk)["entries"]) == 2


def test_tags_are_part_of_a_revision_and_come_back_on_restore(issue):
    client = login(editor())
    save_issue(client, issue, **{"entries-0-tags": "量化, NPU"})
    tagged = history.revisions_for(issue).first()
    save_issue(client, issue, **{"entries-0-tags": "剪枝"})
    entry = issue.entries.get(title="First paper")
    assert list(entry.tags.names()) == ["剪枝"]
    diff = client.get(f"/admin/issues/issue/{issue.pk}/revisions/compare/", {"from": tagged.pk, "to": "current"}).content.decode()
    assert "<del>量化, NPU</del><ins>剪枝</ins>" in diff or ("量化" in diff and "剪枝" in diff)
    client.post(f"/admin/issues/issue/{issue.pk}/revisions/{tagged.pk}/restore/")
    assert sorted(entry.tags.names()) == ["NPU", "量化"]


def test_restore_refuses_a_date_another_issue_has_taken(issue):
    client = login(editor(), language="en")
    save_issue(client, issue, headline="v1")
    first = history.revisions_for(issue).first()
    save_issue(client, issue, date="2024-03-02")
    IssueFactory(date=datetime.date(2024, 3, 1))
    response = client.post(f"/admin/issues/issue/{issue.pk}/revisions/{first.pk}/restore/", follow=True)
    assert "Another issue has the date 2024-03-01 now" in response.content.decode()
    issue.refresh_from_db()
    assert issue.date == datetime.date(2024, 3, 2)


def test_english_edition_is_compared_and_restored(issue):
    client = login(editor())
    save_issue(client, issue, headline_en="NanoDet, in English", **{"entries-0-summary_en": "Smaller models."})
    save_issue(client, issue, headline_en="NanoDet and Bolt", **{"entries-0-summary_en": "Much smaller models."})
    older, newer = history.revisions_for(issue).order_by("date_created", "pk")
    with translation.override("en"):
        changes = history.diff(history.revision_snapshot(older, issue.pk), history.revision_snapshot(newer, issue.pk))
        labels = {field.label for change in changes for field in change.fields}
    assert {"English headline", "English summary"} <= labels
    history.restore(issue, older, editor(username="restorer"))
    issue.refresh_from_db()
    assert issue.headline_en == "NanoDet, in English"
    assert issue.entries.get(title="First paper").summary_en == "Smaller models."


def test_restoring_a_revision_from_before_the_english_edition_keeps_the_english_text(issue):
    client = login(editor())
    save_issue(client, issue, headline="Before")
    old = history.revisions_for(issue).first()
    # As a revision saved before the English fields existed holds them: not at all.
    for version in old.version_set.all():
        data = json.loads(version.serialized_data)
        for obj in data:
            for name in ("title_en", "headline_en", "lead_en", "summary_en", "summary_en_html", "abstract"):
                obj["fields"].pop(name, None)
        version.serialized_data = json.dumps(data)
        version.save()
    save_issue(client, issue, headline="After", headline_en="Kept in English", **{"entries-0-summary_en": "Kept too"})
    history.restore(issue, history.revisions_for(issue).get(pk=old.pk), editor(username="restorer"))
    issue.refresh_from_db()
    assert issue.headline == "Before"
    assert issue.headline_en == "Kept in English"
    assert issue.entries.filter(summary_en="Kept too").exists()


# A restore touches only issues its user may edit (the hostile-input probe, finding 5) ----

def _entry_moved_into_a_published_issue(issue):
    """``issue`` (a draft) has a revision holding "First paper"; the entry is now in a published issue."""
    from tests.factories import published_issue

    history.save_revision(issue, editor(), "Before the move.")
    revision = history.revisions_for(issue).first()
    public = published_issue(title="The published issue")
    moved = issue.entries.get(title="First paper")
    moved.issue = public
    moved.save()
    return revision, public, moved


def test_a_contributor_cannot_take_an_entry_out_of_a_published_issue_by_restoring(client, issue):
    from tests.factories import contributor

    revision, public, moved = _entry_moved_into_a_published_issue(issue)
    writer = login(contributor(), language="en")
    response = writer.post(f"/admin/issues/issue/{issue.pk}/revisions/{revision.pk}/restore/", follow=True)
    page = response.content.decode()
    assert "First paper" in page and "The published issue" in page and "may not edit" in page
    moved.refresh_from_db()
    assert moved.issue_id == public.pk
    assert "First paper" in client.get(public.get_absolute_url()).content.decode()
    # Nothing else of the restore happened either.
    assert history.revisions_for(issue).count() == 1


def test_a_restore_that_would_touch_an_issue_the_user_may_not_edit_is_refused(issue):
    from tests.factories import contributor

    revision, public, moved = _entry_moved_into_a_published_issue(issue)
    with pytest.raises(history.RestoreError):
        history.restore(issue, revision, contributor())
    moved.refresh_from_db()
    assert moved.issue_id == public.pk


def test_an_editor_may_restore_an_entry_from_another_issue_and_that_issue_keeps_its_history(issue):
    revision, public, moved = _entry_moved_into_a_published_issue(issue)
    history.restore(issue, revision, editor())
    moved.refresh_from_db()
    assert moved.issue_id == issue.pk
    # The issue the entry left has a revision of how it was before.
    before = history.revisions_for(public).first()
    assert "First paper" in [e["title"] for e in history.revision_snapshot(before, public.pk)["entries"].values()]


def test_revision_notes_are_in_the_readers_language_never_a_mix(issue):
    # Saved by an editor whose admin is in English…
    save_issue(login(editor(), language="en"), issue, headline="NanoDet/Bolt", lead="导读")
    revisions_url = f"/admin/issues/issue/{issue.pk}/revisions/"
    # …read by one whose admin is in Chinese, and by the first.
    chinese = login(editor()).get(revisions_url).content.decode()
    assert "已修改要点 和 导读。" in chinese and "Headline" not in chinese
    english = login(editor(), language="en").get(revisions_url).content.decode()
    assert "Changed Headline and Lead." in english
    assert "已修改" not in english
