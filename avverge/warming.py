"""A gunicorn worker's start: the content loaded before the first request, then what the
worker holds for good moved out of the garbage collector's sight (gunicorn.conf.py).

A worker holds some 130,000 objects that live as long as it does: Django, the app, the
compiled templates and the content snapshot. Python's garbage collector walks all of them on
each full collection, which a busy worker makes every few thousand requests: 57 ms in one
request, measured (issue 11). ``gc.freeze()`` moves every object alive at that moment to a
generation the collector does not walk; objects made later are collected as before, and a
frozen object is still freed when nothing refers to it (an old content snapshot after a save;
only a cycle among frozen objects would stay, once).
"""

import gc
import logging

from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)


def warm_and_freeze():
    """Load the content (so the first visitor does not wait for it) and freeze what is alive.
    A database that is away is no reason not to start: the content loads on a later request."""
    from guidance import content

    try:
        content.snapshot()
    except (DatabaseError, content.ContentBroken) as e:
        logger.warning("content not loaded at start (%s): it loads on the first request", e)
    finally:
        connections.close_all()  # opened outside a request: nothing else would close it
    gc.collect()
    gc.freeze()
