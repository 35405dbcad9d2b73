from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from guidance import cases
from guidance.management import database_not_ready


class Command(BaseCommand):
    help = (
        "Import case files (YAML, possibly several documents, JSON, or a zip of them; contract "
        "section 4) into the case library, creating or updating each case by slug. Every case in "
        "every file is checked first; a case placed in a session (session: {slug, title, order}, "
        "as `dumpcases --session` writes) is put at its place in that session, created if need be. "
        "Bad input (a malformed or missing file, an unknown key, fact or value) "
        "exits 2 with one line naming the file and the key, and nothing is saved."
    )

    def add_arguments(self, parser):
        parser.add_argument("casefiles", nargs="+", metavar="FILE")

    def handle(self, *args, casefiles, **options):
        try:
            docs = cases.read_files(casefiles)
            saved = cases.save_documents(docs, ", ".join(casefiles))
        except cases.CaseFileError as e:
            raise CommandError(str(e), returncode=2) from None
        except DatabaseError as e:
            raise database_not_ready(e) from None
        for case, created in saved:
            self.stdout.write(f"{'created' if created else 'updated'} {case.slug}")
        for slug in dict.fromkeys(d["session"]["slug"] for d in docs if d.get("session")):
            self.stdout.write(f"session {slug}")
