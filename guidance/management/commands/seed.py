from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from guidance import seed


class Command(BaseCommand):
    help = (
        "Fill the database with the seed content of fixtures/. Adds only rows whose key is "
        "missing: safe to run again, never duplicates a row nor overwrites an edit made in the "
        "admin. Use 'reseed' to force the files over the database."
    )

    def handle(self, *args, **options):
        run(self, force=False)


def run(command, force):
    try:
        stats = seed.load(force=force)
    except seed.SeedError as e:
        raise CommandError(str(e), returncode=2) from None
    except DatabaseError as e:
        raise CommandError(f"database not ready ({e}); run 'manage.py migrate' first") from None
    for line in sorted(stats.items()):
        command.stdout.write(f"{line[0]}: {line[1]}")
