"""Case files in and out: guidance.cases, `manage.py dumpcases` and `manage.py loadcases`."""

import io
import zipfile

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from guidance import cases, models
from tests.conftest import SHARED_CASES, manage

pytestmark = pytest.mark.django_db

SHARED = sorted(SHARED_CASES.glob("*.yaml"))
GOOD = """\
slug: test-case
title: Prøvesak
summary: En historie.
facts:
  concerns: [elder_abuse]
  timing: ongoing
  children_in_household: no
  county: 3
prompts:
  timing: Pågår det?
"""


def dump(*slugs):
    out = io.StringIO()
    call_command("dumpcases", *slugs, stdout=out)
    return out.getvalue()


def without_padding(doc):
    """The data of a case file as it is meant: a folded story's trailing newline is layout."""
    return {k: v.strip() if isinstance(v, str) else v for k, v in doc.items()}


def test_export_writes_the_contract_format_in_its_key_order():
    text = cases.export(models.Case.objects.get(slug="jente-15-seksuelle-overgrep"))
    keys = [line.split(":")[0] for line in text.splitlines() if line[:1].isalpha()]
    # Every key this case has (no English prompts, no session), in the contract's order.
    assert keys == [k for k in cases.KEYS if k not in ("prompts_en", "session")]
    assert "concerns: [sexual_violence]\n" in text
    assert "Jente på 15 år" in text  # allow_unicode: no \\xE5 escapes


def test_export_quotes_what_a_yaml_1_1_reader_would_misread():
    text = cases.export(models.Case.objects.get(slug="akutt-drapstrusler"))
    assert 'children_in_household: "no"' in text
    assert 'county: "18"' in text
    facts = yaml.safe_load(text)["facts"]  # PyYAML is a YAML 1.1 reader
    assert facts["children_in_household"] == "no" and facts["county"] == "18"


def test_a_round_trip_through_an_empty_database_gives_identical_text(tmp_path):
    first = dump()
    assert first.count("\n---\n") == models.Case.objects.count() - 1
    (tmp_path / "all.yaml").write_text(first, encoding="utf-8")
    models.Case.objects.all().delete()
    call_command("loadcases", str(tmp_path / "all.yaml"), stdout=io.StringIO())
    assert dump() == first


@pytest.mark.parametrize("path", SHARED, ids=lambda p: p.stem)
def test_a_shared_case_file_loaded_then_dumped_keeps_its_data(path):
    models.Case.objects.all().delete()
    [(case, created)] = cases.import_cases(path)
    assert created
    original = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert without_padding(yaml.safe_load(dump(case.slug))) == without_padding(original)


def test_dumpcases_out_writes_one_file_per_case_that_evaluate_checks(tmp_path, capsys):
    call_command("dumpcases", "webinar-1-gravid-kvinne", "toaring-med-brudd", out=str(tmp_path))
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["toaring-med-brudd.yaml", "webinar-1-gravid-kvinne.yaml"]
    capsys.readouterr()
    call_command("evaluate", "--check", *(str(p) for p in sorted(tmp_path.iterdir())))
    assert capsys.readouterr().out.rstrip().endswith("2 passed, 0 failed")


def test_import_creates_then_updates_by_slug_and_tidies_forgiven_slips():
    [(case, created)] = cases.import_cases(GOOD, "good.yaml")
    assert created
    assert case.facts["county"] == "03" and case.facts["children_in_household"] == "no"
    assert case.prompts == {"timing": "Pågår det?"}
    [(again, created)] = cases.import_cases(GOOD.replace("Prøvesak", "Ny tittel"), "good.yaml")
    assert not created and again.pk == case.pk and again.title == "Ny tittel"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("slug: [", "bad.yaml: malformed YAML"),
        ("", "bad.yaml: no case in the file"),
        (GOOD.replace("county: 3", "county: 3\n  mood: sad"), "bad.yaml: facts.mood: unknown fact"),
        (GOOD.replace("county: 3", "county: 99"), "bad.yaml: facts.county: unknown county"),
        (GOOD.replace("timing: Pågår", "colour: Pågår"), "bad.yaml: prompts.colour: unknown"),
        (GOOD + "author: me\n", "bad.yaml: author: unknown key"),
        (GOOD + "prompts_en:\n  colour: x\n", "bad.yaml: prompts_en.colour: unknown fact"),
        (GOOD + "session: webinar\n", "bad.yaml: session: expected a mapping"),
        (GOOD + "session: {slug: Web Inar, order: 1}\n", "bad.yaml: session.slug: missing"),
        (GOOD + "session: {slug: w}\n", "bad.yaml: session.order: expected a whole number"),
        (GOOD + "session: {slug: w, order: 0}\n", "bad.yaml: session.order: expected"),
        (GOOD + "session: {slug: w, order: 1, by: me}\n", "bad.yaml: session.by: unknown key"),
        (GOOD.replace("title: Prøvesak", "title: [a, b]"), "bad.yaml: title: expected text"),
        (GOOD + "---\n" + GOOD, "bad.yaml: slug: 'test-case' appears more than once"),
        (
            GOOD + "---\n" + GOOD.replace("test-case", "x").replace("[elder_abuse]", "[]"),
            "bad.yaml (document 2): facts.concerns",
        ),
    ],
)
def test_a_bad_case_file_names_the_file_and_key_and_saves_nothing(text, message):
    before = models.Case.objects.count()
    with pytest.raises(cases.CaseFileError) as error:
        cases.import_cases(text, "bad.yaml")
    assert str(error.value).startswith(message), str(error.value)
    assert models.Case.objects.count() == before


# --- Sessions: an ordered list of cases that travels as one case file ------------------------

WEBINAR = "webinar-avvergingsplikt"


def test_the_seed_puts_the_two_webinar_cases_in_a_session_in_order():
    session = models.Session.objects.get(slug=WEBINAR)
    assert [i.case.slug for i in session.items.all()] == [
        "webinar-1-gravid-kvinne",
        "webinar-2-mann-arbeidsskade",
    ]


def test_dumpcases_session_writes_the_cases_in_order_placed_in_the_session(tmp_path, capsys):
    out = io.StringIO()
    call_command("dumpcases", session=WEBINAR, stdout=out)
    docs = list(yaml.safe_load_all(out.getvalue()))
    assert [d["slug"] for d in docs] == ["webinar-1-gravid-kvinne", "webinar-2-mann-arbeidsskade"]
    assert [d["session"]["order"] for d in docs] == [1, 2]
    assert {d["session"]["title"] for d in docs} == {models.Session.objects.get().title}
    # The session file is a case file: evaluate checks it as it is.
    path = tmp_path / "session.yaml"
    path.write_text(out.getvalue(), encoding="utf-8")
    capsys.readouterr()
    call_command("evaluate", "--check", str(path))
    assert capsys.readouterr().out.rstrip().endswith("2 passed, 0 failed")


def test_a_session_file_loaded_into_an_empty_library_gives_the_same_session(tmp_path):
    text = cases.export_session(models.Session.objects.get(slug=WEBINAR))
    models.Session.objects.all().delete()
    models.Case.objects.all().delete()
    out = io.StringIO()
    (tmp_path / "webinar.yaml").write_text(text, encoding="utf-8")
    call_command("loadcases", str(tmp_path / "webinar.yaml"), stdout=out)
    assert out.getvalue().splitlines() == [
        "created webinar-1-gravid-kvinne",
        "created webinar-2-mann-arbeidsskade",
        f"session {WEBINAR}",
    ]
    assert cases.export_session(models.Session.objects.get(slug=WEBINAR)) == text


def test_loading_a_session_file_reorders_and_adds_but_never_drops_a_case():
    cases.import_cases(GOOD + "session: {slug: webinar-avvergingsplikt, order: 1}\n", "good.yaml")
    session = models.Session.objects.get(slug=WEBINAR)
    items = list(session.items.values_list("case__slug", "order"))
    assert ("test-case", 1) in items and len(items) == 3
    assert session.title.startswith("Webinar")  # a file without a title keeps the old one


def test_dumpcases_exits_2_on_an_unknown_session(seeded_sqlite):
    run = manage("dumpcases", "--session", "nope", sqlite_path=seeded_sqlite)
    one_line_error(run, "nope: no session with this slug")


def test_export_many_gives_a_yaml_file_for_one_case_and_a_zip_for_more():
    one = models.Case.objects.filter(slug="toaring-med-brudd")
    name, data = cases.export_many(one)
    assert name == "toaring-med-brudd.yaml" and data.decode() == cases.export(one.get())
    name, data = cases.export_many(models.Case.objects.all())
    assert name.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        assert len(bundle.namelist()) == models.Case.objects.count()


def test_import_files_reads_yaml_and_zip_uploads_for_an_admin_action():
    _, bundle = cases.export_many(models.Case.objects.all())
    count = models.Case.objects.count()
    models.Case.objects.all().delete()
    saved = cases.import_files(
        [
            SimpleUploadedFile("cases.zip", bundle),
            SimpleUploadedFile("good.yaml", GOOD.encode()),
        ]
    )
    assert len(saved) == count + 1 and all(created for _, created in saved)
    with pytest.raises(cases.CaseFileError, match="^notes.txt: not UTF-8"):
        cases.import_files([SimpleUploadedFile("notes.txt", b"\xff\xfe")])


# --- The commands' bad input: exit 2, one line, no traceback (like `evaluate`) ---------------


def one_line_error(run, expected):
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], run.stderr


def test_loadcases_exits_2_on_a_missing_file(seeded_sqlite):
    one_line_error(manage("loadcases", "nope.yaml", sqlite_path=seeded_sqlite), "nope.yaml")


def test_loadcases_exits_2_on_a_bad_fact_naming_the_file_and_key(seeded_sqlite, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("[elder_abuse]", "[witchcraft]"), encoding="utf-8")
    run = manage("loadcases", str(bad), sqlite_path=seeded_sqlite)
    one_line_error(run, f"{bad}: facts.concerns: unknown value 'witchcraft'")


def test_dumpcases_exits_2_on_an_unknown_slug(seeded_sqlite):
    run = manage("dumpcases", "webinar-1-gravid-kvinne", "nope", sqlite_path=seeded_sqlite)
    one_line_error(run, "nope: no case with this slug")
    assert run.stdout == ""


def test_the_commands_exit_2_when_the_database_is_not_set_up(tmp_path):
    empty = tmp_path / "empty.sqlite3"
    one_line_error(manage("dumpcases", sqlite_path=empty), "database not ready")
    good = tmp_path / "good.yaml"
    good.write_text(GOOD, encoding="utf-8")
    one_line_error(manage("loadcases", str(good), sqlite_path=empty), "database not ready")


def test_evaluate_names_the_document_of_a_session_file_that_is_bad(seeded_sqlite, tmp_path):
    bad = tmp_path / "session.yaml"
    bad.write_text(GOOD + "---\n" + GOOD.replace("[elder_abuse]", "[witchcraft]"), "utf-8")
    run = manage("evaluate", str(bad), sqlite_path=seeded_sqlite)
    one_line_error(run, f"{bad} (document 2): facts.concerns: unknown value 'witchcraft'")
