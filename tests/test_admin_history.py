"""History: every change is recorded with who, when and what, shown in the admin, and any
earlier version can be restored; phone numbers from their contact's history page."""

import re

import pytest

from guidance import content, models
from tests.admin_pages import form_data, make_editor

ADMIN = "/admin/guidance"


@pytest.fixture
def contact_editor(client):
    user = make_editor("Kontaktredaktør", username="kari")
    client.force_login(user)
    return client


@pytest.fixture
def content_editor(client):
    user = make_editor("Innholdsredaktør", username="ola")
    client.force_login(user)
    return client


def rosa():
    return models.Contact.objects.get(slug="rosa")


def rosas_number():
    return next(c.phone for c in content.snapshot().ruleset.contacts if c.slug == "rosa")


@pytest.mark.django_db
def test_a_contact_editor_changes_rosas_number_sees_it_in_the_history_and_restores_it(
    contact_editor,
):
    client = contact_editor
    change = f"{ADMIN}/contact/{rosa().pk}/change/"
    response = client.post(change, form_data(client, change, phones__0__number="22 99 88 77"))
    assert response.status_code == 302
    assert rosas_number() == "22 99 88 77"

    # The contact's history shows the number, old and new, and who changed it.
    history = client.get(f"{ADMIN}/contact/{rosa().pk}/history/").content.decode()
    assert "Telefonnumre" in history
    assert "22 33 11 60 → 22 99 88 77" in history
    assert "kari" in history

    # Each earlier version has a restore link; the first one holds the old number.
    phone = rosa().phones.get()
    first = phone.history.earliest("history_date")
    restore = f"{ADMIN}/contactphone/{phone.pk}/history/{first.history_id}/"
    assert f'href="{restore}"' in history
    page = client.get(restore)
    assert page.status_code == 200
    assert 'value="22 33 11 60"' in page.content.decode()
    response = client.post(restore, form_data(client, restore))
    assert response.status_code == 302
    assert response.url == f"{ADMIN}/contact/{rosa().pk}/history/"

    assert rosas_number() == "22 33 11 60"
    latest = phone.history.latest("history_date")
    assert (latest.number, latest.history_user.username) == ("22 33 11 60", "kari")


@pytest.mark.django_db
def test_a_deleted_phone_number_can_be_restored_from_the_contacts_history(contact_editor):
    client = contact_editor
    contact = models.Contact.objects.get(slug="kompetanseteamet")
    phone = contact.phones.first()
    change = f"{ADMIN}/contact/{contact.pk}/change/"
    data = form_data(client, change, phones__0__DELETE="on")
    if not (data.get("website") or data.get("email")):
        data["website"] = "https://example.org/"
    assert client.post(change, data).status_code == 302
    assert not contact.phones.exists()

    history = client.get(f"{ADMIN}/contact/{contact.pk}/history/").content.decode()
    deleted = models.ContactPhone.history.filter(id=phone.pk).latest("history_date")
    assert deleted.history_type == "-"
    restore = f"{ADMIN}/contactphone/{phone.pk}/history/{deleted.history_id}/"
    assert f'href="{restore}"' in history
    assert client.post(restore, form_data(client, restore)).status_code == 302
    assert contact.phones.get().number == phone.number


@pytest.mark.django_db
def test_the_history_records_who_changed_what_and_when(contact_editor):
    client = contact_editor
    change = f"{ADMIN}/contact/{rosa().pk}/change/"
    client.post(change, form_data(client, change, name_en="ROSA helpline"))
    record = rosa().history.latest("history_date")
    assert record.history_user.username == "kari"
    assert record.history_type == "~"
    changed = {c.field for c in record.diff_against(record.prev_record).changes}
    assert changed == {"name_en"}
    page = client.get(f"{ADMIN}/contact/{rosa().pk}/history/").content.decode()
    assert "ROSA helpline" in page and "kari" in page


@pytest.mark.django_db
def test_a_content_editor_disables_a_rule_and_restores_the_earlier_version(content_editor):
    client = content_editor
    rule = models.Rule.objects.get(key="document")
    change = f"{ADMIN}/rule/{rule.pk}/change/"
    data = form_data(client, change)
    data.pop("enabled")
    assert client.post(change, data).status_code == 302
    assert "document" not in {r.key for r in content.snapshot().ruleset.rules}

    history = client.get(f"{ADMIN}/rule/{rule.pk}/history/").content.decode()
    assert "ola" in history
    assert re.search(r"Aktiv:</strong>\s*True → False", history)

    earlier = rule.history.filter(enabled=True).latest("history_date")
    restore = f"{ADMIN}/rule/{rule.pk}/history/{earlier.history_id}/"
    assert client.post(restore, form_data(client, restore)).status_code == 302
    rule.refresh_from_db()
    assert rule.enabled
    assert "document" in {r.key for r in content.snapshot().ruleset.rules}


@pytest.mark.django_db
def test_restoring_a_rule_brings_back_the_outcomes_it_gave(content_editor):
    client = content_editor
    rule = models.Rule.objects.get(key="document")
    earlier = rule.history.latest("history_date")
    change = f"{ADMIN}/rule/{rule.pk}/change/"
    data = form_data(client, change)
    consult = str(models.Outcome.objects.get(code="CONSULT_EXPERT").pk)
    data["outcomes"] = [data["outcomes"], consult]
    assert client.post(change, data).status_code == 302
    assert set(rule.outcomes.values_list("code", flat=True)) == {"DOCUMENT", "CONSULT_EXPERT"}

    restore = f"{ADMIN}/rule/{rule.pk}/history/{earlier.history_id}/"
    page = client.get(restore).content.decode()
    assert f'value="{consult}"' in page and f'value="{consult}" checked' not in page
    assert client.post(restore, form_data(client, restore)).status_code == 302
    assert set(rule.outcomes.values_list("code", flat=True)) == {"DOCUMENT"}


@pytest.mark.django_db
def test_a_rules_conditions_show_and_restore_from_the_rules_history(content_editor):
    client = content_editor
    rule = models.Rule.objects.get(key="avert-duty-abuse-in-close-relations")
    condition = rule.conditions.get(fact="timing")
    change = f"{ADMIN}/rule/{rule.pk}/change/"
    data = form_data(client, change)
    index = next(k for k, v in data.items() if v == str(condition.pk) and k.endswith("-id"))
    data[index.replace("-id", "-value")] = ["timing:ongoing"]
    assert client.post(change, data).status_code == 302
    assert models.RuleCondition.objects.get(pk=condition.pk).value == "ongoing"

    history = client.get(f"{ADMIN}/rule/{rule.pk}/history/").content.decode()
    assert "Betingelser" in history
    assert "ongoing,expected → ongoing" in history
    first = condition.history.earliest("history_date")
    restore = f"{ADMIN}/rulecondition/{condition.pk}/history/{first.history_id}/"
    assert client.post(restore, form_data(client, restore)).status_code == 302
    assert models.RuleCondition.objects.get(pk=condition.pk).value == "ongoing,expected"


@pytest.mark.django_db
def test_one_role_cannot_read_or_restore_the_other_roles_history(content_editor):
    phone = rosa().phones.get()
    record = phone.history.first()
    assert content_editor.get(f"{ADMIN}/contact/{rosa().pk}/history/").status_code == 403
    restore = f"{ADMIN}/contactphone/{phone.pk}/history/{record.history_id}/"
    assert content_editor.get(restore).status_code == 403
    assert content_editor.post(restore, {"number": "22 00 00 00"}).status_code == 403


@pytest.mark.django_db
def test_restoring_a_contact_brings_back_its_fields_and_categories(contact_editor):
    client = contact_editor
    earlier = rosa().history.latest("history_date")
    change = f"{ADMIN}/contact/{rosa().pk}/change/"
    helpline = str(models.ContactCategory.objects.get(slug="helpline").pk)
    data = form_data(client, change, name_nb="ROSA (nytt navn)")
    data["categories"] = [data["categories"], helpline]
    assert client.post(change, data).status_code == 302
    assert rosa().categories.filter(slug="helpline").exists()

    restore = f"{ADMIN}/contact/{rosa().pk}/history/{earlier.history_id}/"
    page = client.get(restore).content.decode()
    assert "Tilbakestill" in page and "som gjeldende versjon" in page
    assert client.post(restore, form_data(client, restore)).status_code == 302
    assert rosa().name_nb == "ROSA – hjelpetelefon mot menneskehandel"
    assert not rosa().categories.filter(slug="helpline").exists()


@pytest.mark.django_db
def test_every_inline_table_with_history_has_a_restore_view():
    """A parent's history page links each version of its inline rows to that row's restore
    view: an inline table without one made the page a 500 (the fuzz found the outcomes')."""
    from django.contrib import admin

    from guidance.admin import HistoryAdmin

    for model_admin in admin.site._registry.values():
        if isinstance(model_admin, HistoryAdmin):
            for model, _fk, heading in model_admin.history_parts:
                assert model in admin.site._registry, (model_admin, heading)


@pytest.mark.django_db
def test_an_outcomes_history_shows_its_paragraphs_versions(content_editor):
    outcome = models.Outcome.objects.filter(paragraphs__isnull=False).first()
    paragraph = outcome.paragraphs.first()
    source = models.LegalSource.objects.exclude(pk__in=paragraph.legal_sources.all()).first()
    paragraph.legal_sources.add(source)
    paragraph.text_nb += " Endret."
    paragraph.save()  # the version records the related rows as they are now
    response = content_editor.get(f"{ADMIN}/outcome/{outcome.pk}/history/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Avsnitt som passer saken" in page
    assert f"{ADMIN}/outcomeparagraph/{paragraph.pk}/history/" in page
    # A change of its legal sources names them, as the outcome's own versions do.
    assert source.citation in page
    assert "{&#x27;outcomeparagraph&#x27;" not in page and "{'outcomeparagraph'" not in page
