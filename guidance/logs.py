"""Logging that keeps ordinary failures to one line.

A bad Host header, an oversized form or a database that is away are things that happen, not
bugs: each gets one line in the log, with the exception's type and message, instead of a
15-line traceback per request (security review, D4 and D18). Anything else keeps its
traceback.
"""

import logging

from django.db import InterfaceError, OperationalError

MAX_LINE = 1000  # characters of a request's log line


def is_unavailable(exc):
    """Whether ``exc`` means "the service is unavailable" rather than "the code is wrong"."""
    # Imported here: logging is configured before the app registry is ready for models.
    from .content import ContentBroken

    return isinstance(exc, (OperationalError, InterfaceError, ContentBroken))


class OneLine(logging.Filter):
    """Folds the traceback of an expected failure into the record's message."""

    def filter(self, record):
        if record.name.startswith(("django.request", "django.security.")):
            # Django's own lines name the path, which a client can make 100 kB long.
            record.msg, record.args = record.getMessage()[:MAX_LINE], None
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and self.expected(record, exc):
            message, text = record.getMessage(), " ".join(str(exc).split())[:300]
            detail = type(exc).__name__ if text in message else f"{type(exc).__name__}: {text}"
            request = getattr(record, "request", None)
            if request is not None and record.name.startswith("django.security."):
                detail += f", {request.method} {request.path}"
            record.msg = f"{message} ({detail})"
            record.args = None
            record.exc_info = record.exc_text = None
        return True

    @staticmethod
    def expected(record, exc):
        if record.name.startswith("django.security."):
            return True
        status = getattr(record, "status_code", None)
        return record.name == "django.request" and (
            (status is not None and status < 500) or is_unavailable(exc)
        )
