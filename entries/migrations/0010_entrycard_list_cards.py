"""List cards: each entry as the tag, source and search pages show it, stored with its other cards.

Existing cards get empty list cards; the card templates changed, so every
card's fingerprint is out of date and is rendered live until
``manage.py render_cards`` stores them again, as after any such deployment.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("entries", "0009_entry_search"),
    ]

    operations = [
        migrations.AddField(
            model_name="entrycard",
            name="list_html",
            field=models.TextField(default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="entrycard",
            name="list_en_html",
            field=models.TextField(default=""),
            preserve_default=False,
        ),
    ]
