"""The login lockout cannot be turned against editors, and stops password spraying; the
contact import waits for its confirmation where every app server sees it (issue 10, points 5
and 7; security review D9)."""

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.core.cache import caches
from django.test import RequestFactory

from avverge.clientip import client_ip
from tests.admin_pages import make_editor
from tests.test_admin_import import ADMIN as CONTACTS
from tests.test_admin_import import exported, upload, with_changes

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "riktig-Passord-2024"
PROXY = "10.0.0.1"


@pytest.fixture
def editor(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TRUSTED_PROXIES = 1  # one reverse proxy in front, as in production
    caches["shared"].clear()
    user = make_editor("Kontaktredaktør", username="kari")
    user.set_password(PASSWORD)
    user.save()
    return user


def log_in(client, password, client_address, username="kari", forged=""):
    chain = f"{forged}, {client_address}" if forged else client_address
    return client.post(
        LOGIN,
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=chain,
    )


@pytest.mark.parametrize(
    ("trusted", "forwarded", "expected"),
    [
        (0, "", "10.0.0.1"),
        (0, "9.9.9.9", "10.0.0.1"),  # no proxy trusted: the header is the client's to forge
        (1, "203.0.113.5", "203.0.113.5"),
        (1, "9.9.9.9, 203.0.113.5", "203.0.113.5"),  # what the client sent is further left
        (2, "9.9.9.9, 203.0.113.5, 198.51.100.7", "203.0.113.5"),
        (3, "203.0.113.5", "203.0.113.5"),  # fewer hops than trusted: the left-most there is
    ],
)
def test_the_client_is_the_address_the_trusted_proxies_received_from(
    settings, trusted, forwarded, expected
):
    settings.TRUSTED_PROXIES = trusted
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", **extra)
    assert client_ip(request) == expected


def test_a_stranger_who_knows_the_user_name_locks_only_their_own_address(client, editor):
    for _ in range(5):
        log_in(client, "feil", "198.51.100.66")
    assert log_in(client, PASSWORD, "198.51.100.66").status_code == 429
    # Behind the proxy every request has the proxy's address; the editor's own is free.
    assert log_in(client, PASSWORD, "203.0.113.5").status_code == 302


def test_a_forged_forwarded_for_does_not_get_round_the_lockout(client, editor):
    for i in range(5):
        log_in(client, "feil", "198.51.100.66", forged=f"10.9.9.{i}")
    assert log_in(client, PASSWORD, "198.51.100.66", forged="10.9.9.99").status_code == 429


def test_guesses_during_a_lockout_do_not_restart_the_cool_off(client, editor):
    for _ in range(5):
        log_in(client, "feil", "198.51.100.66")
    attempt = AccessAttempt.objects.get(username="kari")
    started = attempt.attempt_time - dt.timedelta(minutes=20)
    AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=started)
    log_in(client, "feil", "198.51.100.66")
    assert AccessAttempt.objects.get(pk=attempt.pk).attempt_time == started


def test_password_spraying_from_one_address_stops_at_the_rate(client, editor, settings):
    settings.LOGIN_RATE = "10/h"
    statuses = [
        log_in(client, "feil", "198.51.100.66", username=f"bruker{i}").status_code
        for i in range(12)
    ]
    assert statuses[:10] == [200] * 10  # four guesses or fewer per name never lock a name
    assert statuses[10:] == [429, 429]
    page = log_in(client, PASSWORD, "198.51.100.66").content.decode()
    assert "For mange innloggingsforsøk herfra" in page
    assert log_in(client, PASSWORD, "203.0.113.5").status_code == 302


@pytest.mark.django_db
def test_the_import_waiting_for_confirmation_is_in_the_database_not_on_disk(client, settings):
    client.force_login(make_editor("Kontaktredaktør", username="kari"))
    before = set(Path(tempfile.gettempdir()).iterdir())
    data = with_changes(exported(), "rosa", phones="22 99 88 77 | Døgnåpen | 24-hour line")
    response = upload(client, data.csv)
    confirm = response.context["confirm_form"].initial
    assert not set(Path(tempfile.gettempdir()).iterdir()) - before
    # Another app server has its own memory and disk: only the database is shared.
    caches["default"].clear()
    done = client.post(f"{CONTACTS}/process_import/", {**confirm, "confirm": "1"})
    assert done.status_code == 302
    from guidance import models

    assert models.ContactPhone.objects.get(contact__slug="rosa").number == "22 99 88 77"
