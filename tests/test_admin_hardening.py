"""The admin cannot take the guide down and tells nothing to those who may not see it
(issue 10, point 2; security review D1, D6, D11, D12, D13)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from guidance import content, models
from tests.admin_pages import form_data, make_editor

ADMIN = "/admin/guidance"
pytestmark = pytest.mark.django_db


@pytest.fixture
def content_editor(client):
    client.force_login(make_editor("Innholdsredaktør", username="ola"))
    return client


@pytest.fixture
def contact_editor(client):
    client.force_login(make_editor("Kontaktredaktør", username="kari"))
    return client


def set_condition(condition, fact, operator, value):
    condition.fact, condition.operator, condition.value = fact, operator, value
    condition.save()  # through the ORM, so history records it as the admin would
    return condition.history.latest("history_date")


def test_restoring_a_condition_that_would_close_a_rule_cycle_is_refused(content_editor):
    # The review's steps: a condition version that waits on another rule's outcome, kept in
    # the history, becomes a cycle once that rule waits on this one's.
    honour = models.Rule.objects.get(key="refer-honour-violence").conditions.get()
    elder = models.Rule.objects.get(key="refer-elder-abuse").conditions.get()
    looped = set_condition(honour, "outcomes", "contains_any", "REFER_ELDER_ABUSE")
    set_condition(honour, "concerns", "contains_any", "forced_marriage,fgm,negative_social_control")
    set_condition(elder, "outcomes", "contains_any", "REFER_HONOUR_VIOLENCE")
    content.load_ruleset()  # no cycle yet

    restore = f"{ADMIN}/rulecondition/{honour.pk}/history/{looped.history_id}/"
    response = content_editor.post(restore, form_data(content_editor, restore))
    assert response.status_code == 200
    assert "regeltabellen ville gå i sirkel" in response.content.decode()
    honour.refresh_from_db()
    assert honour.fact == "concerns"
    content.load_ruleset()  # the guide still runs
    assert content_editor.get("/guide/q/acute_danger/").status_code == 200


def test_a_harmless_restore_still_saves(content_editor):
    honour = models.Rule.objects.get(key="refer-honour-violence").conditions.get()
    first = honour.history.earliest("history_date")
    set_condition(honour, "concerns", "contains_any", "forced_marriage")
    restore = f"{ADMIN}/rulecondition/{honour.pk}/history/{first.history_id}/"
    assert content_editor.post(restore, form_data(content_editor, restore)).status_code == 302
    honour.refresh_from_db()
    assert honour.value == "forced_marriage,fgm,negative_social_control"


def test_a_user_who_may_only_look_can_never_save_through_restore(client):
    reader = get_user_model().objects.create_user(username="leser", is_staff=True)
    reader.user_permissions.set(
        Permission.objects.filter(codename__in=["view_rule", "view_contact"])
    )
    client.force_login(reader)
    rule = models.Rule.objects.get(key="document")
    version = rule.history.latest("history_date")
    url = f"{ADMIN}/rule/{rule.pk}/history/{version.history_id}/"
    assert client.get(url).status_code == 200
    data = form_data(client, url, name="ENDRET AV LESER")
    assert client.post(url, data).status_code == 403
    rule.refresh_from_db()
    assert rule.name != "ENDRET AV LESER"


@pytest.mark.parametrize(
    "path",
    [
        "rule/x/history/",
        "rule/1.5/history/",
        "rule/%00/history/",
        "rule/1/history/x/",
        "rule/x/history/1/",
        "rule/999999/history/999999/",
    ],
)
def test_a_history_id_that_is_not_a_number_or_unknown_is_a_404(content_editor, path):
    assert content_editor.get(f"{ADMIN}/{path}").status_code == 404


@pytest.mark.parametrize(
    "path", ["contact/x/history/", "contact/1/history/1/", "contactphone/x/history/1/"]
)
def test_history_asks_for_permission_before_it_reads_the_id(content_editor, path):
    assert content_editor.get(f"{ADMIN}/{path}").status_code == 403


def test_a_parts_version_page_is_a_404_once_its_contact_is_gone(contact_editor):
    contact = models.Contact.objects.get(slug="rosa")
    phone = contact.phones.first()
    version = phone.history.latest("history_date")
    contact.delete()  # outside the admin, as in the review
    url = f"{ADMIN}/contactphone/{phone.pk}/history/{version.history_id}/"
    assert contact_editor.get(url).status_code == 404


def test_a_contact_editor_can_delete_a_contact_with_phones_and_hours(contact_editor):
    contact = models.Contact.objects.filter(phones__isnull=False, hours__isnull=False).first()
    assert contact is not None
    url = f"{ADMIN}/contact/{contact.pk}/delete/"
    page = contact_editor.get(url).content.decode()
    assert "ikke tillatelse" not in page
    assert contact_editor.post(url, {"post": "yes"}).status_code == 302
    assert not models.Contact.objects.filter(pk=contact.pk).exists()
