"""The walk token's keys and time (guidance/sealing.py), against cryptography's own HKDF and
Fernet: a token made before this change still opens, and one made now opens with them."""

import base64

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from guidance import sealing


def hkdf_fernet(secret, browser):
    kdf = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=sealing.KEY_INFO + browser.encode()
    )
    return Fernet(base64.urlsafe_b64encode(kdf.derive(secret.encode())))


@pytest.mark.parametrize("browser", ["", sealing.new_browser_key(), "æøå-browser"])
def test_the_keys_are_hkdf_sha256_of_each_secret(settings, browser):
    settings.SECRET_KEY = "the-secret-" * 5
    settings.SECRET_KEY_FALLBACKS = ["an-older-secret-" * 4]
    raw = {"acute_danger": "false"}
    for secret in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS):
        theirs = hkdf_fernet(secret, browser)
        # Made with cryptography's HKDF: opens with ours, and the other way round.
        token = theirs.encrypt(sealing.zlib.compress(b'{"acute_danger":"false"}')).decode()
        assert sealing.unseal(token.rstrip("="), browser) == raw
    ours = sealing.seal(raw, browser)
    padded = ours + "=" * (-len(ours) % 4)
    assert hkdf_fernet(settings.SECRET_KEY, browser).decrypt(padded.encode())


def test_the_time_read_is_the_tokens_own(settings, monkeypatch):
    monkeypatch.setattr(sealing.time, "time", lambda: 2_000_000_000)
    token = sealing.seal({"acute_danger": "false"})
    data = (token + "=" * (-len(token) % 4)).encode()
    assert sealing.keys().extract_timestamp(data) == 2_000_000_000
    monkeypatch.setattr(sealing.time, "time", lambda: 2_000_000_000 + settings.WALK_MAX_AGE + 1)
    with pytest.raises(sealing.BrokenWalk, match="expired"):
        sealing.unseal(token)
