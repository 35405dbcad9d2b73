"""Every case file, in fixtures/cases, ../shared/cases and ../shared/cases-next, against the
engine and `evaluate`."""

import pytest
import yaml
from django.core.management import call_command

from guidance import rules, seed
from guidance.models import Case
from tests.conftest import case_files

CASES = case_files()


def test_there_are_cases_to_check():
    assert len(CASES) >= 8


@pytest.mark.parametrize("path", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_the_rule_table_meets_the_case(ruleset, path):
    case = rules.parse_case(yaml.safe_load(path.read_text(encoding="utf-8")))
    assert case.has_expect, "a golden case must say what it expects"
    checked = rules.check_case(ruleset, case)
    assert checked.passed, checked.problems()


@pytest.mark.django_db
@pytest.mark.parametrize("path", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_evaluate_check_passes_the_case(path, capsys):
    call_command("evaluate", str(path), "--check")
    out = capsys.readouterr().out
    assert out.startswith("PASS ")
    assert out.rstrip().endswith("1 passed, 0 failed")


@pytest.mark.django_db
def test_every_seeded_case_is_in_the_library():
    # The slugs the seed's case files name (not their file names), against the database the
    # seed filled: a case file the seed skipped, or a case it invented, fails here.
    files = sorted((seed.FIXTURES / "cases").glob("*.yaml"))
    in_files = {yaml.safe_load(p.read_text(encoding="utf-8"))["slug"] for p in files}
    assert len(in_files) == len(files) >= 16
    assert set(Case.objects.values_list("slug", flat=True)) == in_files
