"""Settings come from the environment and stop start-up with one clear message when wrong."""

import pytest

from tests.conftest import manage


def check(**env):
    return manage("check", "--deploy", "--fail-level", "CRITICAL", **env)


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    run = check(DEBUG="false", ALLOWED_HOSTS="example.org")
    assert run.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in run.stderr


def test_it_starts_with_a_secret_key_and_debug_off():
    run = check(DEBUG="false", SECRET_KEY="x" * 60, ALLOWED_HOSTS="example.org")
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize(
    "env, message",
    [
        ({"DEBUG": "perhaps"}, "DEBUG must be true or false"),
        (
            {"DATABASE_URL": "mysql://localhost/x"},
            "DATABASE_URL must point to SQLite or PostgreSQL",
        ),
        ({"DATABASE_URL": "nonsense"}, "DATABASE_URL"),
        ({"SESSION_COOKIE_AGE": "a day"}, "SESSION_COOKIE_AGE must be a whole number"),
    ],
)
def test_a_bad_value_names_the_variable(env, message):
    run = check(**env)
    assert run.returncode != 0
    assert message in run.stderr


def test_time_zone_and_languages(settings):
    assert settings.TIME_ZONE == "Europe/Oslo"
    assert settings.LANGUAGE_CODE == "nb"
    assert [code for code, _ in settings.LANGUAGES] == ["nb", "en"]
