"""A gunicorn worker's start (avverge/warming.py): the content loaded, the rest frozen."""

import gc
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DatabaseError

from avverge import warming
from guidance import content

pytestmark = pytest.mark.django_db


@pytest.fixture
def unfrozen():
    yield
    gc.unfreeze()


def test_a_worker_starts_with_the_content_loaded_and_its_objects_frozen(unfrozen, monkeypatch):
    loaded = []
    monkeypatch.setattr(content, "snapshot", lambda: loaded.append(True))
    warming.warm_and_freeze()
    assert loaded == [True]
    assert gc.get_freeze_count() > 10_000


def test_a_worker_starts_while_the_database_is_away(unfrozen, monkeypatch, caplog):
    def away():
        raise DatabaseError("connection refused")

    monkeypatch.setattr(content, "snapshot", away)
    warming.warm_and_freeze()
    assert "content not loaded at start" in caplog.text
    assert gc.get_freeze_count() > 0


def test_gunicorn_calls_it_once_the_worker_has_the_application(monkeypatch):
    called = []
    monkeypatch.setattr(warming, "warm_and_freeze", lambda: called.append(True))
    config = {}
    path = Path(settings.BASE_DIR) / "gunicorn.conf.py"
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), config)
    config["post_worker_init"](object())
    assert called == [True]
