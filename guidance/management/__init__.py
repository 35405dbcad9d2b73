"""What the management commands share."""

from django.core.management.base import CommandError


def database_not_ready(error):
    """The one line (exit code 2) for a command run before the database is set up."""
    return CommandError(
        f"database not ready ({str(error).strip()}); run 'make setup' first", returncode=2
    )
