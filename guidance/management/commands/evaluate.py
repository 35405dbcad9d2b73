import json

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from guidance import cases, content, rules
from guidance.management import database_not_ready


class Command(BaseCommand):
    help = (
        "Evaluate case files (YAML or JSON, contract section 4) against the rules and contacts "
        "in the database and print one JSON document per case. With --check, compare each case "
        "with its 'expect' block instead: exit 1 when any case falls short, 0 when all pass. "
        "A YAML file may hold several cases (a trainer's session file, as `dumpcases --session` "
        "writes, or any `dumpcases` output). Bad input (unknown fact or value, missing fact, "
        "malformed or missing file, a file beyond the bounds of guidance.cases) exits 2."
    )

    def add_arguments(self, parser):
        parser.add_argument("casefiles", nargs="+", metavar="CASEFILE")
        parser.add_argument(
            "--check", action="store_true", help="Compare with each case's expect block."
        )
        parser.add_argument(
            "--lang", choices=["nb", "en"], default="nb", help="Language of titles and names."
        )
        parser.add_argument("--indent", type=int, default=None, help="Pretty-print the JSON.")

    def handle(self, *args, casefiles, check, lang, indent, **options):
        ruleset = load(content.load_ruleset)
        # Read and check every file before evaluating any, so bad input prints one line only.
        found = [(p, case) for p in casefiles for case in read_cases(p, ruleset)]
        failed = 0
        for path, case in found:
            if check:
                outcome = rules.check_case(ruleset, case)
                if outcome.passed:
                    note = "" if case.has_expect else " (no expectations)"
                    self.stdout.write(f"PASS {case.slug}{note}")
                else:
                    failed += 1
                    self.stdout.write(f"FAIL {case.slug} ({path})")
                    for problem in outcome.problems():
                        self.stdout.write(f"  {problem}")
            else:
                result = rules.evaluate(ruleset, case.facts)
                doc = rules.result_as_dict(case.slug, result, lang)
                self.stdout.write(json.dumps(doc, ensure_ascii=False, indent=indent))
        if check:
            self.stdout.write(f"{len(found) - failed} passed, {failed} failed")
            if failed:
                raise SystemExit(1)


def load(reader):
    """Read content from the database; a database not set up or a broken rule table is one
    line and exit code 2."""
    try:
        return reader()
    except DatabaseError as e:
        raise database_not_ready(e) from None
    except rules.RuleError as e:
        raise CommandError(f"the rule table is broken: {e}", returncode=2) from None


def read_cases(path, ruleset):
    """Load and check the cases in one case file (``cases.read_files``: one or more YAML
    documents, as `dumpcases` writes them, JSON, or a zip); any problem becomes one line and
    exit code 2."""
    slugs = cases.ruleset_contact_slugs(ruleset)
    try:
        docs = cases.read_files([path], slugs, ruleset.counties)
    except cases.CaseFileError as e:
        raise CommandError(str(e), returncode=2) from None
    return [rules.parse_case(doc, slugs) for doc in docs]
