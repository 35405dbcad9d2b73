"""The token that carries a walk's answers between requests: encrypted, and bound to the browser.

The answers travel in the ``s`` parameter, encrypted and authenticated with AES-256-GCM
(``cryptography``'s AESGCM): a version byte, the time the token was made, a random 96-bit nonce,
then the compressed answers, sealed with the version and the time as associated data (so
neither can be changed). The key is derived from ``SECRET_KEY``, and from each of
``SECRET_KEY_FALLBACKS`` for tokens made before a rotation, so nothing about the patient can be
read from a URL, an access log, a Referer or the browser history without the server's key, and
any app server can continue the walk.

The key also mixes in a random value from a browser cookie (``WALK_COOKIE``; it holds nothing
about the patient and ends when the browser closes). "Avslutt" deletes that cookie, and every
token of that walk then stops working in that browser. A browser that refuses cookies walks on
the server's key alone. A token lives ``WALK_MAX_AGE`` seconds (two hours by default).

Until December 2026 the token was a Fernet token (AES-128-CBC with HMAC-SHA256). Opening one
with GCM takes 9 µs in a loop against Fernet's 23 µs, and a walk's page reads a token and may
write one (issue 11).
A Fernet token still opens (``LEGACY``), so the walks under way when the change is deployed go
on; after ``WALK_MAX_AGE`` no such token is alive and that path can go.
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

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

WALK_COOKIE = "avverge_walk"
# HKDF's info for the keys: the algorithm's own, so no key serves two ciphers.
KEY_INFO = b"avverge.guide.walk.aes-gcm|"
LEGACY_KEY_INFO = b"avverge.guide.walk|"  # the Fernet tokens' (``LEGACY``)
VERSION = b"\x02"
LEGACY = 0x80  # a Fernet token's first byte
NONCE = 12  # bytes: GCM's 96-bit nonce, random for each token
MAX_TOKEN_LENGTH = 8000  # far above any real walk; refuses a pasted novel before decrypting
# zlib with a 1 KB window and its smallest tables, for a payload of a few hundred bytes:
# as small as the defaults make it, in a tenth of the time (the defaults clear 256 KB a call).
WINDOW_BITS, MEMORY_LEVEL = 10, 2
CLOCK_SKEW = 60  # seconds a token may seem to come from the future (another server's clock)
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


class Keys:
    """A browser's keys (``keys``): the first seals, every one opens (the current secret's,
    then the fallbacks' while a key is rotated)."""

    __slots__ = ("browser", "prks", "ciphers")

    def __init__(self, browser, prks):
        info = KEY_INFO + browser.encode() + b"\x01"
        self.browser, self.prks = browser, prks
        # HKDF's expand step, for one block of output: HMAC(PRK, info || 0x01).
        self.ciphers = tuple(AESGCM(hmac.digest(prk, info, "sha256")) for prk in prks)

    def seal(self, payload: bytes, now: int) -> bytes:
        head = VERSION + now.to_bytes(8, "big")
        nonce = secrets.token_bytes(NONCE)
        return head + nonce + self.ciphers[0].encrypt(nonce, payload, head)

    def open(self, data: bytes) -> tuple[bytes, int]:
        """The payload and the time it was sealed; InvalidTag when no key opens it."""
        head, nonce, sealed = data[:9], data[9 : 9 + NONCE], data[9 + NONCE :]
        if head[:1] != VERSION or len(nonce) != NONCE:
            raise InvalidTag
        for cipher in self.ciphers:
            try:
                return cipher.decrypt(nonce, sealed, head), int.from_bytes(head[1:], "big")
            except InvalidTag:
                continue
        raise InvalidTag

    def open_legacy(self, token: bytes) -> tuple[bytes, int]:
        """A Fernet token's payload and time (the module's docstring); InvalidToken."""
        info = LEGACY_KEY_INFO + self.browser.encode() + b"\x01"
        fernet = MultiFernet(
            [
                Fernet(base64.urlsafe_b64encode(hmac.digest(prk, info, "sha256")))
                for prk in self.prks
            ]
        )
        # Authentic once decrypted, so its time can be read as the Fernet spec lays it out (a
        # version byte, then the seconds, 64 bits big-endian) without verifying it again.
        payload = fernet.decrypt(token)
        return payload, int.from_bytes(base64.urlsafe_b64decode(token)[1:9], "big")


def keys(browser: str = "") -> Keys:
    """The keys for a browser's tokens: for each secret, HKDF-SHA256 (RFC 5869, no salt, 32
    bytes) of the secret with KEY_INFO and the browser's value as its info. A walk derives
    them once (``Walk.keys``) for the token it reads and the one it writes."""
    return Keys(browser, prks())


def prks() -> tuple[bytes, ...]:
    return extracted(settings.SECRET_KEY, tuple(settings.SECRET_KEY_FALLBACKS))


@functools.lru_cache(maxsize=4)
def extracted(secret: str, fallbacks: tuple[str, ...]) -> tuple[bytes, ...]:
    """HKDF's extract step for each secret (the same for every browser, so made once per set of
    secrets): HMAC-SHA256 keyed with 32 zero bytes, RFC 5869's salt where none is given. The
    browser's part is only the expand step (``keys``); tests/test_sealing.py checks the keys
    against cryptography's HKDF."""
    return tuple(hmac.digest(bytes(32), s.encode(), "sha256") for s in (secret, *fallbacks))


def seal(raw: dict, browser: str = "", sealer: Keys | None = None) -> str:
    """``raw`` in a token for ``browser`` (``sealer``: its ``keys``, when already derived)."""
    packer = zlib.compressobj(6, zlib.DEFLATED, WINDOW_BITS, MEMORY_LEVEL)
    payload = packer.compress(json.dumps(raw, separators=(",", ":"), sort_keys=True).encode())
    payload += packer.flush()
    data = (sealer or keys(browser)).seal(payload, int(time.time()))
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unseal(token: str, browser: str = "", opener: Keys | None = None):
    """The raw answers in a token; BrokenWalk("expired") or BrokenWalk("tampered")."""
    if len(token) > MAX_TOKEN_LENGTH or not TOKEN.fullmatch(token):
        raise BrokenWalk("tampered")
    padded = (token + "=" * (-len(token) % 4)).encode()
    opener = opener or keys(browser)
    try:
        data = base64.urlsafe_b64decode(padded)
        if data[:1] == bytes((LEGACY,)):
            payload, made = opener.open_legacy(padded)
        else:
            payload, made = opener.open(data)
        raw = json.loads(zlib.decompressobj().decompress(payload, 64 * 1024))
    except (InvalidTag, InvalidToken, binascii.Error, zlib.error, ValueError):
        raise BrokenWalk("tampered") from None
    age = time.time() - made
    if age < -CLOCK_SKEW:
        raise BrokenWalk("tampered")
    if age > max_age():
        raise BrokenWalk("expired")
    if not isinstance(raw, dict):
        raise BrokenWalk("tampered")
    return raw
