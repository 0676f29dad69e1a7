"""Import, then save: saving an imported entry unchanged changes nothing, on the whole corpus."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.forms.models import model_to_dict

from entries.models import Entry
from issues.models import Issue
from tests.corpus import corpus_dir, requires_corpus

pytestmark = pytest.mark.django_db

# Everything stored about an entry except the time of its last save.
COMPARED = [f.attname for f in Entry._meta.concrete_fields if f.attname != "updated_at"]


def stored_entries() -> dict[int, dict]:
    return {row["id"]: row for row in Entry.objects.values(*COMPARED)}


@requires_corpus
def test_importing_the_corpus_then_saving_every_entry_unchanged_changes_nothing():
    call_command("import_briefings", str(corpus_dir()), "--no-progress", stdout=io.StringIO(), stderr=io.StringIO())
    before = stored_entries()
    changed_at = dict(Issue.objects.values_list("pk", "content_changed_at"))
    assert len(before) > 600

    for entry in Entry.objects.select_related("source").order_by("pk"):
        entry.save()

    after = stored_entries()
    differences = [
        (pk, name, before[pk][name], after[pk][name])
        for pk in before for name in COMPARED if before[pk][name] != after[pk][name]
    ]
    assert differences == []
    assert dict(Issue.objects.values_list("pk", "content_changed_at")) == changed_at


@requires_corpus
def test_an_unchanged_save_in_the_admin_changes_no_imported_entry(client):
    from tests.factories import superuser
    from tests.issues.conftest import _form_values

    call_command("import_briefings", str(corpus_dir()), "--no-progress", stdout=io.StringIO(), stderr=io.StringIO())
    # The entries most at risk: a bar inside the title, arXiv and GitHub links, extra links, flagged entries;
    # and every entry of one whole issue.
    risky = (
        Entry.objects.filter(title__contains=" | ")
        | Entry.objects.filter(url__contains="arxiv.org")[:5]
        | Entry.objects.filter(url__contains="github.com")[:5]
        | Entry.objects.filter(needs_attention=True)
        | Entry.objects.filter(issue__date="2020-11-30")
    )
    ids = sorted(set(risky.values_list("pk", flat=True)))
    assert len(ids) > 30
    before = stored_entries()
    changed_at = dict(Issue.objects.values_list("pk", "content_changed_at"))
    client.force_login(superuser())
    for pk in ids:
        url = f"/admin/entries/entry/{pk}/change/"
        response = client.post(url, _form_values(client.get(url).context["adminform"].form))
        if response.status_code == 200:
            # An archived entry without a link cannot be saved until an editor gives it one: refused, unchanged.
            assert list(response.context["adminform"].form.errors) == ["url"] and not before[pk]["url"], pk
            continue
        assert response.status_code == 302, pk
    after = stored_entries()
    assert [(pk, name) for pk in ids for name in COMPARED if before[pk][name] != after[pk][name]] == []
    assert dict(Issue.objects.values_list("pk", "content_changed_at")) == changed_at
