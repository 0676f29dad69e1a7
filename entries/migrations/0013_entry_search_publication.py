"""Search rows keep a copy of their issue's date and publish time, so search needs no join."""

from django.db import migrations, models
from django.db.models import Case, F, OuterRef, Subquery, When


def copy_from_issues(apps, schema_editor):
    """Fill both copies from each row's issue, in one UPDATE (Issue.public_from, as of this migration)."""
    EntrySearch = apps.get_model("entries", "EntrySearch")
    Issue = apps.get_model("issues", "Issue")
    issue = Issue.objects.filter(pk=OuterRef("issue_id"))
    public_from = Case(When(status__in=["published", "scheduled"], then=F("publish_at")), default=None)
    EntrySearch.objects.update(
        issue_date=Subquery(issue.values("date")[:1]),
        public_from=Subquery(issue.annotate(public_from=public_from).values("public_from")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("entries", "0012_entry_search_bigrams"),
        ("issues", "0005_issue_bodies"),
    ]

    operations = [
        migrations.AddField(model_name="entrysearch", name="issue_date", field=models.DateField(null=True)),
        migrations.AddField(model_name="entrysearch", name="public_from", field=models.DateTimeField(null=True)),
        migrations.RunPython(copy_from_issues, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(model_name="entrysearch", name="issue_date", field=models.DateField()),
    ]
