import os
import subprocess
import sys
from pathlib import Path

import pytest

from guidance import content, rules, seed

ROOT = Path(__file__).resolve().parent.parent
SHARED_CASES = ROOT.parent / "shared" / "cases"


def case_files():
    """Every case file: the seed library and the shared golden cases."""
    files = sorted((ROOT / "fixtures" / "cases").glob("*.yaml"))
    files += sorted(SHARED_CASES.glob("*.yaml"))
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
