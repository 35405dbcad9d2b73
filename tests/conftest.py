import os
import subprocess
import sys
from pathlib import Path

import pytest

from guidance import content, rules, seed

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


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database starts with the seed content, as `make setup` leaves it."""
    with django_db_blocker.unblock():
        seed.load()


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
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
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


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server_url(seeded_sqlite):
    """The app served by `manage.py runserver` in its own process, on the seeded SQLite file.

    A separate process keeps the browser tests honest (nothing shared with the test's memory)
    and leaves pytest-django's test database alone.
    """
    import time
    import urllib.request

    port = free_port()
    # The server's log goes to a file: a pipe nobody reads fills up and stalls the server.
    log_path = seeded_sqlite.parent / "server.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed when the fixture ends
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=manage_env(seeded_sqlite),
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/healthz", timeout=1)
            break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"the server did not start: {log_path.read_text()}") from None
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: `make test` installs it (apt chromium)")
    from playwright.sync_api import sync_playwright

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

    context.route("**/*", check)
    page = context.new_page()
    page.set_default_timeout(10_000)
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
