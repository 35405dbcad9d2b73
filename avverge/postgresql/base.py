"""Django's PostgreSQL backend, with a limit on how long the app waits for the server.

statement_timeout (set in settings) makes a live server cancel a slow query, but a server that
hangs (frozen, or its host gone without a reset) never answers at all, and psycopg would wait
for ever: every worker thread ends up stuck, and so does every page, `/healthz` included
(security review, D3). psycopg sends every wait for the server through ``Connection.wait``, so
that is the one place to bound it. A wait that runs out closes the connection, because its
state is then unknown, and raises OperationalError, which the app turns into its 503 page.
"""

import contextvars
from contextlib import contextmanager

import psycopg
from django.db.backends.postgresql import base

_limit = contextvars.ContextVar("avverge_db_answer_within", default=None)


@contextmanager
def answer_within(seconds):
    """Wait at most ``seconds`` for each answer from the database inside the block."""
    token = _limit.set(seconds)
    try:
        yield
    finally:
        _limit.reset(token)


class Connection(psycopg.Connection):
    answer_timeout = None  # seconds; set from settings by DatabaseWrapper below

    def wait(self, gen, interval=0.1, timeout=None):
        limit = timeout if timeout is not None else (_limit.get() or self.answer_timeout)
        try:
            return super().wait(gen, interval=interval, timeout=limit)
        except psycopg.errors._WaitTimeout:
            if timeout is not None:
                raise  # psycopg's own timed wait (notifications, cancel) handles it
            self.pgconn.finish()
            raise psycopg.OperationalError(
                f"the database did not answer within {limit:g} s"
            ) from None


class _Psycopg:
    """The psycopg module as Django's backend sees it, with connect() making a Connection."""

    connect = Connection.connect

    def __getattr__(self, name):
        return getattr(psycopg, name)


class DatabaseWrapper(base.DatabaseWrapper):
    Database = _Psycopg()  # type: ignore[assignment]  # a module stand-in, on purpose

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        connection.answer_timeout = self.settings_dict.get("ANSWER_TIMEOUT")
        return connection

    def is_usable(self):
        # CONN_HEALTH_CHECKS runs this before reusing a connection: a SELECT 1 that takes more
        # than half a second means the server is hanging, and the request should not hang with
        # it. Too short a limit costs only a new connection, so it can be tight: /healthz must
        # answer within the container's 4 s even then (this, plus a 2 s connect attempt).
        with answer_within(0.5):
            return super().is_usable()
