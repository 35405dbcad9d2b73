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
        ({"API_RATE_LIMIT": "60 a minute"}, "API_RATE_LIMIT must be a number of requests per"),
        ({"API_MAX_BODY_BYTES": "64k"}, "API_MAX_BODY_BYTES must be a whole number"),
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


def test_the_api_is_same_origin_only_and_rate_limited_unless_configured(settings):
    assert settings.CORS_ALLOWED_ORIGINS == []
    assert settings.CORS_URLS_REGEX == r"^/api/"
    assert settings.API_RATE_LIMIT == "60/m"
