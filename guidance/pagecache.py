"""Whole pages that depend on nothing but the content and the language, kept in memory.

Home and the trainer's pages show the same thing to everyone who asks for the same address in
the same language, and change only when an editor saves (which changes the content version,
guidance/signals.py). So the rendered page is kept per process, keyed by (content version,
language, full path), in a small LRU bounded by size. A page that shows a walk's answers is
never wrapped in this (the privacy promise, tests/test_caching.py): review, result and the
questions are rendered for every request.

A response is only kept if it is a plain 200 that does not set a cookie and carries no CSRF
token, and only for requests without a ``messages`` cookie (base.html shows messages).
"""

import functools
import gzip
import threading
from collections import OrderedDict

import brotli
from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import DatabaseError
from django.http import HttpResponse
from django.utils.translation import get_language

from . import content


class Memory:
    """A least-recently-used dict bounded by the bytes it holds, for one process."""

    def __init__(self, setting):
        self.setting = setting  # the settings name of the bound in bytes
        self.items = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key):
        found = self.items.get(key)
        if found is not None:
            # No lock: one step of the C OrderedDict; the entry may just have gone (suppress()
            # would cost a context manager on every hit).
            try:  # noqa: SIM105
                self.items.move_to_end(key)
            except KeyError:
                pass
        return found

    def keep(self, key, value, size):
        with self.lock:
            if key in self.items:
                return
            self.items[key] = (value, size)
            self.size += size
            bound = getattr(settings, self.setting)
            while self.size > bound and self.items:
                self.size -= self.items.popitem(last=False)[1][1]

    def clear(self):
        with self.lock:
            self.items.clear()
            self.size = 0

    def held(self):
        """The keys held now (for tests)."""
        return list(self.items)


pages = Memory("PAGE_CACHE_BYTES")
fragments = Memory("FRAGMENT_CACHE_BYTES")


class Page:
    """A rendered page, compressed once with Brotli and gzip (avverge/compression.py serves
    them). Brotli at quality 5: 1.6 ms on a 40 KB page and within 1 % of quality 9's size;
    quality 11 takes 44 ms, which after a save the first visitor of every page would wait."""

    __slots__ = ("content_type", "body", "compressed")

    def __init__(self, content_type, body):
        self.content_type = content_type
        self.body = body
        self.compressed = {
            "br": brotli.compress(body, quality=5),
            "gzip": gzip.compress(body, compresslevel=9, mtime=0),
        }

    def size(self):
        return len(self.body) + sum(map(len, self.compressed.values()))


def clear():
    pages.clear()
    fragments.clear()


def content_page(view=None, *, unless=()):
    """Serve ``view``'s page from memory while the content and the language stay the same;
    not for requests with a parameter named in ``unless`` (what a person typed)."""
    if view is None:
        return functools.partial(content_page, unless=unless)

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if (
            request.method not in ("GET", "HEAD")
            or CookieStorage.cookie_name in request.COOKIES
            or any(name in request.GET for name in unless)
        ):
            return view(request, *args, **kwargs)
        try:
            version = content.snapshot().version
        except (DatabaseError, content.ContentBroken):
            # The page itself says what it can (home needs no database, the rest say 503).
            return view(request, *args, **kwargs)
        key = (version, get_language(), request.get_full_path())
        found = pages.get(key)
        page = found[0] if found else None
        if page is None:
            response = view(request, *args, **kwargs)
            if (
                response.status_code != 200
                or response.streaming
                or response.cookies
                or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")  # a CSRF token in the page
                or response.has_header("Content-Encoding")
            ):
                return response
            page = Page(response["Content-Type"], response.content)
            pages.keep(key, page, page.size())
        response = HttpResponse(page.body, content_type=page.content_type)
        response.compressed = page.compressed
        return response

    return wrapper
