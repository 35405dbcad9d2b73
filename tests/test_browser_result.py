"""The result in a real browser, for every shared case, on a phone (360 × 740) and a hospital
PC (1280 × 800), in bokmål: "Gjør dette nå" and a number to call on the first screen, axe
finds nothing, a table-of-contents jump is not hidden under the emergency box, and the
printed PDF holds the whole record note."""

import io
import json
import re

import pytest

from tests.conftest import ROOT, axe_violations, manage

pytestmark = pytest.mark.browser

SHARED = ROOT.parent / "shared"
CASE_FILES = sorted((SHARED / "cases").glob("*.yaml")) + sorted(
    (SHARED / "cases-next").glob("*.yaml")
)
WEBINAR_1 = SHARED / "cases" / "webinar-1-gravid-kvinne.yaml"
SIZES = {"phone": (360, 740), "desktop": (1280, 800)}

# Seal each case's answers in the server's own settings (a subprocess with the server's
# environment), as a walk through every question would, without clicking through it.
SEAL = """
import json, yaml
from guidance import content, rules, sealing
from guidance.walk import Walk
snap = content.snapshot()
urls = {}
for path in PATHS:
    doc = yaml.safe_load(open(path, encoding="utf-8"))
    raw = {}
    while (q := rules.first_unanswered(snap.questions, Walk(raw).answers)) is not None:
        spec = rules.FACTS[q.fact]
        value = doc["facts"].get(q.fact, spec.default)
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif spec.kind == "county":
            value = str(value).zfill(2)
        elif isinstance(value, (list, tuple)):
            value = list(value)
        raw[q.fact] = value
    urls[path] = "/guide/result/?s=" + sealing.seal(raw, "")
print(json.dumps(urls))
"""


@pytest.fixture(scope="module")
def result_urls(seeded_sqlite):
    """The result's URL for each case file, by its path."""
    paths = [str(p) for p in CASE_FILES]
    run = manage("shell", "-c", f"PATHS = {paths!r}\n{SEAL}", sqlite_path=seeded_sqlite)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


def open_result(browser, server_url, url, size):
    width, height = SIZES[size]
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="nb-NO", reduced_motion="reduce"
    )
    page = context.new_page()
    page.goto(server_url + url)
    return context, page


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_the_first_screen_says_what_to_do_and_whom_to_call(
    browser, server_url, result_urls, path, size
):
    context, page = open_result(browser, server_url, result_urls[str(path)], size)
    try:
        height = SIZES[size][1]
        heading = page.locator("#do-now-title")
        assert heading.inner_text() == "Gjør dette nå"
        first = page.locator("#do-now ol li").first.bounding_box()
        assert first["y"] + first["height"] <= height, "the list starts below the first screen"
        tel = page.locator("#do-now a[href^='tel:']").first.bounding_box()
        assert tel["y"] + tel["height"] <= height, "no number to call on the first screen"
        assert axe_violations(page) == []
    finally:
        context.close()


@pytest.mark.parametrize("size", SIZES)
def test_a_jump_to_a_section_is_not_hidden_under_the_emergency_box(
    browser, server_url, result_urls, size
):
    context, page = open_result(browser, server_url, result_urls[str(WEBINAR_1)], size)
    try:
        page.click("a[href='#section-contacts']")
        page.wait_for_function("location.hash === '#section-contacts'")
        heading = page.locator("#heading-contacts").bounding_box()
        box = page.locator(".emergency-box").bounding_box()
        assert box["y"] + box["height"] <= heading["y"] < SIZES[size][1] / 2
    finally:
        context.close()


def test_the_printout_holds_the_whole_note_and_no_link_addresses(browser, server_url, result_urls):
    from pypdf import PdfReader

    context, page = open_result(browser, server_url, result_urls[str(WEBINAR_1)], "desktop")
    try:
        note = page.locator("#record-note").input_value()
        pdf = page.pdf(format="A4")
    finally:
        context.close()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    flat = re.sub(r"\s+", "", text)
    missing = [line for line in note.splitlines() if re.sub(r"\s+", "", line) not in flat]
    assert not missing, f"lines of the note missing from the printout: {missing}"
    assert "Kontakter" in text and "Utført" in text
    assert not re.search(r"\(https?://", text), "a link prints its address"
