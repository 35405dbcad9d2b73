"""History records the reason for a change when the editor gives one, and an earlier version
is shown read-only before it is restored."""

import pytest

from guidance import models
from tests.admin_pages import form_data, make_editor

pytestmark = pytest.mark.django_db

ADMIN = "/admin/guidance"


@pytest.fixture
def contact_editor(client):
    client.force_login(make_editor("Kontaktredaktør", username="kari"))
    return client


@pytest.fixture
def content_editor(client):
    client.force_login(make_editor("Innholdsredaktør", username="ola"))
    return client


def rosa():
    return models.Contact.objects.get(slug="rosa")


def test_the_contact_form_asks_for_an_optional_reason(contact_editor):
    page = contact_editor.get(f"{ADMIN}/contact/{rosa().pk}/change/").content.decode()
    assert "Årsak til endringen" in page
    assert 'name="change_reason"' in page


def test_a_reason_given_is_kept_in_the_history_of_the_contact_and_its_phones(contact_editor):
    change = f"{ADMIN}/contact/{rosa().pk}/change/"
    data = form_data(
        contact_editor,
        change,
        phones__0__number="22 99 88 77",
        change_reason="Nytt nummer fra rosanorge.no",
    )
    assert contact_editor.post(change, data).status_code == 302
    assert rosa().history.latest("history_date").history_change_reason == (
        "Nytt nummer fra rosanorge.no"
    )
    phone = rosa().phones.get().history.latest("history_date")
    assert phone.history_change_reason == "Nytt nummer fra rosanorge.no"
    history = contact_editor.get(f"{ADMIN}/contact/{rosa().pk}/history/").content.decode()
    assert history.count("Nytt nummer fra rosanorge.no") >= 2


def test_no_reason_leaves_the_reason_empty(contact_editor):
    change = f"{ADMIN}/contact/{rosa().pk}/change/"
    contact_editor.post(change, form_data(contact_editor, change, serves_nb="Alle"))
    assert rosa().history.latest("history_date").history_change_reason in (None, "")


def test_a_rule_change_keeps_its_reason(content_editor):
    rule = models.Rule.objects.order_by("pk").first()
    change = f"{ADMIN}/rule/{rule.pk}/change/"
    page = content_editor.get(change).content.decode()
    assert 'name="change_reason"' in page
    data = form_data(content_editor, change, name=rule.name + " (ny tekst)")
    data["change_reason"] = "Juridisk gjennomgang desember"
    assert content_editor.post(change, data).status_code == 302
    latest = rule.history.latest("history_date")
    assert latest.history_change_reason == "Juridisk gjennomgang desember"


def test_an_earlier_version_is_shown_read_only_and_restored_as_it_was(contact_editor):
    change = f"{ADMIN}/contact/{rosa().pk}/change/"
    contact_editor.post(change, form_data(contact_editor, change, serves_nb="Nå endret"))
    first = rosa().history.all()[1]  # the version before that change (newest first)
    restore = f"{ADMIN}/contact/{rosa().pk}/history/{first.history_id}/"
    page = contact_editor.get(restore)
    form = page.context["adminform"].form
    assert all(f.disabled for name, f in form.fields.items() if name != "change_reason")
    assert not form.fields["change_reason"].disabled
    # Whatever is posted, the version is restored as it was, with the reason given.
    data = form_data(contact_editor, restore)
    data.update(serves_nb="Noe annet", change_reason="Tilbake til forrige versjon")
    response = contact_editor.post(restore, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert rosa().serves_nb == first.serves_nb != "Nå endret"
    assert rosa().history.latest("history_date").history_change_reason == (
        "Tilbake til forrige versjon"
    )
