"""Fewer pages in a real browser (issue 9): every shared case on a 360 px phone, with
JavaScript, within eight pages from the start page to the result, the progress never going
back, axe clean on every page (acute ones included), and the error summary in view."""

import pytest
import yaml
from playwright.sync_api import expect

from tests.conftest import SHARED_CASES, SHARED_NEXT, axe_violations
from tests.test_browser import answer_current_question, click_to_next_page, evaluated, shoot, shown

pytestmark = pytest.mark.browser

SHARED = sorted(SHARED_CASES.glob("*.yaml")) + sorted(SHARED_NEXT.glob("*.yaml"))
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "locale": "nb-NO"}


def walk_by_pages(page, server_url, facts, name, check_axe=True):
    """Start to result through the real buttons; returns the pages passed as
    (key, topic number) and axe's findings by page."""
    found, passed = {}, []
    page.goto(server_url + "/")
    click_to_next_page(page, '[data-action="start"]')
    while "/guide/q/" in page.url:
        key = answer_current_question(page, facts)
        passed.append((key, int(page.locator("progress").get_attribute("value"))))
        found[key] = axe_violations(page) if check_axe else []
        shoot(page, f"{name}-{len(passed):02d}-{key}")
        click_to_next_page(page, '[data-action="next"]')
        assert len(passed) < 12, "the walk does not end"
    assert "/guide/review/" in page.url
    found["review"] = axe_violations(page) if check_axe else []
    click_to_next_page(page, '[data-action="next"]')
    assert "/guide/result/" in page.url
    found["result"] = axe_violations(page) if check_axe else []
    return passed, {k: v for k, v in found.items() if v}


@pytest.fixture
def phone(browser, server_url):
    context = browser.new_context(**PHONE)
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("path", SHARED, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_each_shared_case_on_a_phone_takes_at_most_eight_pages_and_passes_axe(
    phone, server_url, seeded_sqlite, path
):
    facts = yaml.safe_load(path.read_text(encoding="utf-8"))["facts"]
    passed, violations = walk_by_pages(phone, server_url, facts, f"pages-{path.stem}")
    assert violations == {}
    assert len(passed) + 1 <= 8, passed  # question pages and the review
    steps = [step for _, step in passed]
    assert steps == sorted(steps), f"the progress went backwards: {passed}"
    assert shown(phone) == evaluated(seeded_sqlite, path)


@pytest.mark.parametrize("path", SHARED, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_each_shared_case_without_javascript_takes_at_most_eight_pages(
    browser, server_url, seeded_sqlite, path
):
    context = browser.new_context(java_script_enabled=False, **PHONE)
    page = context.new_page()
    facts = yaml.safe_load(path.read_text(encoding="utf-8"))["facts"]
    passed, _ = walk_by_pages(page, server_url, facts, f"nojs-{path.stem}", check_axe=False)
    assert len(passed) + 1 <= 8, passed
    assert [s for _, s in passed] == sorted(s for _, s in passed)
    assert shown(page) == evaluated(seeded_sqlite, path)
    context.close()


def test_the_second_walk_on_a_device_skips_the_county(phone, server_url):
    facts = yaml.safe_load((SHARED_CASES / "webinar-1-gravid-kvinne.yaml").read_text())["facts"]
    first, _ = walk_by_pages(phone, server_url, facts, "county-first")
    second, _ = walk_by_pages(phone, server_url, facts, "county-second")
    assert first[-1][0] == "county" and "county" not in [k for k, _ in second]
    cookie = next(c for c in phone.context.cookies() if c["name"] == "avverge_county")
    assert cookie["value"] == str(facts["county"]).zfill(2)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"


def test_after_acute_danger_the_question_stays_on_the_first_screen(phone, server_url):
    phone.goto(server_url + "/guide/")
    phone.check('input[name="acute_danger"][value="true"]')
    click_to_next_page(phone, '[data-action="next"]')
    box = phone.locator(".acute-compact").bounding_box()
    assert box["height"] < 80, box  # one line: the numbers and "what to do", folded
    expect(phone.locator(".acute-compact a.btn[href='tel:112']")).to_be_in_viewport()
    expect(phone.locator("h1")).to_be_in_viewport()
    expect(phone.locator("input[name='concerns']").first).to_be_in_viewport()
    assert axe_violations(phone) == []
    phone.click(".acute-compact summary")
    expect(phone.locator(".acute-compact ol")).to_be_visible()
    assert axe_violations(phone) == []


def test_an_error_brings_the_summary_into_view_and_its_link_to_the_field(phone, server_url):
    phone.goto(server_url + "/guide/")
    phone.check('input[name="acute_danger"][value="true"]')
    click_to_next_page(phone, '[data-action="next"]')
    phone.check('input[name="concerns"][value="fgm"]')
    click_to_next_page(phone, '[data-action="next"]')
    phone.check('input[name="pregnant"][value="false"]')
    phone.click('[data-action="next"]')
    summary = phone.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    assert axe_violations(phone) == []
    expect(phone.locator('input[name="pregnant"][value="false"]')).to_be_checked()
    summary.locator("a").first.click()
    expect(phone.locator("#person_age-0")).to_be_focused()
    expect(phone.locator("#person_age-0")).to_be_in_viewport()


def test_the_change_links_of_the_review_line_up_on_a_phone(phone, server_url):
    facts = yaml.safe_load((SHARED_CASES / "webinar-1-gravid-kvinne.yaml").read_text())["facts"]
    walk_by_pages(phone, server_url, facts, "review-links")
    phone.go_back()
    assert "/guide/review/" in phone.url
    rights = phone.eval_on_selector_all(
        ".review-change", "els => els.map(e => Math.round(e.getBoundingClientRect().right))"
    )
    assert len(set(rights)) == 1, rights
