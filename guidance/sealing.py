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
import functools
import hmac
import json
import re
import secrets
import time
import zlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
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
    """The keys for a browser's tokens: for each secret, HKDF-SHA256 (RFC 5869, no salt, 32
    bytes) of the secret with KEY_INFO and the browser's value as its info. A walk derives
    them once (``Walk.keys``) for the token it reads and the one it writes."""
    info = KEY_INFO + browser.encode() + b"\x01"
    return MultiFernet(
        [
            # HKDF's expand step, for one block of output: HMAC(PRK, info || 0x01).
            Fernet(base64.urlsafe_b64encode(hmac.digest(prk, info, "sha256")))
            for prk in extracted(settings.SECRET_KEY, tuple(settings.SECRET_KEY_FALLBACKS))
        ]
    )


@functools.lru_cache(maxsize=4)
def extracted(secret: str, fallbacks: tuple[str, ...]) -> tuple[bytes, ...]:
    """HKDF's extract step for each secret (the same for every browser, so made once per set of
    secrets): HMAC-SHA256 keyed with 32 zero bytes, RFC 5869's salt where none is given. The
    browser's part is only the expand step (``keys``); tests/test_sealing.py checks the keys
    against cryptography's HKDF."""
    return tuple(hmac.digest(bytes(32), s.encode(), "sha256") for s in (secret, *fallbacks))


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
        # Authentic, so its time can be read as the Fernet spec lays the token out (a version
        # byte, then the time in seconds, 64 bits big-endian), without verifying it again.
        made = int.from_bytes(base64.urlsafe_b64decode(data)[1:9], "big")
        raw = json.loads(zlib.decompressobj().decompress(payload, 64 * 1024))
    except (InvalidToken, binascii.Error, zlib.error, ValueError):
        raise BrokenWalk("tampered") from None
    if time.time() - made > max_age():
        raise BrokenWalk("expired")
    if not isinstance(raw, dict):
        raise BrokenWalk("tampered")
    return raw
