"""When the database is away or the content does not compile: a calm 503, never a 500, one log
line per failure, and the service back by itself (security review, D3, D4, D5, D18)."""

import logging
import time

import pytest
from django.db import OperationalError, connection
from django.test import Client

from guidance import content, rules, sealing, signals
from guidance.walk import Walk
from tests.test_guide import first_case, walk_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    # The default test client raises a view's exception; a server answers with a page.
    return Client(raise_request_exception=False)


@pytest.fixture
def database_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection failed: Connection refused\n\tIs the server running?")

    monkeypatch.setattr(connection, "cursor", refuse)


@pytest.fixture
def fresh_content(monkeypatch):
    """An empty content cache, as in a freshly started worker; restored afterwards."""
    monkeypatch.setattr(content, "_cached", None)
    monkeypatch.setattr(content, "_failed", None)


GUIDE_PAGES = [
    "/guide/",
    "/guide/q/concerns/",
    "/guide/q/county/?s=x",
    "/guide/review/",
    "/guide/result/",
    "/trainer/",
]


@pytest.mark.parametrize("url", GUIDE_PAGES)
def test_a_page_that_needs_the_database_says_503_in_bokmal_with_the_emergency_numbers(
    client, database_down, url
):
    response = client.get(url)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    text = response.content.decode()
    assert '<html lang="nb">' in text
    assert "ikke tilgjengelig" in text
    for number in ("tel:112", "tel:113", "tel:116117", "tel:116111", "tel:116006"):
        assert number in text
    assert "Server Error" not in text


def test_the_front_page_needs_no_database(client, database_down):
    assert client.get("/").status_code == 200


def test_a_database_failure_is_one_line_in_the_log(client, database_down, app_log):
    client.get("/guide/q/concerns/")
    lines = app_log.getvalue().splitlines()
    assert len(lines) == 1, lines
    assert "/guide/q/concerns/" in lines[0]
    assert "OperationalError: connection failed: Connection refused Is the server" in lines[0]


def test_healthz_says_503_when_the_database_is_down(client, database_down):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def test_a_bug_is_still_a_500_with_its_traceback_in_the_log(client, monkeypatch, app_log):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(content, "snapshot", broken)
    response = client.get("/guide/")
    assert response.status_code == 500
    assert "Noe gikk galt" in response.content.decode()
    assert "Traceback" in app_log.getvalue()


# --- Content that does not compile ------------------------------------------------------------


def break_the_content(monkeypatch):
    def cycle():
        raise rules.RuleError("rule 'a' waits on its own outcome")

    monkeypatch.setattr(content, "load_ruleset", cycle)
    signals.bump_content_version()


def test_content_that_does_not_compile_keeps_the_last_good_content_and_healthz_says_so(
    client, monkeypatch, caplog
):
    assert client.get("/healthz").status_code == 200  # the good content is loaded
    token = walk_case(client, first_case())
    break_the_content(monkeypatch)

    assert client.get("/guide/q/acute_danger/").status_code == 200
    assert client.get("/guide/result/", {"s": token}).status_code == 200
    health = client.get("/healthz")
    assert health.status_code == 503
    assert "waits on its own outcome" in health.json()["content"]
    failures = [r for r in caplog.records if r.name == "guidance.content"]
    assert len(failures) == 1, "one loud error per bad version, not one per request"
    assert failures[0].levelno == logging.ERROR

    monkeypatch.undo()
    signals.bump_content_version()  # the editor fixes it
    assert client.get("/healthz").status_code == 200


def test_content_that_never_compiled_gives_the_503_page(
    client, monkeypatch, fresh_content, app_log
):
    break_the_content(monkeypatch)
    response = client.get("/guide/q/concerns/")
    assert response.status_code == 503
    assert "tel:113" in response.content.decode()
    assert client.get("/healthz").status_code == 503


# --- A county renumbered in the admin while a clinician is mid-walk (D5) ---------------------


def test_a_county_renumbered_mid_walk_asks_for_the_county_again(client):
    from guidance.models import County

    facts = dict(first_case(), county="03")
    token = walk_case(client, facts)
    County.objects.filter(number="03").update(number="98")
    signals.bump_content_version()

    for page in ("/guide/review/", "/guide/result/"):
        response = client.get(page, {"s": token})
        assert response.status_code == 302
        assert response["Location"].startswith("/guide/q/county/")
        assert "return=review" in response["Location"]
    page = client.get(response["Location"], follow=False)
    assert page.status_code == 200
    assert "Velg fylket på nytt" in page.content.decode()

    browser = client.cookies[sealing.WALK_COOKIE].value
    walk = Walk.from_token(token, browser)
    again = Walk({k: v for k, v in walk.raw.items() if k != "county"}, browser)
    answered = client.post(
        "/guide/q/county/", {"s": again.token, "county": "98", "return": "review"}
    )
    assert answered["Location"].startswith("/guide/review/")
    assert client.get(answered["Location"]).status_code == 200


# --- A database that hangs (D3): PostgreSQL only -----------------------------------------------

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the timeouts are PostgreSQL settings"
)


@on_postgresql
def test_a_statement_is_cancelled_by_the_server_after_the_statement_timeout():
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "5s"


@on_postgresql
def test_a_database_that_does_not_answer_is_given_up_on_and_the_connection_closed():
    from django.db import connections

    from avverge.postgresql.base import answer_within

    own = connections.create_connection("default")  # not the test's transaction
    try:
        started = time.monotonic()
        with (
            pytest.raises(OperationalError, match="did not answer within 0.5 s"),
            answer_within(0.5),
            own.cursor() as cursor,
        ):
            cursor.execute("SELECT pg_sleep(3)")
        assert time.monotonic() - started < 2
        assert not own.is_usable()
    finally:
        own.close()
