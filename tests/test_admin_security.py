"""Admin security: lockout after repeated failed logins (django-axes), sessions that expire,
and the admin at a path set by the environment."""

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.admin_pages import make_editor
from tests.conftest import manage

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "riktig-Passord-2024"


@pytest.fixture
def editor(db, settings):
    # A fast hasher: these tests log in a couple of dozen times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = make_editor("Kontaktredaktør", username="kari")
    user.set_password(PASSWORD)
    user.save()
    return user


def log_in(client, password):
    return client.post(LOGIN, {"username": "kari", "password": password})


def test_the_lockout_is_configured_as_the_readme_says():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_RESET_ON_SUCCESS is True
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 30 * 60
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


@pytest.mark.django_db
def test_five_failed_logins_lock_the_user_out_even_with_the_right_password(client, editor):
    for _ in range(4):
        assert log_in(client, "feil").status_code == 200  # the form again, with an error
    locked = log_in(client, "feil")
    assert locked.status_code == 429
    assert "Innloggingen er midlertidig sperret" in locked.content.decode()
    response = log_in(client, PASSWORD)
    assert response.status_code == 429
    assert client.get("/admin/").status_code == 302  # still sent to the login page


@pytest.mark.django_db
def test_a_successful_login_resets_the_count(client, editor):
    for _ in range(4):
        log_in(client, "feil")
    assert log_in(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert log_in(client, "feil").status_code == 200


@pytest.mark.django_db
def test_axes_reset_lifts_a_lockout(client, editor):
    for _ in range(5):
        log_in(client, "feil")
    assert log_in(client, PASSWORD).status_code == 429
    call_command("axes_reset", verbosity=0)
    assert log_in(client, PASSWORD).status_code == 302


@pytest.mark.django_db
def test_an_admin_session_ends_with_the_browser_and_after_eight_hours(client, editor):
    assert log_in(client, PASSWORD).status_code == 302
    assert client.session.get_expire_at_browser_close()
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    assert client.cookies[settings.SESSION_COOKIE_NAME]["httponly"]


def test_the_admin_lives_at_the_path_in_admin_url():
    run = manage(
        "shell",
        "-c",
        "from django.urls import reverse; print(reverse('admin:index'))",
        ADMIN_URL="forvaltning-7f3a",
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "/forvaltning-7f3a/"
