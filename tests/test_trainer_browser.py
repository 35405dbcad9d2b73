"""Trainer mode in a real browser: keyboard navigation, no-JavaScript links, what-if and axe."""

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.conftest import axe_violations
from tests.test_browser import watch_csp

pytestmark = pytest.mark.browser

WEBINAR_1 = "/trainer/webinar-1-gravid-kvinne"


def outcomes(page, attribute="data-outcome"):
    return page.eval_on_selector_all(
        f"[{attribute}]", f"els => els.map(e => e.getAttribute('{attribute}'))"
    )


def test_the_library_filters_by_concern_and_passes_axe(page, server_url):
    page.goto(server_url + "/trainer/")
    assert axe_violations(page) == []
    everything = page.locator("[data-case]").count()
    assert everything >= 14
    page.select_option("#concern", "trafficking")
    page.click("form.trainer-filter button[type=submit]")
    page.wait_for_url("**/trainer/?concern=trafficking")
    shown = page.locator("[data-case]").count()
    assert 0 < shown < everything
    assert axe_violations(page) == []


def test_a_trainer_presents_webinar_1_from_the_keyboard_alone(page, server_url):
    csp = watch_csp(page)
    page.goto(server_url + WEBINAR_1 + "/present/")
    expect(page.locator("[data-keyboard-hint]")).to_be_visible()  # trainer.js shows it
    assert axe_violations(page) == []
    page.keyboard.press("ArrowRight")
    page.wait_for_url(f"**{WEBINAR_1}/present/1/")
    expect(page.locator("[data-chosen]")).to_have_count(1)
    assert axe_violations(page) == []
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(f"**{WEBINAR_1}/present/")
    for _ in range(20):
        if "/present/result/" in page.url:
            break
        before = page.url
        page.keyboard.press("ArrowRight")
        page.wait_for_url(lambda url, before=before: url != before)
    assert page.url.endswith(f"{WEBINAR_1}/present/result/")
    assert "QUALIFIED_INTERPRETER" in outcomes(page)
    assert csp == []


def test_without_javascript_the_next_link_moves_on(browser, server_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server_url + WEBINAR_1 + "/present/")
    expect(page.locator("[data-keyboard-hint]")).to_be_hidden()
    page.click('a[rel="next"]')
    page.wait_for_url(f"**{WEBINAR_1}/present/1/")
    page.click('a[rel="next"]')
    page.wait_for_url(f"**{WEBINAR_1}/present/2/")
    page.click('a[rel="prev"]')
    page.wait_for_url(f"**{WEBINAR_1}/present/1/")
    context.close()


def test_what_if_without_an_interpreter_marks_the_interpreter_outcomes_gone(page, server_url):
    page.goto(server_url + WEBINAR_1 + "/present/result/")
    assert axe_violations(page) == []
    # In the list the arrow keys belong to the list, not to the presenter's navigation.
    page.focus("#change")
    with pytest.raises(PlaywrightTimeout), page.expect_navigation(timeout=1000):
        page.keyboard.press("ArrowLeft")
    page.select_option("#change", "needs_interpreter=false")
    page.click("form.what-if button[type=submit]")
    page.wait_for_url("**change=needs_interpreter%3Dfalse")
    assert "QUALIFIED_INTERPRETER" not in outcomes(page)
    assert outcomes(page, "data-removed-outcome") == [
        "QUALIFIED_INTERPRETER",
        "NO_COMPANION_INTERPRETER",
    ]
    removed = page.locator("[data-removed-outcome]").first
    expect(removed).to_have_text(re.compile("^Borte"), use_inner_text=True)
    assert axe_violations(page) == []


def test_the_presenter_fits_a_360_pixel_screen(browser, server_url):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    for path in ("/trainer/", f"{WEBINAR_1}/present/2/", f"{WEBINAR_1}/present/result/"):
        page.goto(server_url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} scrolls sideways ({width}px)"
    context.close()
