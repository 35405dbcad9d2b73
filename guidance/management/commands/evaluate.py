import json
from pathlib import Path

import yaml
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from guidance import content, rules


class Command(BaseCommand):
    help = (
        "Evaluate case files (YAML or JSON, contract section 4) against the rules and contacts "
        "in the database and print one JSON document per case. With --check, compare each case "
        "with its 'expect' block instead: exit 1 when any case falls short, 0 when all pass. "
        "Bad input (unknown fact or value, missing fact, malformed or missing file) exits 2."
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
        slugs = contact_slugs(ruleset)
        # Read and check every file before evaluating any, so bad input prints one line only.
        cases = [(path, read_case(path, ruleset, slugs)) for path in casefiles]
        failed = 0
        for path, case in cases:
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
            self.stdout.write(f"{len(cases) - failed} passed, {failed} failed")
            if failed:
                raise SystemExit(1)


def load(reader):
    """Read content from the database; a database not set up or a broken rule table is one
    line and exit code 2."""
    try:
        return reader()
    except DatabaseError as e:
        raise CommandError(
            f"database not ready ({str(e).strip()}); run 'make setup' first", returncode=2
        ) from None
    except rules.RuleError as e:
        raise CommandError(f"the rule table is broken: {e}", returncode=2) from None


def contact_slugs(ruleset):
    """The contact slugs a case's expect block may name: the database's, or the contract's
    when the contact table is empty."""
    return [c.slug for c in ruleset.contacts] or rules.CONTACT_SLUGS


def read_case(path, ruleset, contact_slugs):
    """Load and check one case file; any problem becomes one line and exit code 2."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CommandError(f"{path}: file not found", returncode=2) from None
    except (OSError, UnicodeDecodeError) as e:
        raise CommandError(f"{path}: cannot read the file ({e})", returncode=2) from None
    try:
        doc = json.loads(text) if file.suffix.lower() == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as e:
        raise CommandError(f"{path}: malformed JSON ({e})", returncode=2) from None
    except yaml.YAMLError as e:
        first = " ".join(str(e).split())
        raise CommandError(f"{path}: malformed YAML ({first})", returncode=2) from None
    try:
        return case_from_doc(doc, ruleset, contact_slugs)
    except rules.CaseError as e:
        raise CommandError(f"{path}: {e}", returncode=2) from None


def case_from_doc(doc, ruleset, contact_slugs):
    """Check a loaded case document against the contract and the database's counties; a
    problem is a CaseError whose message starts with the key ("facts.county: …"). The JSON
    API checks its case files here too, so both say the same."""
    case = rules.parse_case(doc, contact_slugs)
    try:
        rules.normalize_facts(case.facts, ruleset.counties)
    except rules.FactError as e:
        raise rules.CaseError(f"facts.{e.key}: {e.message}", key=f"facts.{e.key}") from None
    return case
