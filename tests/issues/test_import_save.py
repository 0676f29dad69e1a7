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
