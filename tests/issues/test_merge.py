"""No lost edits: a save after a conflict writes only what this editor changed since opening the form."""

import pytest

from issues import history
from tests.factories import EntryFactory, IssueFactory, editor
from tests.issues.conftest import _form_values, form_data, login

pytestmark = pytest.mark.django_db


def change_url(issue):
    return f"/admin/issues/issue/{issue.pk}/change/"


@pytest.fixture
def issue():
    issue = IssueFactory(headline="NanoDet")
    EntryFactory(issue=issue, position=0, title="Entry A edits", summary="第一行")
    EntryFactory(issue=issue, position=1, title="Entry B edits", summary="不变")
    return issue


def index_of(data, title):
    return next(key.split("-")[1] for key, value in data.items() if key.endswith("-title") and value == title)


def test_a_line_saved_by_one_editor_survives_the_other_editors_save_after_the_conflict(issue):
    """The issue's scenario: B never touched A's entry, so A's new line must stay."""
    alice, bob = login(editor(username="alice")), login(editor(username="bob"), language="en")
    alice_form = form_data(alice.get(change_url(issue)))
    bob_form = form_data(bob.get(change_url(issue)))

    a = index_of(alice_form, "Entry A edits")
    alice_form[f"entries-{a}-summary"] = "第一行\n第二行：Alice 加的"
    assert alice.post(change_url(issue), alice_form).status_code == 302

    b = index_of(bob_form, "Entry B edits")
    bob_form["headline"] = "NanoDet/Bolt 1.0"
    bob_form[f"entries-{b}-title"] = "Entry B, better title"
    conflict = bob.post(change_url(issue), bob_form)
    assert conflict.status_code == 200
    page = conflict.content.decode()
    assert "alice saved this while you were editing it" in page
    assert 'class="edit-conflict"' in page
    # Nothing was written yet, and the form now holds alice's line next to bob's edits.
    again = form_data(conflict)
    assert again[f"entries-{a}-summary"] == "第一行\n第二行：Alice 加的"
    assert again["headline"] == "NanoDet/Bolt 1.0" and again[f"entries-{b}-title"] == "Entry B, better title"

    # Bob presses Save again, as invited.
    assert bob.post(change_url(issue), again).status_code == 302
    issue.refresh_from_db()
    entries = {e.title: e for e in issue.entries.all()}
    assert entries["Entry A edits"].summary == "第一行\n第二行：Alice 加的"
    assert "Entry B, better title" in entries
    assert issue.headline == "NanoDet/Bolt 1.0"


def test_a_save_after_the_conflict_writes_only_this_editors_fields(issue):
    alice, bob = login(editor(username="alice")), login(editor(username="bob"))
    alice_form = form_data(alice.get(change_url(issue)))
    bob_form = form_data(bob.get(change_url(issue)))
    alice_form["lead"] = "Alice's lead"
    alice_form["entries-0-tags"] = "量化，推理框架"
    assert alice.post(change_url(issue), alice_form).status_code == 302
    bob_form["title_en"] = "Bob's English title"
    again = form_data(bob.post(change_url(issue), bob_form))
    assert bob.post(change_url(issue), again).status_code == 302
    issue.refresh_from_db()
    assert (issue.lead, issue.title_en) == ("Alice's lead", "Bob's English title")
    assert sorted(issue.entries.get(position=0).tags.names()) == ["推理框架", "量化"]


@pytest.mark.parametrize("keep, expected", [("theirs", "Alice's summary"), ("mine", "Bob's summary")])
def test_both_changed_one_field_the_form_shows_both_and_asks_which_to_keep(issue, keep, expected):
    alice, bob = login(editor(username="alice")), login(editor(username="bob"), language="en")
    alice_form = form_data(alice.get(change_url(issue)))
    bob_form = form_data(bob.get(change_url(issue)))
    alice_form["entries-0-summary"] = "Alice's summary"
    assert alice.post(change_url(issue), alice_form).status_code == 302
    bob_form["entries-0-summary"] = "Bob's summary"
    response = bob.post(change_url(issue), bob_form)
    page = response.content.decode()
    assert response.status_code == 200
    assert "choose which version to keep" in page.lower()
    assert 'name="keep-entries-0-summary" value="theirs"' in page and 'name="keep-entries-0-summary" value="mine"' in page
    assert "Alice&#x27;s summary" in page and "Bob&#x27;s summary" in page

    # Saving without choosing is refused, and asks again.
    again = form_data(response)
    refused = bob.post(change_url(issue), again)
    assert refused.status_code == 200 and "Choose which version to keep" in refused.content.decode()
    issue.refresh_from_db()
    assert issue.entries.get(position=0).summary == "Alice's summary"

    again = form_data(refused)
    again["keep-entries-0-summary"] = keep
    assert bob.post(change_url(issue), again).status_code == 302
    assert issue.entries.get(position=0).summary == expected


def test_removing_an_entry_another_editor_changed_asks_first(issue):
    alice, bob = login(editor(username="alice")), login(editor(username="bob"))
    alice_form = form_data(alice.get(change_url(issue)))
    bob_form = form_data(bob.get(change_url(issue)))
    alice_form["entries-0-summary"] = "Alice kept working on it"
    assert alice.post(change_url(issue), alice_form).status_code == 302
    bob_form["entries-0-DELETE"] = "on"
    response = bob.post(change_url(issue), bob_form)
    assert response.status_code == 200 and 'name="keep-entries-0-DELETE"' in response.content.decode()
    again = form_data(response)
    again["entries-0-DELETE"] = "on"
    again["keep-entries-0-DELETE"] = "theirs"
    assert bob.post(change_url(issue), again).status_code == 302
    assert issue.entries.filter(summary="Alice kept working on it").exists()


def test_an_entry_removed_by_the_other_editor_does_not_block_the_save(issue):
    alice, bob = login(editor(username="alice")), login(editor(username="bob"))
    alice_form = form_data(alice.get(change_url(issue)))
    bob_form = form_data(bob.get(change_url(issue)))
    b = index_of(alice_form, "Entry B edits")
    alice_form[f"entries-{b}-DELETE"] = "on"
    assert alice.post(change_url(issue), alice_form).status_code == 302
    bob_form["headline"] = "Bob's headline"
    again = form_data(bob.post(change_url(issue), bob_form))
    response = bob.post(change_url(issue), again)
    assert response.status_code == 302, response.context and response.context["errors"]
    issue.refresh_from_db()
    assert issue.headline == "Bob's headline"
    assert list(issue.entries.values_list("title", flat=True)) == ["Entry A edits"]


def test_the_entry_page_merges_too(issue):
    alice, bob = login(editor(username="alice")), login(editor(username="bob"))
    entry = issue.entries.get(position=0)
    url = f"/admin/entries/entry/{entry.pk}/change/"
    alice_form = _form_values(alice.get(url).context["adminform"].form)
    bob_form = _form_values(bob.get(url).context["adminform"].form)
    alice_form["summary"] = "第一行\n第二行"
    assert alice.post(url, alice_form).status_code == 302
    bob_form["title"] = "Bob's title"
    response = bob.post(url, bob_form)
    assert response.status_code == 200
    again = _form_values(response.context["adminform"].form)
    assert bob.post(url, again).status_code == 302
    entry.refresh_from_db()
    assert (entry.title, entry.summary) == ("Bob's title", "第一行\n第二行")


def test_a_third_save_while_choosing_is_merged_again(issue):
    alice, bob, carol = (login(editor(username=name)) for name in ("alice", "bob", "carol"))
    alice_form, bob_form, carol_form = (form_data(c.get(change_url(issue))) for c in (alice, bob, carol))
    alice_form["headline"] = "Alice's headline"
    assert alice.post(change_url(issue), alice_form).status_code == 302
    bob_form["headline"] = "Bob's headline"
    again = form_data(bob.post(change_url(issue), bob_form))
    carol_form["lead"] = "Carol's lead"
    assert carol.post(change_url(issue), carol_form).status_code == 200  # carol is behind alice too
    carol_again = form_data(carol.post(change_url(issue), carol_form))
    assert carol.post(change_url(issue), carol_again).status_code == 302
    again["keep-headline"] = "mine"
    response = bob.post(change_url(issue), again)
    assert response.status_code == 200  # carol saved meanwhile: merged again, shown again
    assert bob.post(change_url(issue), form_data(response)).status_code == 302
    issue.refresh_from_db()
    assert (issue.headline, issue.lead) == ("Bob's headline", "Carol's lead")
    assert history.revisions_for(issue).count() == 3
