"""The table behind the "shared" cache (settings.CACHES): the login limit per address and the
contact import waiting for its confirmation, seen by every app server. Created here so that
`migrate` is the one step a new database needs."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("guidance", "0008_session_permissions")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
