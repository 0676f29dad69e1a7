"""Recompute Entry.url_normalized with the smarter normalize_url (arXiv, GitHub, WeChat)."""

from django.db import migrations


def renormalize(apps, schema_editor):
    # normalize_url is a pure function of the URL, so using today's version here is safe.
    from entries.links import normalize_url

    Entry = apps.get_model("entries", "Entry")
    changed = []
    for entry in Entry.objects.exclude(url="").only("pk", "url", "url_normalized").iterator(chunk_size=1000):
        normalized = normalize_url(entry.url)
        if normalized != entry.url_normalized:
            entry.url_normalized = normalized
            changed.append(entry)
    Entry.objects.bulk_update(changed, ["url_normalized"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("entries", "0002_link_checks")]

    operations = [migrations.RunPython(renormalize, migrations.RunPython.noop)]
