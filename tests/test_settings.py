"""Settings come from the environment and stop start-up with one clear message when wrong."""

import json
import secrets

import pytest

from tests.conftest import manage

STRONG_KEY = secrets.token_urlsafe(50)


def check(**env):
    return manage("check", "--deploy", "--fail-level", "CRITICAL", **env)


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    run = check(DEBUG="false", ALLOWED_HOSTS="example.org")
    assert run.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in run.stderr


def test_it_starts_with_a_secret_key_and_debug_off():
    run = check(DEBUG="false", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="example.org")
    assert run.returncode == 0, run.stderr


def test_check_deploy_is_clean_with_the_production_settings():
    run = manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DEBUG="false", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="example.org",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "System check identified no issues" in run.stdout


@pytest.mark.parametrize(
    "env, message",
    [
        ({"SECRET_KEY": STRONG_KEY}, "ALLOWED_HOSTS must name the site's host"),
        ({"SECRET_KEY": "changeme", "ALLOWED_HOSTS": "example.org"}, "SECRET_KEY is too weak"),
        ({"SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "example.org"}, "SECRET_KEY is too weak"),
        (
            {"SECRET_KEY": "django-insecure-" + STRONG_KEY, "ALLOWED_HOSTS": "example.org"},
            "SECRET_KEY is too weak",
        ),
    ],
)
def test_it_refuses_to_start_with_debug_off_and_no_hosts_or_a_weak_key(env, message):
    run = check(DEBUG="false", **env)
    assert run.returncode != 0
    assert message in run.stderr


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


# What a production server sends, measured in a process of its own with DEBUG off: the test
# process runs with DEBUG on. Static files are served unhashed there: tests do not collect them.
HEADERS_SCRIPT = """
import json
from django.conf import settings
from django.test import Client, override_settings

plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
out = {}
with override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}):
    c = Client()
    https = {"HTTP_X_FORWARDED_PROTO": "https"}
    for url in ["/", "/guide/q/acute_danger/", "/trainer/", "/admin/login/", "/nope/"]:
        r = c.get(url, **https)
        out[url] = {"status": r.status_code, **{k.lower(): v for k, v in r.headers.items()}}
    r = c.get("/guide/")
    out["http"] = {"status": r.status_code, "location": r.get("Location")}
    out["healthz over http"] = c.get("/healthz").status_code
    r = c.get("/i18n/setlang/", {"language": "en", "next": "/"}, **https)
    out["language cookie"] = r.cookies["django_language"].output()
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def production(seeded_sqlite):
    run = manage(
        "shell", "-c", HEADERS_SCRIPT,
        sqlite_path=seeded_sqlite, DEBUG="false", SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="testserver", SECURE_HSTS_SECONDS="600",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("url", ["/", "/guide/q/acute_danger/", "/trainer/", "/admin/login/"])
def test_production_pages_send_hsts_and_a_permissions_policy(production, url):
    page = production[url]
    assert page["status"] == 200
    assert page["strict-transport-security"] == "max-age=600; includeSubDomains"
    assert "camera=()" in page["permissions-policy"]
    assert "geolocation=()" in page["permissions-policy"]
    assert page["x-frame-options"] == "DENY"


def test_the_404_page_gets_the_headers_too(production):
    assert production["/nope/"]["status"] == 404
    assert "strict-transport-security" in production["/nope/"]


def test_plain_http_is_redirected_to_https_but_healthz_is_not(production):
    assert production["http"]["status"] == 301
    assert production["http"]["location"].startswith("https://")
    assert production["healthz over http"] == 200


def test_the_language_cookie_is_secure_httponly_and_samesite_lax(production):
    cookie = production["language cookie"]
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_the_tests_hash_passwords_with_md5_and_the_settings_do_not():
    from django.contrib.auth.hashers import get_hasher

    assert get_hasher().algorithm == "md5"  # conftest.fast_password_hasher
    code = "from django.contrib.auth.hashers import get_hasher; print(get_hasher().algorithm)"
    run = manage("shell", "-c", code)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split()[-1] == "pbkdf2_sha256"  # after shell's import notice
