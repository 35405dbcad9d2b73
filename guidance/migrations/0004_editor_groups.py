"""The two editor roles, as groups with model permissions (README, "Administration").

Innholdsredaktør keeps the legal content: questions, rules, outcomes, legal sources, contact
categories (they decide which contacts an outcome shows) and the training cases.
Kontaktredaktør keeps contacts (with phone numbers and opening hours) and counties.

Neither group may delete a row that other rows or the contract refer to by key (rules are
switched off instead, outcome codes and counties are fixed, legal sources carry outcomes);
rows edited inline under their parent (conditions, options, phones, hours) can be deleted.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ALL = ("view", "add", "change", "delete")
KEEP = ("view", "add", "change")

GROUPS = {
    "Innholdsredaktør": {
        "question": KEEP,
        "questionoption": ALL,
        "questioncondition": ALL,
        "rule": KEEP,
        "rulecondition": ALL,
        "outcome": KEEP,
        "legalsource": KEEP,
        "contactcategory": KEEP,
        "case": ALL,
    },
    "Kontaktredaktør": {
        "contact": ALL,
        "contactphone": ALL,
        "openinghours": ALL,
        "county": KEEP,
    },
}


def create_groups(apps, schema_editor):
    # Permissions are normally created after the last migration; a fresh database needs them
    # now to put them in the groups.
    app_config = apps.get_app_config("guidance")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, tables in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        codenames = [f"{action}_{model}" for model, actions in tables.items() for action in actions]
        permissions = Permission.objects.filter(
            content_type__app_label="guidance", codename__in=codenames
        )
        assert permissions.count() == len(codenames), "a permission is missing"
        group.permissions.set(permissions)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("guidance", "0003_history"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
