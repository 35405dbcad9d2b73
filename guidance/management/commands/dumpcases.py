from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from guidance import cases, models
from guidance.management import database_not_ready


class Command(BaseCommand):
    help = (
        "Write training cases as case files in the contract's YAML format (section 4): all "
        "cases, or those named by slug. Without --out, print them as one YAML stream; with "
        "--out DIR, write DIR/<slug>.yaml per case. With --session SLUG, write that session: "
        "its cases in order, each placed in the session, as one file (DIR/<session>.yaml with "
        "--out). An unknown slug exits 2."
    )

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", metavar="SLUG")
        parser.add_argument("--out", metavar="DIR", help="Write one file per case into DIR.")
        parser.add_argument(
            "--session", metavar="SLUG", help="Write the session's cases, in order, as one file."
        )

    def handle(self, *args, slugs, out, session, **options):
        if session:
            return self.dump_session(session, slugs, out)
        try:
            found = list(
                models.Case.objects.filter(slug__in=slugs) if slugs else models.Case.objects.all()
            )
        except DatabaseError as e:
            raise database_not_ready(e) from None
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

    def dump_session(self, slug, slugs, out):
        if slugs:
            raise CommandError("--session writes the session's own cases: name no slugs")
        try:
            found = models.Session.objects.filter(slug=slug).first()
        except DatabaseError as e:
            raise database_not_ready(e) from None
        if found is None:
            raise CommandError(f"{slug}: no session with this slug", returncode=2)
        text = cases.export_session(found)
        if not out:
            self.stdout.write(text, ending="")
            return
        path = Path(out) / f"{found.slug}.yaml"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as e:
            raise CommandError(f"{out}: cannot write there ({e})", returncode=2) from None
        self.stdout.write(f"wrote session {found.slug} ({found.items.count()} cases) to {path}")
