"""Schemathesis against the OpenAPI description the app serves: every operation, with data that
fits the description and data that does not, under all of Schemathesis's default checks (no
server error; status codes, content types, headers and bodies as described; valid data
accepted; invalid data rejected). A bounded number of examples keeps it within `make test`."""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import settings as hypothesis_settings
from openapi_spec_validator import validate

from avverge.wsgi import application
from guidance import rules

pytestmark = pytest.mark.django_db


def name_exactly_the_concerns(facts):
    """Make each per-concern mapping name exactly the case's concerns: the one rule of the
    facts that JSON Schema cannot state (see guidance.api.facts_schema), so Schemathesis draws
    mappings that break it while calling them valid."""
    if not isinstance(facts, dict):
        return
    concerns = facts.get("concerns")
    concerns = [concerns] if isinstance(concerns, str) else concerns
    if not isinstance(concerns, list):
        return
    for fact in rules.PER_CONCERN_FACTS:
        mapping = facts.get(fact)
        if isinstance(mapping, dict):
            fallback = next(iter(mapping.values()), rules.FACTS[fact].values[0])
            facts[fact] = {c: mapping.get(c, fallback) for c in concerns}


def mend_positive_case(context, case):
    if case.meta is not None and case.meta.generation.mode.is_positive:
        body = case.body
        if isinstance(body, dict):
            name_exactly_the_concerns(body.get("facts") if "slug" in body else body)
    return case


@pytest.fixture
def api_schema(db, settings):
    settings.API_RATE_LIMIT = ""  # Schemathesis sends hundreds of requests from one address
    # Called as a WSGI app, Django closes the database connection at the start and end of each
    # request, and with it the test's transaction (PostgreSQL; SQLite's in-memory database
    # ignores it). Django's own test client unhooks the same signal handler.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
        schema.hook("map_case")(mend_positive_case)
        yield schema
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@hypothesis_settings(max_examples=30, deadline=None)
def test_the_api_keeps_to_its_openapi_description(case):
    case.call_and_validate()


def test_the_openapi_document_is_valid_openapi_3_1(client):
    document = client.get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.1.")
    validate(document)  # raises on any departure from the OpenAPI 3.1 specification
