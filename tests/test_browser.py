"""Pages in a real browser: Debian's Chromium through Playwright, checked with axe-core.

Screenshots of every page go to screenshots/ (not committed) for a person to look at.
"""

import json
import re

import pytest
import yaml
from playwright.sync_api import expect

from guidance import rules
from tests.conftest import ROOT, SHARED_CASES, axe_violations, manage

pytestmark = pytest.mark.browser

SHOTS = ROOT / "screenshots"
WEBINAR_1 = SHARED_CASES / "webinar-1-gravid-kvinne.yaml"


def shoot(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def watch_csp(page):
    """Collect Content Security Policy violations the browser reports on the console."""
    found = []
    page.on(
        "console",
        lambda msg: found.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return found


def answer_current_question(page, facts):
    """Answer every question on the page on screen with the case's values (neutral ones for
    facts left out). On the per-concern page (several concerns), a per-concern answer opens
    "each concern separately" and is given there; one value for all goes in "the same for all".
    Returns the page's key (its first question's)."""
    key = page.url.split("/guide/q/")[1].split("/")[0]
    names = page.eval_on_selector_all(
        "main form input[name], main form select[name]",
        "els => [...new Set(els.map(e => e.name))]",
    )
    for fact in dict.fromkeys(n.partition(":")[0] for n in names):
        if fact not in rules.FACTS:
            continue
        spec = rules.FACTS[fact]
        value = facts.get(fact, spec.default)
        if isinstance(value, dict):
            if page.locator("details.per-concern").get_attribute("open") is None:
                page.click("details.per-concern > summary")
            for concern, item in value.items():
                page.check(f'input[name="{fact}:{concern}"][value="{item}"]')
        elif spec.kind == "list":
            for item in value:
                page.check(f'input[name="{fact}"][value="{item}"]')
        elif spec.kind == "county":
            page.select_option(f'select[name="{fact}"]', str(value).zfill(2))
        else:
            if isinstance(value, bool):
                value = "true" if value else "false"
            elif fact == "children_in_household" and isinstance(facts.get(fact), bool):
                value = "yes" if facts[fact] else "no"
            page.check(f'input[name="{fact}"][value="{value}"]')
    return key


def click_to_next_page(page, selector):
    """Click a button that leaves the page, and wait until the next page has loaded.

    page.click() waits only for a navigation the browser has announced by the time the click
    returns; a form's submission can start later, and then page.url and axe would still see
    the old page."""
    before = page.url
    page.click(selector)
    page.wait_for_url(lambda url: url != before)


def walk(page, server_url, facts, name, check_axe=True):
    """Walk the guide from the start page to the result, through the real buttons."""
    violations = {}
    page.goto(server_url + "/")
    if check_axe:
        violations["start"] = axe_violations(page)
    shoot(page, f"{name}-00-start")
    click_to_next_page(page, '[data-action="start"]')
    step = 0
    while "/guide/q/" in page.url:
        step += 1
        key = answer_current_question(page, facts)
        if check_axe:
            violations[key] = axe_violations(page)
        shoot(page, f"{name}-{step:02d}-{key}")
        click_to_next_page(page, '[data-action="next"]')
        assert step < 20, "the walk does not end"
    assert "/guide/review/" in page.url
    if check_axe:
        violations["review"] = axe_violations(page)
    shoot(page, f"{name}-{step + 1:02d}-review")
    click_to_next_page(page, '[data-action="next"]')
    assert "/guide/result/" in page.url
    if check_axe:
        violations["result"] = axe_violations(page)
    shoot(page, f"{name}-{step + 2:02d}-result")
    return {k: v for k, v in violations.items() if v}


def evaluated(seeded_sqlite, path):
    run = manage("evaluate", str(path), sqlite_path=seeded_sqlite)
    doc = json.loads(run.stdout)
    return {o["code"] for o in doc["outcomes"]}, [c["slug"] for c in doc["contacts"]]


def shown(page):
    outcomes = page.eval_on_selector_all("[data-outcome]", "els => els.map(e => e.dataset.outcome)")
    contacts = page.eval_on_selector_all("[data-contact]", "els => els.map(e => e.dataset.contact)")
    return set(outcomes), contacts


def test_the_home_page_renders_and_passes_axe(page, server_url):
    page.goto(server_url + "/")
    assert "Avverge" in page.title()
    assert page.locator("a[href='tel:112']").is_visible()
    assert axe_violations(page) == []


def test_a_walk_with_javascript_matches_evaluate_and_every_page_passes_axe(
    page, server_url, seeded_sqlite
):
    csp = watch_csp(page)
    facts = yaml.safe_load(WEBINAR_1.read_text(encoding="utf-8"))["facts"]
    assert walk(page, server_url, facts, "desktop") == {}
    assert shown(page) == evaluated(seeded_sqlite, WEBINAR_1)
    # JavaScript adds the copy and print buttons; the note stays selectable either way.
    copy = page.locator("[data-copy-target=record-note]")
    expect(copy).to_be_visible()
    copy.click()
    # The status is set when the clipboard's promise settles, after the click has returned.
    status = page.locator("[data-copy-status]")
    said = (status.get_attribute("data-copied-text"), status.get_attribute("data-failed-text"))
    expect(status).to_have_text(re.compile("^(" + "|".join(map(re.escape, said)) + ")$"))
    assert csp == []


def test_a_walk_without_javascript_works_and_the_note_is_selectable(
    browser, server_url, seeded_sqlite
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    facts = yaml.safe_load(WEBINAR_1.read_text(encoding="utf-8"))["facts"]
    walk(page, server_url, facts, "nojs", check_axe=False)
    assert shown(page) == evaluated(seeded_sqlite, WEBINAR_1)
    note = page.locator("#record-note")
    expect(note).to_be_visible()
    assert "strl § 196" in note.input_value()
    expect(page.locator("[data-copy-target=record-note]")).to_be_hidden()
    context.close()


def test_the_guide_fits_a_360_pixel_phone_screen(browser, server_url):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    facts = yaml.safe_load(WEBINAR_1.read_text(encoding="utf-8"))["facts"]
    assert walk(page, server_url, facts, "phone") == {}
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the result page scrolls sideways ({width}px)"
    context.close()


def test_the_guide_works_with_the_keyboard_alone(page, server_url):
    page.goto(server_url + "/")
    for _ in range(15):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.action") == "start":
            break
    page.keyboard.press("Enter")
    page.wait_for_url("**/guide/q/acute_danger/")
    for _ in range(15):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "acute_danger":
            break
    page.keyboard.press("Space")
    page.keyboard.press("Enter")
    page.wait_for_url("**/guide/q/concerns/**")
    expect(page.locator("h1").first).to_be_visible()


def test_the_english_guide_is_in_english(browser, server_url):
    context = browser.new_context(locale="nb-NO")
    page = context.new_page()
    page.goto(server_url + "/")
    # The switch posts and comes back to the same address, so wait for the language itself
    # (wait_for_load_state() would have returned at once, on the page still showing).
    page.click("button[name='language'][value='en']")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.click('[data-action="start"]')
    expect(page.locator("h1")).to_contain_text("immediate danger", ignore_case=True)
    context.close()


def test_strangers_see_a_strict_content_security_policy(page, server_url):
    response = page.goto(server_url + "/guide/q/acute_danger/")
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
