from django.core.management.base import BaseCommand, CommandError

from .seed import run


class Command(BaseCommand):
    help = (
        "Force the seed content of fixtures/ over the database: every seeded row is overwritten "
        "with the files, including edits made in the admin. Rows added in the admin are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--yes", action="store_true", help="Do not ask for confirmation (for scripts)."
        )

    def handle(self, *args, yes=False, **options):
        if not yes:
            if not self.stdin_is_tty():
                raise CommandError("reseed overwrites admin edits: pass --yes to confirm")
            answer = input("This overwrites admin edits of seeded rows. Type 'yes' to go on: ")
            if answer.strip().lower() != "yes":
                raise CommandError("cancelled; nothing changed")
        run(self, force=True)

    @staticmethod
    def stdin_is_tty():
        import sys

        return sys.stdin is not None and sys.stdin.isatty()
