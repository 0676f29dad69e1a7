"""Let contributors and editors read the link-check results in the admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = ["Contributor", "Editor"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("entries")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="entries", codename="view_linkcheck")
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for permission in Permission.objects.filter(content_type__app_label="entries", codename="view_linkcheck"):
        for group in Group.objects.filter(name__in=GROUPS):
            group.permissions.remove(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("entries", "0003_renormalize_urls"),
        ("issues", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
