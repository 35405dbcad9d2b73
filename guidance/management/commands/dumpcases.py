from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from guidance import cases, models


class Command(BaseCommand):
    help = (
        "Write training cases as case files in the contract's YAML format (section 4): all "
        "cases, or those named by slug. Without --out, print them as one YAML stream; with "
        "--out DIR, write DIR/<slug>.yaml per case. An unknown slug exits 2."
    )

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", metavar="SLUG")
        parser.add_argument("--out", metavar="DIR", help="Write one file per case into DIR.")

    def handle(self, *args, slugs, out, **options):
        try:
            found = list(
                models.Case.objects.filter(slug__in=slugs) if slugs else models.Case.objects.all()
            )
        except DatabaseError as e:
            raise CommandError(
                f"database not ready ({str(e).strip()}); run 'make setup' first", returncode=2
            ) from None
        missing = sorted(set(slugs) - {c.slug for c in found})
        if missing:
            raise CommandError(f"{missing[0]}: no case with this slug", returncode=2)
        # The order asked for, so `dumpcases b a` prints b first.
        if slugs:
            found.sort(key=lambda c: slugs.index(c.slug))
        if not out:
            self.stdout.write(cases.export_all(found), ending="")
            return
        folder = Path(out)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for case in found:
                (folder / f"{case.slug}.yaml").write_text(cases.export(case), encoding="utf-8")
        except OSError as e:
            raise CommandError(f"{out}: cannot write there ({e})", returncode=2) from None
        self.stdout.write(f"wrote {len(found)} case files to {folder}")
