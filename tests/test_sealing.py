"""The walk token's keys and time (guidance/sealing.py), against cryptography's own HKDF and
AES-GCM, and the Fernet tokens made before AES-GCM: they still open until they expire."""

import base64

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from guidance import sealing

RAW = {"acute_danger": "false"}
PAYLOAD = sealing.zlib.compress(b'{"acute_danger":"false"}')


def hkdf(secret, info, browser):
    kdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info + browser.encode())
    return kdf.derive(secret.encode())


def decoded(token):
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))


def encoded(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@pytest.fixture
def secrets(settings):
    settings.SECRET_KEY = "the-secret-" * 5
    settings.SECRET_KEY_FALLBACKS = ["an-older-secret-" * 4]
    return (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS)


@pytest.mark.parametrize("browser", ["", sealing.new_browser_key(), "æøå-browser"])
def test_the_keys_are_hkdf_sha256_of_each_secret(secrets, browser):
    for secret in secrets:
        theirs = AESGCM(hkdf(secret, sealing.KEY_INFO, browser))
        # Sealed with cryptography's HKDF and AES-GCM as the module lays a token out: opens.
        head = sealing.VERSION + (1_900_000_000).to_bytes(8, "big")
        nonce = bytes(range(12))
        token = encoded(head + nonce + theirs.encrypt(nonce, PAYLOAD, head))
        with pytest.MonkeyPatch.context() as m:
            m.setattr(sealing.time, "time", lambda: 1_900_000_000)
            assert sealing.unseal(token, browser) == RAW
    data = decoded(sealing.seal(RAW, browser))
    head, nonce, sealed = data[:9], data[9:21], data[21:]
    assert head[:1] == sealing.VERSION
    ours = AESGCM(hkdf(secrets[0], sealing.KEY_INFO, browser))
    assert sealing.zlib.decompress(ours.decrypt(nonce, sealed, head)) == b'{"acute_danger":"false"}'


@pytest.mark.parametrize("browser", ["", sealing.new_browser_key()])
def test_a_fernet_token_from_before_aes_gcm_still_opens(secrets, browser):
    for secret in secrets:
        fernet = Fernet(base64.urlsafe_b64encode(hkdf(secret, sealing.LEGACY_KEY_INFO, browser)))
        token = fernet.encrypt(PAYLOAD).decode().rstrip("=")
        assert sealing.unseal(token, browser) == RAW
        with pytest.raises(sealing.BrokenWalk, match="tampered"):
            sealing.unseal(token, "b" * 24)


def test_the_time_and_version_cannot_be_changed(secrets):
    data = bytearray(decoded(sealing.seal(RAW)))
    for place in (0, 8, 9, len(data) - 1):  # the version, the time, the nonce, the tag
        forged = bytearray(data)
        forged[place] ^= 1
        with pytest.raises(sealing.BrokenWalk, match="tampered"):
            sealing.unseal(encoded(bytes(forged)))
    for cut in (1, 9, 21, 37):  # cut short anywhere
        with pytest.raises(sealing.BrokenWalk, match="tampered"):
            sealing.unseal(encoded(bytes(data[:cut])))


def test_no_two_tokens_share_a_nonce(secrets):
    nonces = {decoded(sealing.seal(RAW))[9:21] for _ in range(200)}
    assert len(nonces) == 200


def test_the_time_read_is_the_tokens_own(settings, monkeypatch):
    monkeypatch.setattr(sealing.time, "time", lambda: 2_000_000_000)
    token = sealing.seal(RAW)
    assert int.from_bytes(decoded(token)[1:9], "big") == 2_000_000_000
    monkeypatch.setattr(sealing.time, "time", lambda: 2_000_000_000 + settings.WALK_MAX_AGE + 1)
    with pytest.raises(sealing.BrokenWalk, match="expired"):
        sealing.unseal(token)
    # One from further ahead than another server's clock could be is not the guide's.
    monkeypatch.setattr(sealing.time, "time", lambda: 2_000_000_000 - sealing.CLOCK_SKEW - 1)
    with pytest.raises(sealing.BrokenWalk, match="tampered"):
        sealing.unseal(token)
