"""Nothing about the patient can be read from a URL, a log line or the browser history
(issue 10, point 1; security review D2)."""

import base64
import binascii
import contextlib
import re
import subprocess
import sys
import time
import urllib.request
import zlib

import pytest
from django.test import override_settings

from guidance import rules, sealing
from guidance.walk import Walk
from tests.conftest import ROOT, manage_env

ANSWERS = {
    "acute_danger": "true",
    "concerns": ["partner_family_violence"],
    "serious_or_repeated": "true",
    "person_age": "child_under_14",
    "timing": "ongoing",
    "likelihood": "certain_or_most_likely",
    "consent": "agrees",
    "children_in_household": "yes",
    "pregnant": "true",
    "needs_interpreter": "true",
    "companion": "none",
    "county": "03",
}
# Every fact name and every value a walk can hold, as an eavesdropper would grep for them.
TELLTALES = set(rules.FACTS) | {
    str(v) for spec in rules.FACTS.values() for v in (spec.values or ()) if len(str(v)) > 3
}


def readable(text):
    """What someone without the key gets out of ``text``: the text itself, and whatever base64
    (with or without zlib) in it decodes to, as Django's signed tokens used to."""
    found = [text]
    for chunk in re.findall(r"[A-Za-z0-9_\-=.:]{16,}", text):
        for part in chunk.replace(":", ".").split("."):
            try:
                raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
            except (binascii.Error, ValueError):
                continue
            found.append(raw.decode("latin-1"))
            with contextlib.suppress(zlib.error):
                found.append(zlib.decompress(raw).decode("latin-1"))
    return "\n".join(found)


def leaks(text):
    return sorted(t for t in TELLTALES if t in readable(text))


def test_the_token_says_nothing_without_the_key():
    token = Walk(ANSWERS).token
    assert leaks(token) == []
    assert sealing.unseal(token) == ANSWERS


def test_the_old_signed_token_would_have_leaked_every_answer():
    # The check above can fail: Django's signed token, which the guide used before, gives
    # every answer to anyone who decodes it.
    from django.core import signing

    assert "partner_family_violence" in leaks(signing.dumps(ANSWERS, compress=True))


def test_a_token_from_another_key_is_refused_and_a_rotated_key_still_reads():
    token = Walk(ANSWERS).token
    with override_settings(SECRET_KEY="another-key-" * 5), pytest.raises(sealing.BrokenWalk):
        sealing.unseal(token)
    with override_settings(SECRET_KEY="the-new-key-" * 5, SECRET_KEY_FALLBACKS=[_key()]):
        assert sealing.unseal(token) == ANSWERS


def _key():
    from django.conf import settings

    return settings.SECRET_KEY


def test_a_token_lives_two_hours_by_default(settings, monkeypatch):
    assert settings.WALK_MAX_AGE == 2 * 60 * 60
    token = Walk(ANSWERS).token
    now = time.time()
    monkeypatch.setattr(sealing.time, "time", lambda: now + 2 * 60 * 60 - 5)
    assert sealing.unseal(token) == ANSWERS
    monkeypatch.setattr(sealing.time, "time", lambda: now + 2 * 60 * 60 + 5)
    with pytest.raises(sealing.BrokenWalk, match="expired"):
        sealing.unseal(token)


def test_a_token_is_bound_to_the_browser_that_made_it():
    token = Walk(ANSWERS, browser="a" * 24).token
    assert sealing.unseal(token, "a" * 24) == ANSWERS
    for other in ("", "b" * 24):
        with pytest.raises(sealing.BrokenWalk):
            sealing.unseal(token, other)


@pytest.mark.parametrize("token", ["x" * 20_000, "%%%", "gAAAA" + "A" * 200])
def test_a_forged_or_oversized_token_is_refused_not_crashed(token):
    with pytest.raises(sealing.BrokenWalk):
        sealing.unseal(token)


@pytest.mark.django_db
def test_the_walk_cookie_holds_nothing_and_ends_with_the_browser(client):
    response = client.get("/guide/")
    cookie = response.cookies[sealing.WALK_COOKIE]
    assert re.fullmatch(r"[A-Za-z0-9_\-]{24}", cookie.value)
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert not cookie["max-age"] and not cookie["expires"]
    # A second start keeps the cookie, so a walk in another tab goes on.
    assert sealing.WALK_COOKIE not in client.get("/guide/").cookies


@pytest.mark.django_db
def test_avslutt_makes_the_walks_token_unusable_in_this_browser(client):
    from tests.test_guide import walk_case

    client.get("/guide/")
    token = walk_case(client, {"concerns": ["elder_abuse"], "timing": "ongoing", "county": "03"})
    assert client.get(f"/guide/result/?s={token}").status_code == 200

    page = client.get(f"/guide/review/?s={token}").content.decode()
    assert 'href="/guide/exit/"' in page and "data-quick-exit" in page
    response = client.get("/guide/exit/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert response.cookies[sealing.WALK_COOKIE].value == ""
    assert response["Clear-Site-Data"] == '"cache"'

    for path in ("/guide/result/", "/guide/review/"):
        again = client.get(f"{path}?s={token}")
        assert again.status_code == 302 and again["Location"] == "/guide/"


@pytest.mark.django_db
def test_every_guide_page_has_the_exit(client):
    client.get("/guide/")
    from tests.test_guide import walk_case

    token = walk_case(client, {"concerns": ["elder_abuse"], "timing": "ongoing", "county": "03"})
    for path in ("/guide/q/acute_danger/", "/guide/q/timing/", "/guide/review/", "/guide/result/"):
        assert "data-quick-exit" in client.get(f"{path}?s={token}").content.decode(), path


def test_gunicorns_access_log_keeps_no_query_string_and_no_referer(seeded_sqlite, tmp_path):
    access, errors = tmp_path / "access.log", tmp_path / "error.log"
    access.touch()
    errors.touch()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "avverge.wsgi:application", "-c", "gunicorn.conf.py",
         "--bind", "127.0.0.1:0", "--workers", "1", "--access-logfile", str(access),
         "--error-logfile", str(errors)],
        cwd=ROOT,
        env=manage_env(seeded_sqlite),
    )  # fmt: skip
    try:
        url = None
        deadline = time.monotonic() + 60
        while url is None and time.monotonic() < deadline:
            found = re.search(r"Listening at: (http://[\d.:]+)", errors.read_text() or "")
            url = found and found.group(1)
            time.sleep(0.1)
        assert url, errors.read_text()
        token = Walk(ANSWERS).token  # the server runs with the same development key
        request = urllib.request.Request(
            f"{url}/guide/review/?s={token}",
            headers={"Referer": f"{url}/guide/result/?s={token}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200
            assert 'href="/guide/exit/"' in response.read().decode()
        deadline = time.monotonic() + 10
        while "/guide/review/" not in access.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=20)
    [line] = [line for line in access.read_text().splitlines() if "/guide/review/" in line]
    assert '"GET /guide/review/ HTTP/1.1" 200' in line
    assert "s=" not in line and token[:40] not in line
    assert leaks(line) == []


@pytest.mark.django_db
def test_a_value_repeated_in_a_forged_post_is_kept_once(client):
    response = client.post("/guide/q/acute_danger/", {"acute_danger": "false"})
    token = response["Location"].split("s=")[1]
    response = client.post(
        "/guide/q/concerns/", {"s": token, "concerns": ["fgm"] * 990 + ["trafficking"]}
    )
    assert response.status_code == 302
    token = response["Location"].split("s=")[1].split("&")[0]
    assert sealing.unseal(token)["concerns"] == ["fgm", "trafficking"]
    assert len(token) < 400
