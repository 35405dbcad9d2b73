"""Innholdsredaktør keeps the trainers' sessions too, as it keeps the training cases."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = [
    f"{action}_{model}"
    for model in ("session", "sessioncase")
    for action in ("view", "add", "change", "delete")
]


def grant(apps, schema_editor):
    # As in 0004: the new tables' permissions exist only after the last migration otherwise.
    app_config = apps.get_app_config("guidance")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    group = apps.get_model("auth", "Group").objects.filter(name="Innholdsredaktør").first()
    if group:
        permissions = apps.get_model("auth", "Permission").objects.filter(
            content_type__app_label="guidance", codename__in=CODENAMES
        )
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name="Innholdsredaktør").first()
    if group:
        group.permissions.remove(
            *group.permissions.filter(content_type__app_label="guidance", codename__in=CODENAMES)
        )


class Migration(migrations.Migration):
    dependencies = [("guidance", "0007_trainer_sessions")]

    operations = [migrations.RunPython(grant, revoke)]
