"""Create the Contributor and Editor groups with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CONTRIBUTOR = [
    "issues.add_issue", "issues.change_issue", "issues.view_issue",
    "entries.add_entry", "entries.change_entry", "entries.delete_entry", "entries.view_entry",
    "entries.add_source", "entries.change_source", "entries.view_source",
    "entries.add_tag", "entries.change_tag", "entries.view_tag",
    "entries.view_linkcheck",
]
EDITOR = CONTRIBUTOR + [
    "issues.delete_issue", "issues.review_issue", "issues.publish_issue", "issues.view_issueforreview",
    "entries.delete_source", "entries.delete_tag",
]
ROLES = {"Contributor": CONTRIBUTOR, "Editor": EDITOR}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations have run; make
    # sure they exist now so the groups can be given them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = []
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            permissions.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(permissions)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("issues", "0001_initial"),
        ("entries", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
