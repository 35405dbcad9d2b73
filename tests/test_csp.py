"""The Content-Security-Policy header (avverge/contentpolicy.py): django-csp's, built once per
policy, and django-csp's own handling wherever a response asks for more."""

import pytest
from csp.constants import NONCE, SELF
from csp.exceptions import CSPNonceError
from csp.utils import build_policy
from django.http import HttpResponse
from django.test import RequestFactory

from avverge.contentpolicy import CSPMiddleware

pytestmark = pytest.mark.django_db


def directives(header):
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def respond(response=None, nonce=False):
    request = RequestFactory().get("/guide/")
    middleware = CSPMiddleware(lambda request: response or HttpResponse("page"))
    middleware.process_request(request)
    if nonce:
        str(request.csp_nonce)  # a template that asks for the nonce
    return request, middleware.process_response(request, response or HttpResponse("page"))


def test_every_page_gets_the_policy_in_the_settings(client):
    header = client.get("/guide/q/acute_danger/")["Content-Security-Policy"]
    assert header == build_policy()
    assert directives(header)["script-src"] == "'self'"
    assert "Content-Security-Policy" not in client.get("/admin/login/")


def test_a_changed_policy_is_built_again(client, settings):
    before = client.get("/")["Content-Security-Policy"]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": [SELF, "example.org"]}}
    after = client.get("/guide/q/acute_danger/")["Content-Security-Policy"]
    assert after != before
    assert directives(after) == {"default-src": "'self' example.org"}


def test_a_report_only_policy_is_sent_when_there_is_one(client, settings):
    assert "Content-Security-Policy-Report-Only" not in client.get("/guide/")
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"img-src": [SELF]}}
    response = client.get("/guide/")
    assert directives(response["Content-Security-Policy-Report-Only"])["img-src"] == "'self'"


def test_a_view_s_own_policy_and_a_nonce_go_through_django_csp(settings):
    response = HttpResponse("page")
    response._csp_update = {"img-src": ["example.org"]}
    _, response = respond(response)
    assert directives(response["Content-Security-Policy"])["img-src"] == "'self' data: example.org"

    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"script-src": [SELF, NONCE]}}
    request, response = respond(nonce=True)
    nonce = request._csp_nonce
    assert directives(response["Content-Security-Policy"])["script-src"] == (
        f"'self' 'nonce-{nonce}'"
    )


def test_a_nonce_asked_for_after_the_header_is_an_error():
    request, _ = respond()
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)
