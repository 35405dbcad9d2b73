import io
import logging
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.test import override_settings

from guidance import content, pagecache, rules, seed

ROOT = Path(__file__).resolve().parent.parent
SHARED_CASES = ROOT.parent / "shared" / "cases"
# The first version 2 cases; they move into shared/cases later, and are run the same way.
SHARED_NEXT = ROOT.parent / "shared" / "cases-next"


def case_files():
    """Every case file: the seed library and the shared golden cases (version 1 and 2)."""
    files = sorted((ROOT / "fixtures" / "cases").glob("*.yaml"))
    files += sorted(SHARED_CASES.glob("*.yaml"))
    files += sorted(SHARED_NEXT.glob("*.yaml"))
    return files


@pytest.fixture(scope="session", autouse=True)
def fast_password_hasher():
    """MD5 instead of PBKDF2 for the test run only, as healthchecks' test runner does: every
    admin_client and editor login hashes a password, and PBKDF2 makes that most of an admin
    test's time. Production keeps Django's default hashers (settings.py sets none)."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database starts with the seed content, as `make setup` leaves it."""
    with django_db_blocker.unblock():
        seed.load()


@pytest.fixture(autouse=True)
def fresh_content_check():
    """Each test reads the content version on its first page: the database was rolled back
    under the process's snapshot, which the CONTENT_CHECK_SECONDS window would otherwise
    keep serving. The content page cache starts empty for the same reason."""
    content.forget()
    pagecache.clear()


@pytest.fixture
def app_log():
    """What the app's own log handler (settings.LOGGING) writes, with its filters."""
    handler = next(h for h in logging.getLogger().handlers if h.filters)
    stream = io.StringIO()
    old = handler.setStream(stream)
    yield stream
    handler.setStream(old)


@pytest.fixture(scope="session")
def ruleset(django_db_setup, django_db_blocker):
    """The seed rule table, loaded once through the real read path."""
    with django_db_blocker.unblock():
        return content.load_ruleset()


@pytest.fixture
def facts():
    """A neutral starting point: an adult, ongoing partner violence, below every threshold."""

    def make(**overrides):
        base = {"concerns": ["partner_family_violence"], "timing": "ongoing", "county": "03"}
        base.update(overrides)
        return base

    return make


@pytest.fixture
def codes(ruleset):
    def run(raw):
        return set(rules.evaluate(ruleset, raw).codes)

    return run


@pytest.fixture(scope="session")
def seeded_sqlite(tmp_path_factory):
    """A migrated and seeded SQLite file for tests that run manage.py in a subprocess."""
    path = tmp_path_factory.mktemp("db") / "avverge.sqlite3"
    env = manage_env(path)
    for args in (["migrate", "--noinput", "-v0"], ["seed"]):
        subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
        )
    return path


def manage_env(sqlite_path=None, **extra):
    # Not DJANGO_ALLOW_ASYNC_UNSAFE either: the browser fixture sets it for this process only
    # (Playwright's sync API), and `check --deploy` rightly refuses it in a server.
    dropped = ("DATABASE_URL", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(DEBUG="true")
    if sqlite_path:
        env["DATABASE_URL"] = f"sqlite:///{sqlite_path}"
    env.update(extra)
    return env


def manage(*args, sqlite_path=None, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=manage_env(sqlite_path, **env),
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- Browser tests: a real server process, Debian's Chromium, Playwright and axe -------------

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# How long a browser action, navigation or expect() may wait for the state it needs. Playwright's
# waits return as soon as the state is there, so a long limit costs time only on a failure;
# expect()'s own default of 5 s is short for a page load on a busy two-core machine.
BROWSER_TIMEOUT_MS = 30_000

# How long a server may take to start answering. Only a broken server waits this long; a busy
# two-core machine (another suite beside this one) can take many seconds over Django's
# start-up and system checks. (The old limit was about ten seconds, after which the tests went
# on against a server that was not there yet.)
SERVER_START_SECONDS = 120


@contextmanager
def running_server(sqlite_path, log_path):
    """`manage.py runserver` on ``sqlite_path`` in its own process; yields its URL once it
    answers /healthz.

    The server binds port 0, so the kernel hands it a free port at bind time and runserver
    prints the one it got. (A port chosen here and passed on could be taken by another
    process in between.) Its log goes to a file: a pipe nobody reads fills up and stalls it.
    """
    log = open(log_path, "w")  # noqa: SIM115 - closed below, after the server has stopped
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", "127.0.0.1:0"],
        cwd=ROOT,
        env=manage_env(sqlite_path, PYTHONUNBUFFERED="1"),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield wait_until_serving(proc, log_path)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def wait_until_serving(proc, log_path):
    """The server's URL, once the port it printed answers /healthz; a clear error with its log
    if it stops first, answers with an error, or takes longer than SERVER_START_SECONDS."""
    deadline = time.monotonic() + SERVER_START_SECONDS
    url = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server stopped before it answered:\n{log_path.read_text()}")
        if url is None:
            started = re.search(
                r"Starting development server at (http://[^/\s]+)/", log_path.read_text()
            )
            url = started and started.group(1)
        if url:
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=10):
                    return url
            except urllib.error.HTTPError as e:
                raise RuntimeError(f"/healthz answered {e.code}:\n{log_path.read_text()}") from e
            except OSError:
                pass  # slow to answer on a busy machine: ask again
        time.sleep(0.1)
    raise RuntimeError(
        f"the server did not answer within {SERVER_START_SECONDS} s:\n{log_path.read_text()}"
    )


@pytest.fixture(scope="session")
def server_url(seeded_sqlite):
    """The app served by `manage.py runserver` in its own process, on the seeded SQLite file.

    A separate process keeps the browser tests honest (nothing shared with the test's memory)
    and leaves pytest-django's test database alone. Tests that change content start a server
    of their own on a copy (tests/test_admin_browser.py); this one is only read.
    """
    with running_server(seeded_sqlite, seeded_sqlite.parent / "server.log") as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        missing = f"Chromium not found at {CHROMIUM}: `make test` installs it (apt chromium)"
        if os.environ.get("CI"):  # CI runs `make test`, so a missing browser is a broken run
            pytest.fail(missing)
        pytest.skip(missing)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=BROWSER_TIMEOUT_MS)

    # Playwright's sync API runs an event loop in this thread; Django's async-safety check
    # would then refuse database access in the same test, which is not concurrent here.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server_url):
    """A fresh browser page that fails the test on any request to another host."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nb-NO")
    foreign = []

    def check(route):
        if not route.request.url.startswith(server_url):
            foreign.append(route.request.url)
            return route.abort()
        return route.continue_()

    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    context.route("**/*", check)
    page = context.new_page()
    yield page
    context.close()
    assert not foreign, f"requests left the server's own host: {foreign}"


def axe_violations(page):
    """axe-core's violations on the current page, as 'rule: target' lines."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    found = []
    for violation in results.response["violations"]:
        for node in violation["nodes"]:
            found.append(f"{violation['id']}: {node['target']}")
    return found
