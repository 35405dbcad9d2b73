"""`manage.py evaluate`: the JSON it prints, --check, and bad input (exit 2, one line)."""

import json

import pytest
import yaml
from django.core.management import CommandError, call_command

from guidance import admin_views, cases, content, models, rules
from tests.conftest import ROOT, manage

GOOD = """\
slug: test-case
title: Test
facts:
  concerns: [trafficking]
  person_age: child_16_17
  timing: ongoing
  likelihood: certain_or_most_likely
  county: "46"
expect:
  outcomes:
    include: [AVERT_DUTY, NOTIFY_CHILD_WELFARE]
  contacts:
    include: [rosa, rvts-vest]
    exclude: [rvts-ost]
"""


def write(tmp_path, text, name="case.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.django_db
def test_it_prints_one_json_document_per_case(tmp_path, capsys):
    first = write(tmp_path, GOOD)
    second = write(tmp_path, GOOD.replace("test-case", "second"), "second.yaml")
    call_command("evaluate", str(first), str(second))
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    doc = json.loads(lines[0])
    assert doc["case"] == "test-case"
    assert set(doc) == {"case", "outcomes", "contacts", "trace"}
    duty = next(o for o in doc["outcomes"] if o["code"] == "AVERT_DUTY")
    assert duty["kind"] == "must"
    assert duty["title"]
    assert "strl § 196" in duty["legal_basis"]
    rosa = next(c for c in doc["contacts"] if c["slug"] == "rosa")
    assert rosa["phone"] == "22 33 11 60"
    assert all({"rule", "because"} <= set(t) for t in doc["trace"])
    assert json.loads(lines[1])["case"] == "second"


@pytest.mark.django_db
def test_it_reads_json_case_files(tmp_path, capsys):
    import yaml

    path = write(tmp_path, json.dumps(yaml.safe_load(GOOD)), "case.json")
    call_command("evaluate", str(path), "--check")
    assert "PASS test-case" in capsys.readouterr().out


@pytest.mark.django_db
def test_check_fails_with_exit_1_and_names_what_is_missing(tmp_path, capsys):
    path = write(tmp_path, GOOD.replace("[AVERT_DUTY,", "[KEEP_CONFIDENTIALITY, AVERT_DUTY,"))
    with pytest.raises(SystemExit) as e:
        call_command("evaluate", str(path), "--check")
    assert e.value.code == 1
    out = capsys.readouterr().out
    assert "FAIL test-case" in out
    assert "missing outcomes: KEEP_CONFIDENTIALITY" in out


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text, expected",
    [
        (GOOD.replace("  timing: ongoing\n", ""), "facts.timing: missing"),
        (GOOD.replace("likelihood: certain", "likelihood: almost_certain"), "facts.likelihood"),
        (GOOD.replace("  county:", "  mood: sad\n  county:"), "facts.mood: unknown fact"),
        (GOOD.replace('"46"', '"99"'), "facts.county: unknown county"),
        (GOOD.replace("[trafficking]", "[burglary]"), "unknown value 'burglary'"),
        (GOOD.replace("rvts-ost", "rvts-east"), "expect.contacts.exclude: unknown code"),
        (GOOD.replace("facts:", "fakta:"), "fakta: unknown key"),
        (
            GOOD.replace(
                "  timing: ongoing\n", "  timing: {trafficking: ongoing, fgm: expected}\n"
            ),
            "facts.timing.fgm: 'fgm' is not one of the case's concerns",
        ),
        (
            GOOD.replace("[trafficking]", "[trafficking, fgm]").replace(
                "  timing: ongoing\n", "  timing: {trafficking: ongoing}\n"
            ),
            "facts.timing.fgm: missing",
        ),
        (
            GOOD.replace("likelihood: certain_or_most_likely", "likelihood: {trafficking: sure}"),
            "facts.likelihood.trafficking: unknown value 'sure'",
        ),
        (GOOD.replace("  county:", "  sexual_act: groping\n  county:"), "facts.sexual_act"),
        ("slug: [unclosed\n", "malformed YAML"),
        ("- just\n- a list\n", "not a mapping"),
    ],
)
def test_bad_input_exits_2_naming_the_file_and_key(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(CommandError) as e:
        call_command("evaluate", str(path))
    assert e.value.returncode == 2
    message = str(e.value)
    assert expected in message
    assert str(path) in message
    assert "\n" not in message


@pytest.mark.django_db
def test_a_missing_file_exits_2(tmp_path):
    with pytest.raises(CommandError) as e:
        call_command("evaluate", str(tmp_path / "nope.yaml"))
    assert e.value.returncode == 2
    assert "file not found" in str(e.value)


@pytest.mark.django_db
def test_malformed_json_exits_2(tmp_path):
    path = write(tmp_path, '{"slug": "x", ', "case.json")
    with pytest.raises(CommandError) as e:
        call_command("evaluate", str(path))
    assert e.value.returncode == 2
    assert "malformed JSON" in str(e.value)


def test_from_the_shell_bad_input_is_one_line_and_no_traceback(seeded_sqlite, tmp_path):
    path = write(tmp_path, GOOD.replace("child_16_17", "teenager"))
    run = manage("evaluate", str(path), sqlite_path=seeded_sqlite)
    assert run.returncode == 2
    assert run.stdout == ""
    assert len(run.stderr.strip().splitlines()) == 1
    assert "Traceback" not in run.stderr
    assert "facts.person_age" in run.stderr


def test_from_the_shell_check_passes_the_shared_cases(seeded_sqlite):
    files = sorted(str(p) for p in (ROOT.parent / "shared" / "cases").glob("*.yaml"))
    run = manage("evaluate", "--check", *files, sqlite_path=seeded_sqlite)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"{len(files)} passed, 0 failed" in run.stdout


def test_from_the_shell_an_unmigrated_database_is_a_clear_error(tmp_path):
    run = manage("evaluate", str(write(tmp_path, GOOD)), sqlite_path=tmp_path / "empty.sqlite3")
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert "make setup" in run.stderr


@pytest.mark.django_db
def test_a_per_concern_mapping_is_evaluated_concern_by_concern(tmp_path, capsys):
    text = GOOD.replace("[trafficking]", "[trafficking, fgm]").replace(
        "  timing: ongoing\n", "  timing: {trafficking: past_only, fgm: expected}\n"
    )
    call_command("evaluate", str(write(tmp_path, text)))
    doc = json.loads(capsys.readouterr().out)
    duty = [t for t in doc["trace"] if "AVERT_DUTY" in t["outcomes"]]
    assert duty and all(t["concern"] == "fgm" for t in duty)


@pytest.mark.django_db
def test_a_contract_slug_whose_row_is_gone_is_a_failing_check_not_bad_input(tmp_path, capsys):
    # One rule for every reader (cases.known_contact_slugs): the contract's slugs and the
    # table's. Before, evaluate took the table's alone and the admin both.
    models.Contact.objects.filter(slug="rosa").delete()
    models.Contact.objects.filter(slug="dinutvei").update(slug="dinutvei-ny")
    path = write(tmp_path, GOOD.replace("[rosa, rvts-vest]", "[rosa, rvts-vest, dinutvei-ny]"))
    with pytest.raises(SystemExit) as e:
        call_command("evaluate", str(path), "--check")
    assert e.value.code == 1
    assert "missing contacts: rosa" in capsys.readouterr().out
    ruleset = content.load_ruleset()
    assert "rosa" in cases.ruleset_contact_slugs(ruleset)
    assert "dinutvei-ny" in cases.ruleset_contact_slugs(ruleset)
    assert admin_views.contact_slugs(ruleset) == cases.ruleset_contact_slugs(ruleset)


@pytest.mark.django_db
def test_the_shortfall_is_labelled_in_english_or_bokmal(ruleset):
    doc = {**yaml.safe_load(GOOD), "expect": {"outcomes": {"exclude": ["AVERT_DUTY"]}}}
    case = rules.parse_case(doc)
    check = rules.check_case(ruleset, case)
    assert check.problems() == ["outcomes that should not be there: AVERT_DUTY"]
    assert check.problems("nb") == ["gir utfall som ikke skal være der: AVERT_DUTY"]
