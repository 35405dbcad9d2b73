"""Case files in and out of the admin: an export action and an import page."""

import io
import zipfile

import pytest
import yaml
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile

from guidance import models

pytestmark = pytest.mark.django_db


@pytest.fixture
def content_editor(client):
    user = User.objects.create_user("innhold", is_staff=True)
    user.groups.add(Group.objects.get(name="Innholdsredaktør"))
    client.force_login(user)
    return client


def export(client, *slugs):
    ids = models.Case.objects.filter(slug__in=slugs).values_list("pk", flat=True)
    return client.post(
        "/admin/guidance/case/",
        {"action": "export_case_files", "_selected_action": [str(i) for i in ids]},
    )


def test_exporting_one_case_downloads_its_case_file(content_editor):
    response = export(content_editor, "webinar-1-gravid-kvinne")
    assert response["Content-Disposition"] == 'attachment; filename="webinar-1-gravid-kvinne.yaml"'
    doc = yaml.safe_load(response.content)
    assert doc["slug"] == "webinar-1-gravid-kvinne"
    assert doc["facts"]["county"] == "46"


def test_exporting_several_cases_downloads_a_zip_with_one_file_each(content_editor):
    response = export(content_editor, "webinar-1-gravid-kvinne", "akutt-drapstrusler")
    bundle = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(bundle.namelist()) == ["akutt-drapstrusler.yaml", "webinar-1-gravid-kvinne.yaml"]


def test_an_exported_case_imports_unchanged_after_deletion(content_editor):
    data = export(content_editor, "webinar-2-mann-arbeidsskade").content
    before = models.Case.objects.get(slug="webinar-2-mann-arbeidsskade").as_document()
    models.Case.objects.filter(slug="webinar-2-mann-arbeidsskade").delete()
    upload = SimpleUploadedFile("webinar-2.yaml", data, content_type="application/yaml")
    response = content_editor.post("/admin/guidance/case/import-files/", {"files": [upload]})
    assert response.status_code == 302
    assert models.Case.objects.get(slug="webinar-2-mann-arbeidsskade").as_document() == before


def test_a_bad_case_file_is_refused_with_its_name_and_nothing_is_saved(content_editor):
    count = models.Case.objects.count()
    bad = SimpleUploadedFile("broken.yaml", b"slug: x\nfacts:\n  likelihood: maybe\n")
    response = content_editor.post("/admin/guidance/case/import-files/", {"files": [bad]})
    assert response.status_code == 200
    assert "broken.yaml" in response.content.decode()
    assert models.Case.objects.count() == count


def test_a_contact_editor_cannot_import_cases(client):
    user = User.objects.create_user("kontakt", is_staff=True)
    user.groups.add(Group.objects.get(name="Kontaktredaktør"))
    client.force_login(user)
    assert client.get("/admin/guidance/case/import-files/").status_code == 403
