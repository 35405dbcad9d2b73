"""The token that carries a walk's answers between requests: encrypted, and bound to the browser.

The answers travel in the ``s`` parameter as a Fernet token (``cryptography``'s authenticated
encryption: AES-128-CBC with HMAC-SHA256 and a timestamp). The key is derived from
``SECRET_KEY``, and from each of ``SECRET_KEY_FALLBACKS`` for tokens made before a rotation, so
nothing about the patient can be read from a URL, an access log, a Referer or the browser history
without the server's key, and any app server can continue the walk.

The key also mixes in a random value from a browser cookie (``WALK_COOKIE``; it holds nothing
about the patient and ends when the browser closes). "Avslutt" deletes that cookie, and every
token of that walk then stops working in that browser. A browser that refuses cookies walks on
the server's key alone. A token lives ``WALK_MAX_AGE`` seconds (two hours by default).
"""

import base64
import binascii
import json
import re
import secrets
import time
import zlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

WALK_COOKIE = "avverge_walk"
KEY_INFO = b"avverge.guide.walk|"
MAX_TOKEN_LENGTH = 8000  # far above any real walk; refuses a pasted novel before decrypting
# What ``seal`` writes: URL-safe base64 without its padding. Base64 decoding would skip other
# characters, so a token with any is refused: a token read is one the guide could have written,
# and goes into the page's links as it came, with nothing to quote.
TOKEN = re.compile(r"[A-Za-z0-9_-]+")


class BrokenWalk(Exception):
    """The token was tampered with, expired, made in another browser, or holds answers that do
    not fit: the guide starts again."""


def max_age() -> int:
    return settings.WALK_MAX_AGE


def new_browser_key() -> str:
    return secrets.token_urlsafe(18)


def browser_key(request) -> str:
    """The walk cookie's value, or "" where the browser has none (or sends a forged one)."""
    value = request.COOKIES.get(WALK_COOKIE, "")
    return value if len(value) == 24 and value.replace("-", "").replace("_", "").isalnum() else ""


def set_browser_cookie(response, value):
    response.set_cookie(
        WALK_COOKIE,
        value,
        max_age=None,  # a session cookie: gone when the browser closes
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def keys(browser: str = "") -> MultiFernet:
    """The keys for a browser's tokens. Deriving them costs a request as much as sealing does,
    so a walk derives them once (``Walk.keys``) for the token it reads and the one it writes."""

    def key(secret: str) -> Fernet:
        kdf = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=KEY_INFO + browser.encode()
        )
        return Fernet(base64.urlsafe_b64encode(kdf.derive(secret.encode())))

    return MultiFernet([key(s) for s in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]])


def seal(raw: dict, browser: str = "", fernet: MultiFernet | None = None) -> str:
    """``raw`` in a token for ``browser`` (``fernet``: its ``keys``, when already derived)."""
    payload = zlib.compress(json.dumps(raw, separators=(",", ":"), sort_keys=True).encode())
    return (fernet or keys(browser)).encrypt(payload).decode().rstrip("=")


def unseal(token: str, browser: str = "", fernet: MultiFernet | None = None):
    """The raw answers in a token; BrokenWalk("expired") or BrokenWalk("tampered")."""
    if len(token) > MAX_TOKEN_LENGTH or not TOKEN.fullmatch(token):
        raise BrokenWalk("tampered")
    data = (token + "=" * (-len(token) % 4)).encode()
    fernet = fernet or keys(browser)
    try:
        payload = fernet.decrypt(data)
        made = fernet.extract_timestamp(data)
        raw = json.loads(zlib.decompressobj().decompress(payload, 64 * 1024))
    except (InvalidToken, binascii.Error, zlib.error, ValueError):
        raise BrokenWalk("tampered") from None
    if time.time() - made > max_age():
        raise BrokenWalk("expired")
    if not isinstance(raw, dict):
        raise BrokenWalk("tampered")
    return raw
