"""The forms' CSRF token (avverge/csrf.py): Django's kind of token from Django's secret, which
Django's middleware takes, with a mask made faster."""

import re
from collections import Counter

import pytest
from django.middleware.csrf import (
    CSRF_ALLOWED_CHARS,
    CSRF_SECRET_LENGTH,
    CSRF_TOKEN_LENGTH,
    _unmask_cipher_token,
)
from django.test import Client

from avverge import csrf

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


def test_the_token_unmasks_to_the_cookie_secret_and_is_new_each_time(rf):
    secret = "abcDEF0123456789abcDEF0123456789"
    request = rf.get("/")
    request.META["CSRF_COOKIE"] = secret
    tokens = {csrf.form_token(request) for _ in range(50)}
    assert len(tokens) == 50
    for token in tokens:
        assert len(token) == CSRF_TOKEN_LENGTH and set(token) <= set(CSRF_ALLOWED_CHARS)
        assert _unmask_cipher_token(token) == secret
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True


def test_a_request_without_a_secret_gets_djangos_own(rf):
    request = rf.get("/")
    token = csrf.form_token(request)
    assert len(request.META["CSRF_COOKIE"]) == CSRF_SECRET_LENGTH
    assert _unmask_cipher_token(token) == request.META["CSRF_COOKIE"]


def test_every_character_of_the_mask_is_as_likely():
    counts = Counter(csrf.random_chars(62 * 2000))
    assert set(counts) == set(CSRF_ALLOWED_CHARS)
    # 2,000 expected each; a bias of 5/256 against 4/256 (plain modulo) would give 2,460.
    assert max(counts.values()) < 2250 and min(counts.values()) > 1750
    assert all(len(csrf.random_chars(n)) == n for n in (0, 1, 32, 300))


def test_djangos_middleware_takes_the_token_of_a_page_made_from_its_skeleton():
    strict = Client(enforce_csrf_checks=True)
    page = strict.get("/guide/q/acute_danger/")
    assert page.status_code == 200
    token = TOKEN.search(page.content.decode()).group(1)
    assert "csrftoken" in page.cookies  # renewed, as get_token would
    form = {"csrfmiddlewaretoken": token, "s": "", "acute_danger": "false"}
    assert strict.post("/guide/q/acute_danger/", form).status_code == 302
    forged = token[:-1] + ("a" if token[-1] != "a" else "b")
    refused = strict.post("/guide/q/acute_danger/", {**form, "csrfmiddlewaretoken": forged})
    assert refused.status_code == 400
