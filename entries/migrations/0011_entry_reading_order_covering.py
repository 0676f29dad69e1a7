"""The reading-order index carries the entry id on PostgreSQL (INCLUDE), so tag and source
pages count and order a tag's entries by an index-only scan instead of reading entries_entry."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("entries", "0010_entrycard_list_cards"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="entry",
            name="entry_reading_order",
        ),
        migrations.AddIndex(
            model_name="entry",
            index=models.Index(fields=["issue", "section", "position"], include=("id",), name="entry_reading_order"),
        ),
    ]
