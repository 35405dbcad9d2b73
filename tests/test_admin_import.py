"""Contacts as CSV and XLSX: export, a preview of what an import changes, and invalid rows
rejected with their row numbers and reasons."""

import io

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile

from guidance import content, models
from guidance.admin_resources import ContactResource
from tests.admin_pages import make_editor

ADMIN = "/admin/guidance/contact"
CSV, XLSX = "0", "1"  # the admin's format choices, in order


@pytest.fixture
def contact_editor(client):
    client.force_login(make_editor("Kontaktredaktør", username="kari"))
    return client


def exported():
    return ContactResource().export()


def with_changes(dataset, slug, **changes):
    """A copy of an export with ``changes`` to the row of contact ``slug``."""
    rows = []
    for row in dataset.dict:
        if row["slug"] == slug:
            row = {**row, **changes}
        rows.append(row)
    copy = tablib.Dataset(headers=dataset.headers)
    for row in rows:
        copy.append([row[h] for h in dataset.headers])
    return copy


def upload(client, data, fmt=CSV, name="kontakter.csv"):
    raw = data.encode() if isinstance(data, str) else data
    return client.post(
        f"{ADMIN}/import/",
        {"import_file": SimpleUploadedFile(name, raw), "format": fmt, "resource": "0"},
    )


@pytest.mark.django_db
def test_an_unchanged_export_imports_as_no_change():
    result = ContactResource().import_data(exported(), dry_run=True)
    assert not result.has_errors() and not result.has_validation_errors()
    assert {row.import_type for row in result.rows} == {"skip"}


@pytest.mark.django_db
def test_an_xlsx_export_reads_back_unchanged():
    data = tablib.Dataset().load(io.BytesIO(exported().xlsx), format="xlsx")
    result = ContactResource().import_data(data, dry_run=True)
    assert not result.has_validation_errors()
    assert {row.import_type for row in result.rows} == {"skip"}


@pytest.mark.django_db
def test_the_export_carries_numbers_categories_and_counties():
    rows = {row["slug"]: row for row in exported().dict}
    assert rows["rosa"]["phones"] == "22 33 11 60 | Døgnåpen hjelpetelefon | 24-hour helpline"
    assert rows["rvts-nord"]["counties"] == "18,55,56"
    assert "trafficking" in rows["rosa"]["categories"].split(",")


@pytest.mark.django_db
def test_the_admin_exports_csv_and_xlsx(contact_editor):
    for fmt, kind in ((CSV, "text/csv"), (XLSX, "spreadsheetml")):
        response = contact_editor.post(f"{ADMIN}/export/", {"format": fmt, "resource": "0"})
        assert response.status_code == 200
        assert kind in response["Content-Type"]
    csv = contact_editor.post(f"{ADMIN}/export/", {"format": CSV, "resource": "0"})
    assert "22 33 11 60" in csv.content.decode()


@pytest.mark.django_db
def test_the_preview_shows_what_changes_and_saves_nothing_until_confirmed(contact_editor):
    data = with_changes(exported(), "rosa", phones="22 99 88 77 | Døgnåpen | 24-hour line")
    before = content.current_version()
    response = upload(contact_editor, data.csv)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Forhåndsvisning" in page and "Bekreft importen" in page
    assert "Endres" in page and "<ins" in page  # the changed characters are marked
    kinds = {row.object_id: row.import_type for row in response.context["result"].rows}
    rosa = models.Contact.objects.get(slug="rosa").pk
    assert kinds.pop(rosa) == "update"
    assert set(kinds.values()) == {"skip"}
    assert models.ContactPhone.objects.get(contact__slug="rosa").number == "22 33 11 60"
    assert content.current_version() == before

    confirm = response.context["confirm_form"].initial
    done = contact_editor.post(f"{ADMIN}/process_import/", {**confirm, "confirm": "1"})
    assert done.status_code == 302
    phone = models.ContactPhone.objects.get(contact__slug="rosa")
    assert (phone.number, phone.label_nb) == ("22 99 88 77", "Døgnåpen")
    latest = phone.history.latest("history_date")
    assert latest.history_user.username == "kari"
    assert latest.history_change_reason == "Importert fra fil"
    assert next(c.phone for c in content.snapshot().ruleset.contacts if c.slug == "rosa") == (
        "22 99 88 77"
    )


@pytest.mark.django_db
def test_a_new_contact_can_be_imported_from_xlsx(contact_editor):
    data = tablib.Dataset(headers=exported().headers)
    row = dict.fromkeys(data.headers, "")
    row.update(
        slug="ny-tjeneste",
        name_nb="Ny tjeneste",
        name_en="New service",
        categories="helpline",
        scope="national",
        phones="800 12 345 | Hjelpetelefon",
        always_open="0",
        order="100",
        needs_review="1",
        description_nb="Ny.",
        description_en="New.",
    )
    data.append([row[h] for h in data.headers])
    response = upload(contact_editor, data.xlsx, fmt=XLSX, name="kontakter.xlsx")
    assert [row.import_type for row in response.context["result"].rows] == ["new"]
    confirm = response.context["confirm_form"].initial
    assert contact_editor.post(f"{ADMIN}/process_import/", confirm).status_code == 302
    added = models.Contact.objects.get(slug="ny-tjeneste")
    assert [p.number for p in added.phones.all()] == ["800 12 345"]
    assert [c.slug for c in added.categories.all()] == ["helpline"]


@pytest.mark.django_db
def test_invalid_rows_are_rejected_with_row_numbers_and_reasons(contact_editor):
    data = exported()
    slugs = [row["slug"] for row in data.dict]
    bad = {
        "rosa": {"phones": "12345 | Feil"},
        "dinutvei": {"phones": "", "website": "", "email": ""},
        "kompetanseteamet": {"categories": "trafficking,unknown-category"},
        "rvts-nord": {"counties": "18,99"},
    }
    for slug, changes in bad.items():
        data = with_changes(data, slug, **changes)
    response = upload(contact_editor, data.csv)
    page = response.content.decode()
    assert "Noen rader kan ikke importeres" in page
    assert "Bekreft importen" not in page
    invalid = {row.number: row for row in response.context["result"].invalid_rows}
    number = {slug: slugs.index(slug) + 1 for slug in bad}
    assert set(invalid) == set(number.values())
    assert f"Rad {number['rosa']}" in page
    assert "«12345» er ikke et gyldig telefonnummer" in page
    assert "Kontakten må kunne nås" in page
    assert "Ukjent kategori: unknown-category." in page
    assert "Ukjent fylkesnummer: 99." in page
    assert models.ContactPhone.objects.get(contact__slug="rosa").number == "22 33 11 60"


@pytest.mark.django_db
def test_a_content_editor_cannot_post_an_import(client):
    client.force_login(make_editor("Innholdsredaktør"))
    data = with_changes(exported(), "rosa", phones="22 99 88 77")
    assert upload(client, data.csv).status_code == 403
    assert models.ContactPhone.objects.get(contact__slug="rosa").number == "22 33 11 60"


@pytest.mark.django_db
def test_a_regional_contact_without_counties_is_refused_as_the_form_refuses_it(contact_editor):
    data = with_changes(exported(), "rvts-nord", counties="")
    page = upload(contact_editor, data.csv).content.decode()
    assert "Noen rader kan ikke importeres" in page
    assert "En regional kontakt må dekke minst ett fylke; ellers vises den aldri." in page
    assert models.Contact.objects.get(slug="rvts-nord").counties.exists()


@pytest.mark.django_db
def test_a_confirmed_import_names_the_problems_the_table_has(contact_editor):
    models.Outcome.objects.get(code="NOTIFY_POLICE").legal_sources.clear()
    data = with_changes(exported(), "rosa", phones="22 99 88 77 | Døgnåpen | 24-hour line")
    confirm = upload(contact_editor, data.csv).context["confirm_form"].initial
    done = contact_editor.post(f"{ADMIN}/process_import/", {**confirm, "confirm": "1"}, follow=True)
    assert done.redirect_chain
    assert "Utfallet «NOTIFY_POLICE»: Plikter og forbud" in done.content.decode()
