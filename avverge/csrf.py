"""The CSRF token of a form, as Django's ``get_token`` makes it, with a faster mask.

Django masks the cookie's secret afresh for every page (so that a compressed page does not
repeat a constant secret, BREACH) with a mask of 32 ``secrets.choice`` calls: on a page of
questions made from its skeleton that was a tenth of the request (issue 11). ``form_token``
makes the same kind of token from the same secret, with a mask drawn from one
``secrets.token_bytes`` call (rejection sampling, so every character is as likely as in
Django's), and leaves everything else to Django: a request without a secret gets Django's
``get_token``, and the middleware checks the token as it checks its own.
"""

import secrets

from django.middleware.csrf import (
    CSRF_ALLOWED_CHARS,
    CSRF_SECRET_LENGTH,
    get_token,
)

INDEX = {c: i for i, c in enumerate(CSRF_ALLOWED_CHARS)}
BASE = len(CSRF_ALLOWED_CHARS)  # 62
LIMIT = 256 - 256 % BASE  # bytes at or above this are dropped: 248 = 4 × 62, no bias


def random_chars(length):
    """``length`` characters of CSRF_ALLOWED_CHARS, each equally likely."""
    out = []
    while len(out) < length:
        out += [CSRF_ALLOWED_CHARS[b % BASE] for b in secrets.token_bytes(length + 8) if b < LIMIT]
    return "".join(out[:length])


def masked(secret):
    """``secret`` masked as django.middleware.csrf._mask_cipher_secret masks it."""
    mask = random_chars(CSRF_SECRET_LENGTH)
    return mask + "".join(
        CSRF_ALLOWED_CHARS[(INDEX[s] + INDEX[m]) % BASE] for s, m in zip(secret, mask, strict=True)
    )


def form_token(request):
    """``get_token(request)``: a token for a form, and the cookie renewed in the response."""
    secret = request.META.get("CSRF_COOKIE")
    if secret is None or len(secret) != CSRF_SECRET_LENGTH or not set(secret) <= INDEX.keys():
        return get_token(request)
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True  # as get_token does
    return masked(secret)


def form_input(request):
    """The hidden input of a form, as Django's ``csrf_input`` writes it (the token is letters
    and digits: nothing to escape)."""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{form_token(request)}">'
