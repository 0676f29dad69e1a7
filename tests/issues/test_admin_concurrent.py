"""Two editors, one issue: the second save must not silently overwrite the first."""

import pytest

from issues import history
from tests.factories import EntryFactory, IssueFactory, editor
from tests.issues.conftest import _form_values, form_data, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def issue():
    issue = IssueFactory(headline="NanoDet")
    EntryFactory(issue=issue, title="A paper on INT8")
    return issue


def change_url(issue):
    return f"/admin/issues/issue/{issue.pk}/change/"


def test_second_save_is_refused_shows_their_change_and_keeps_my_input(issue):
    alice, bob = login(editor(username="alice")), login(editor(username="bob"), language="en")
    alice_form = form_data(alice.get(change_url(issue)))
    bob_form = form_data(bob.get(change_url(issue)))

    alice_form["headline"] = "NanoDet/Bolt 1.0"
    assert alice.post(change_url(issue), alice_form).status_code == 302

    bob_form["lead"] = "Bob's carefully written lead"
    bob_form["entries-0-title"] = "Bob's better title"
    response = bob.post(change_url(issue), bob_form)
    assert response.status_code == 200
    page = response.content.decode()
    assert "alice saved this while you were editing it" in page
    # What alice changed is shown.
    assert "<ins>/Bolt 1.0</ins>" in page or "<ins>" in page and "Bolt" in page
    # Bob's input is still on the form.
    assert "Bob&#x27;s carefully written lead" in page
    assert "Bob&#x27;s better title" in page
    issue.refresh_from_db()
    assert issue.headline == "NanoDet/Bolt 1.0" and issue.lead == ""
    assert issue.entries.get().title == "A paper on INT8"

    # Having looked, bob saves again on purpose: the renewed token lets him.
    again = form_data(response)
    assert again["lead"] == "Bob's carefully written lead"
    assert bob.post(change_url(issue), again).status_code == 302
    issue.refresh_from_db()
    assert issue.lead == "Bob's carefully written lead"


def test_a_change_to_an_entry_on_its_own_page_also_stops_a_stale_issue_save(issue):
    alice, bob = login(editor(username="alice")), login(editor(username="bob"))
    bob_form = form_data(bob.get(change_url(issue)))
    entry = issue.entries.get()
    entry_url = f"/admin/entries/entry/{entry.pk}/change/"
    entry_form = _form_values(alice.get(entry_url).context["adminform"].form)
    entry_form["summary"] = "Alice's summary"
    assert alice.post(entry_url, entry_form).status_code == 302

    bob_form["headline"] = "Bob's headline"
    response = bob.post(change_url(issue), bob_form)
    assert response.status_code == 200
    assert "Alice&#x27;s summary" in response.content.decode()
    issue.refresh_from_db()
    assert issue.headline == "NanoDet"


def test_stale_save_of_an_entry_on_its_own_page_is_refused(issue):
    alice, bob = login(editor(username="alice")), login(editor(username="bob"), language="en")
    entry = issue.entries.get()
    url = f"/admin/entries/entry/{entry.pk}/change/"
    alice_form = _form_values(alice.get(url).context["adminform"].form)
    bob_form = _form_values(bob.get(url).context["adminform"].form)
    alice_form["title"] = "Alice's title"
    assert alice.post(url, alice_form).status_code == 302
    bob_form["summary"] = "Bob's summary"
    response = bob.post(url, bob_form)
    assert response.status_code == 200
    page = response.content.decode()
    assert "alice saved this while you were editing it" in page
    assert "Alice&#x27;s title" in page  # their change, in the diff
    assert "Bob&#x27;s summary" in page  # my input, on the form
    entry.refresh_from_db()
    assert entry.title == "Alice's title" and entry.summary != "Bob's summary"


def test_saving_twice_in_a_row_by_one_editor_is_not_a_conflict(issue):
    client = login(editor())
    for headline in ("one", "two"):
        data = form_data(client.get(change_url(issue)))
        data["headline"] = headline
        assert client.post(change_url(issue), data).status_code == 302
    issue.refresh_from_db()
    assert issue.headline == "two"
    assert history.revisions_for(issue).count() == 2


def test_a_forged_or_missing_token_is_refused(issue):
    client = login(editor())
    data = form_data(client.get(change_url(issue)))
    data["edit_token"] = "forged"
    data["headline"] = "Forged"
    response = client.post(change_url(issue), data)
    assert response.status_code == 200
    issue.refresh_from_db()
    assert issue.headline == "NanoDet"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_saves_at_the_same_moment_one_wins_one_is_told(settings):
    """Real concurrency: the row lock makes the second save see the first."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locks (set DATABASE_URL); SQLite serialises writers anyway")
    issue = IssueFactory(headline="start")
    EntryFactory(issue=issue)
    clients = [login(editor(username="alice")), login(editor(username="bob"))]
    forms = [form_data(c.get(change_url(issue))) for c in clients]
    for form, name in zip(forms, ("alice", "bob")):
        form["headline"] = f"{name}'s headline"
    barrier = threading.Barrier(2)
    statuses = {}

    def save(i):
        try:
            barrier.wait(timeout=10)
            statuses[i] = clients[i].post(change_url(issue), forms[i]).status_code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(statuses.values()) == [200, 302]
    winner = "alice" if statuses[0] == 302 else "bob"
    issue.refresh_from_db()
    assert issue.headline == f"{winner}'s headline"


def test_a_change_to_the_english_edition_also_stops_a_stale_save(issue):
    alice, bob = login(editor(username="alice")), login(editor(username="bob"), language="en")
    alice_form = form_data(alice.get(change_url(issue)))
    bob_form = form_data(bob.get(change_url(issue)))
    alice_form["title_en"] = "Embedded AI Briefing, English"
    alice_form["entries-0-summary_en"] = "Alice's English summary"
    assert alice.post(change_url(issue), alice_form).status_code == 302

    bob_form["headline"] = "Bob's headline"
    response = bob.post(change_url(issue), bob_form)
    assert response.status_code == 200
    assert "alice saved this while you were editing it" in response.content.decode()
    issue.refresh_from_db()
    assert issue.title_en == "Embedded AI Briefing, English" and issue.headline == "NanoDet"
