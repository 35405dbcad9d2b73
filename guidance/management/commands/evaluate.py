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
        "A YAML file may hold several cases (a trainer's session file, as `dumpcases --session` "
        "writes). Bad input (unknown fact or value, missing fact, malformed or missing file) "
        "exits 2."
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
        slugs = [c.slug for c in ruleset.contacts] or rules.CONTACT_SLUGS
        # Read and check every file before evaluating any, so bad input prints one line only.
        cases = [(path, case) for path in casefiles for case in read_cases(path, ruleset, slugs)]
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


def read_cases(path, ruleset, contact_slugs):
    """Load and check the cases of one case file (a YAML file may hold several documents);
    any problem becomes one line and exit code 2."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CommandError(f"{path}: file not found", returncode=2) from None
    except (OSError, UnicodeDecodeError) as e:
        raise CommandError(f"{path}: cannot read the file ({e})", returncode=2) from None
    try:
        if file.suffix.lower() == ".json":
            docs = [json.loads(text)]
        else:
            docs = [doc for doc in yaml.safe_load_all(text) if doc is not None] or [None]
    except json.JSONDecodeError as e:
        raise CommandError(f"{path}: malformed JSON ({e})", returncode=2) from None
    except yaml.YAMLError as e:
        first = " ".join(str(e).split())
        raise CommandError(f"{path}: malformed YAML ({first})", returncode=2) from None
    found = []
    for number, doc in enumerate(docs, 1):
        where = path if len(docs) == 1 else f"{path} (document {number})"
        try:
            case = rules.parse_case(doc, contact_slugs)
            rules.normalize_facts(case.facts, ruleset.counties)
        except rules.CaseError as e:
            raise CommandError(f"{where}: {e}", returncode=2) from None
        except rules.FactError as e:
            raise CommandError(f"{where}: facts.{e.key}: {e.message}", returncode=2) from None
        found.append(case)
    return found
