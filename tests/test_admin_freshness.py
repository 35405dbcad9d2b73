"""Freshness: contacts and legal sources show when they were last verified, with a mark and a
filter for those older than 12 months, and a bulk action that verifies them today."""

import datetime

import pytest
from django.utils import timezone

from guidance import content, models
from guidance.admin import freshness, year_before
from tests.admin_pages import make_editor

ADMIN = "/admin/guidance"


@pytest.fixture
def dated_contacts(db):
    today = timezone.localdate()
    models.Contact.objects.update(last_verified=today)
    models.Contact.objects.filter(slug="rosa").update(last_verified=None)
    models.Contact.objects.filter(slug="dinutvei").update(
        last_verified=today - datetime.timedelta(days=400)
    )
    return today


def test_a_date_over_a_year_old_or_missing_is_marked():
    today = datetime.date(2025, 3, 1)
    assert freshness(datetime.date(2024, 3, 1), today) == "01.03.2024"
    assert "over 12 måneder siden" in freshness(datetime.date(2024, 2, 29), today)
    assert "⚠ aldri" in freshness(None, today)
    assert year_before(datetime.date(2024, 2, 29)) == datetime.date(2023, 2, 28)


@pytest.mark.django_db
def test_the_contact_list_marks_stale_and_unverified_contacts(admin_client, dated_contacts):
    page = admin_client.get(f"{ADMIN}/contact/").content.decode()
    assert "⚠ aldri" in page
    assert "over 12 måneder siden" in page
    assert dated_contacts.strftime("%d.%m.%Y") in page


@pytest.mark.django_db
def test_the_filter_finds_contacts_not_verified_in_twelve_months(admin_client, dated_contacts):
    stale = admin_client.get(f"{ADMIN}/contact/", {"fersk": "nei"}).context["cl"].result_list
    fresh = admin_client.get(f"{ADMIN}/contact/", {"fersk": "ja"}).context["cl"].result_list
    assert {c.slug for c in stale} == {"rosa", "dinutvei"}
    assert not {"rosa", "dinutvei"} & {c.slug for c in fresh}
    assert len(stale) + len(fresh) == models.Contact.objects.count()


@pytest.mark.django_db
def test_the_change_form_shows_the_mark(admin_client, dated_contacts):
    rosa = models.Contact.objects.get(slug="rosa")
    assert "⚠ aldri" in admin_client.get(f"{ADMIN}/contact/{rosa.pk}/change/").content.decode()


@pytest.mark.django_db
def test_verified_today_sets_the_date_keeps_history_and_reaches_the_guide(client, dated_contacts):
    client.force_login(make_editor("Kontaktredaktør", username="kari"))
    before = content.current_version()
    chosen = models.Contact.objects.filter(slug__in=["rosa", "dinutvei"])
    response = client.post(
        f"{ADMIN}/contact/",
        {"action": "verified_today", "_selected_action": [c.pk for c in chosen]},
    )
    assert response.status_code == 302
    assert {c.last_verified for c in chosen.all()} == {timezone.localdate()}
    record = models.Contact.objects.get(slug="rosa").history.latest("history_date")
    assert (record.history_user.username, record.history_change_reason) == (
        "kari",
        "Sist bekreftet i dag",
    )
    assert content.current_version() != before
    rosa = next(c for c in content.snapshot().ruleset.contacts if c.slug == "rosa")
    assert rosa.extra["last_verified"] == timezone.localdate()


@pytest.mark.django_db
def test_legal_sources_have_the_same_mark_filter_and_action(client):
    client.force_login(make_editor("Innholdsredaktør", username="ola"))
    models.LegalSource.objects.update(last_checked=None)
    source = models.LegalSource.objects.get(key="strl-196")
    page = client.get(f"{ADMIN}/legalsource/", {"fersk": "nei"})
    assert source in page.context["cl"].result_list
    assert "⚠ aldri" in page.content.decode()
    client.post(
        f"{ADMIN}/legalsource/", {"action": "checked_today", "_selected_action": [source.pk]}
    )
    source.refresh_from_db()
    assert source.last_checked == timezone.localdate()
