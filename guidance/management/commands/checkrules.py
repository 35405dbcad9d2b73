import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from guidance import content, proof

from .evaluate import load, read_cases


def default_case_files():
    """The case library and the shared golden cases, as CI runs them."""
    root = Path(settings.BASE_DIR)
    folders = [root / "fixtures" / "cases", root.parent / "shared" / "cases"]
    folders.append(root.parent / "shared" / "cases-next")
    return [str(p) for folder in folders for p in sorted(folder.glob("*.yaml"))]


def number(n):
    return f"{n:,}".replace(",", " ")


def format_report(report):
    """The report as lines of text, for the command and the admin."""
    lines = [
        f"{number(report.answer_sets)} answer sets checked: all that the questionnaire can "
        f"produce ({len(report.parts)} independent parts, {number(report.evaluations)} rule "
        f"runs over all masks at once, {report.seconds:.1f} s)",
    ]
    for facts, count in report.parts:
        named = ", ".join(facts) if facts else "rules that test nothing"
        lines.append(f"  {number(count)} × {named}")
    sections = (
        ("invariant", "Invariant violations (CONTRACT.md section 6)"),
        ("dead_rule", "Rules that no answer set fires"),
        ("unused_outcome", "Outcomes that no answer set gets"),
        ("hidden_question", "Questions that no path shows"),
        ("unexercised", "Rules that no case file exercises"),
    )
    for kind, title in sections:
        found = report.of(kind)
        lines.append(f"{title}: {len(found) or 'none'}")
        for finding in found:
            lines.append(f"  - {finding.message}")
            if finding.example:
                lines.append(f"    example: {json.dumps(finding.example, ensure_ascii=False)}")
    return lines


class Command(BaseCommand):
    help = (
        "Check every answer set the questionnaire can produce against the contract's "
        "invariants (CONTRACT.md section 6), exhaustively; report rules no answer set fires, "
        "outcomes never given, questions never shown and rules no case file exercises. "
        "Exit 1 on an invariant violation, 2 when the content cannot be checked."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "casefiles",
            nargs="*",
            metavar="CASEFILE",
            help="Case files that count as exercising rules (default: fixtures/cases and "
            "../shared/cases*).",
        )

    def handle(self, *args, casefiles, **options):
        ruleset = load(content.load_ruleset)
        questions = load(content.load_questions)
        files = casefiles or default_case_files()
        cases = [case for path in files for case in read_cases(path, ruleset)]
        try:
            report = proof.prove(ruleset, questions, cases)
        except proof.ProofError as e:
            raise CommandError(f"cannot check the questionnaire: {e}", returncode=2) from None
        for line in format_report(report):
            self.stdout.write(line)
        if report.violations:
            raise SystemExit(1)
