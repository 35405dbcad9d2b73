"""Trainer mode in a real browser: a keyboard-only webinar run (ask the room, reveal, what-if),
no-JavaScript links, search, and axe on every trainer page."""

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.conftest import BROWSER_TIMEOUT_MS, axe_violations
from tests.test_browser import watch_csp

pytestmark = pytest.mark.browser

WEBINAR_1 = "/trainer/webinar-1-gravid-kvinne"
SESSION = "session=webinar-avvergingsplikt"

# What the keyboard run reads on screen, per interface language.
WORDS = {
    "nb-NO": {
        "answer": "Sakens svar",
        "ask": "Hva tror dere?",
        "prompt": "Svigermoren tilbyr seg å tolke",
        "change": "Ja, tolk trengs → Nei, vi forstår hverandre godt på norsk",
        "removed": "Fjernet",
    },
    "en-GB": {
        "answer": "The case's answer",
        "ask": "What do you think?",
        "prompt": "The mother-in-law offers to interpret",
        "change": "Yes, an interpreter is needed → No",
        "removed": "Removed",
    },
}


def outcomes(page, attribute="data-outcome"):
    return page.eval_on_selector_all(
        f"[{attribute}]", f"els => els.map(e => e.getAttribute('{attribute}'))"
    )


def focused(page):
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return e ? (e.id || e.name || e.textContent.trim()) : ''; }"
    )


def tab_to(page, matches, limit=40):
    """Press Tab until the focused element matches; return how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if matches(focused(page)):
            return presses
    raise AssertionError(f"never reached by Tab; last focused: {focused(page)!r}")


def press_and_wait(page, key, url_part):
    before = page.url
    page.keyboard.press(key)
    page.wait_for_url(lambda url: url != before and url_part in url)


@pytest.fixture
def browse(browser, server_url):
    """A page in the given locale, failing on any request to another host."""
    contexts = []

    def open_page(locale="nb-NO", **options):
        options = {"viewport": {"width": 1280, "height": 900}, **options}
        context = browser.new_context(locale=locale, **options)
        context.set_default_timeout(BROWSER_TIMEOUT_MS)
        foreign = []
        context.route(
            "**/*",
            lambda route: (
                route.continue_()
                if route.request.url.startswith(server_url)
                else (foreign.append(route.request.url), route.abort())
            ),
        )
        contexts.append((context, foreign))
        return context.new_page()

    yield open_page
    for context, foreign in contexts:
        context.close()
        assert not foreign, f"requests left the server's own host: {foreign}"


@pytest.mark.parametrize("locale", ["nb-NO", "en-GB"])
def test_a_trainer_runs_webinar_1_from_the_keyboard_alone(browse, server_url, locale):
    words = WORDS[locale]
    page = browse(locale)
    csp = watch_csp(page)
    page.goto(server_url + "/trainer/")

    # From the library to the presenter of webinar case 1: skip link, then the first link.
    presses = 0
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    presses += 2
    presses += tab_to(page, lambda name: name.startswith(("Presenter", "Present")))
    press_and_wait(page, "Enter", f"{WEBINAR_1}/present/")
    presses += 1
    assert presses <= 5
    assert page.url.endswith(f"{WEBINAR_1}/present/?{SESSION}")
    expect(page.locator("[data-keyboard-hint]")).to_be_visible()  # trainer.js runs
    expect(page.locator("h1")).to_contain_text(
        "Gravid kvinne" if locale == "nb-NO" else "A pregnant woman"
    )

    # Each step: the question and its answers, no answer marked, until → reveals it.
    step = 0
    while True:
        press_and_wait(page, "ArrowRight", "/present/")
        if "/present/ask/" in page.url:
            break
        step += 1
        assert re.search(rf"/present/{step}/\?{SESSION}$", page.url), page.url
        expect(page.locator(".presenter-option").first).to_be_visible()
        expect(page.locator("[data-chosen]")).to_have_count(0)
        assert words["answer"] not in page.content()
        if step == 11:  # needs_interpreter: the case's prompt is on screen in this language
            expect(page.locator(".presenter-prompt")).to_contain_text(words["prompt"])
        if step == 1:
            assert axe_violations(page) == []
        press_and_wait(page, "ArrowRight", "reveal=1")
        expect(page.locator("[data-chosen]").first).to_contain_text(words["answer"])
    assert step == 13

    # Ask the room, then reveal: each question beside its answer.
    expect(page.locator("h1")).to_have_text(words["ask"])
    expect(page.locator("[data-room-question]")).to_have_count(3)
    assert axe_violations(page) == []
    press_and_wait(page, "ArrowRight", "/present/result/")
    expect(page.locator('[data-room="avert"] [data-room-outcome="AVERT_DUTY"]')).to_be_visible()
    interpreter = page.locator('[data-room="interpreter"] [data-room-outcome]')
    expect(interpreter).to_have_count(2)

    # What-if by question: choose "needs an interpreter", then its other answer.
    tab_to(page, lambda name: name == "what-if-q")
    for _ in range(20):
        if page.eval_on_selector("#what-if-q", "e => e.value") == "needs_interpreter":
            break
        page.keyboard.press("ArrowDown")
    assert page.eval_on_selector("#what-if-q", "e => e.value") == "needs_interpreter"
    tab_to(page, lambda name: name in ("Vis svarene", "Show its answers"))
    press_and_wait(page, "Enter", "q=needs_interpreter")
    tab_to(page, lambda name: name == "change-1")
    tab_to(page, lambda name: name in ("Vis det nye resultatet", "Show the new result"))
    press_and_wait(page, "Enter", "change=needs_interpreter%3Dfalse")

    # The interpreter outcomes go, in the result and beside the room's question.
    expect(page.locator("[data-changed]")).to_contain_text(words["change"])
    expect(interpreter).to_have_count(0)
    assert outcomes(page, "data-removed-outcome") == [
        "QUALIFIED_INTERPRETER",
        "NO_COMPANION_INTERPRETER",
    ]
    assert "QUALIFIED_INTERPRETER" not in outcomes(page)
    removed = page.locator("[data-removed-outcome]").first
    expect(removed).to_have_text(re.compile(f"^{words['removed']}"), use_inner_text=True)
    assert axe_violations(page) == []
    assert csp == []


def test_without_javascript_the_links_move_on_and_reveal(browse, server_url):
    page = browse(java_script_enabled=False)
    page.goto(server_url + WEBINAR_1 + "/present/")
    expect(page.locator("[data-keyboard-hint]")).to_be_hidden()
    page.click('a[rel="next"]')
    page.wait_for_url(f"**{WEBINAR_1}/present/1/")
    expect(page.locator("[data-chosen]")).to_have_count(0)
    page.click('a[rel="next"]')
    page.wait_for_url(f"**{WEBINAR_1}/present/1/?reveal=1")
    expect(page.locator("[data-chosen]")).to_have_count(1)
    page.click('a[rel="next"]')
    page.wait_for_url(f"**{WEBINAR_1}/present/2/")
    page.click('a[rel="prev"]')
    page.wait_for_url(f"**{WEBINAR_1}/present/1/?reveal=1")


def test_the_library_search_and_filter_work_without_javascript(browse, server_url):
    page = browse(java_script_enabled=False)
    page.goto(server_url + "/trainer/")
    everything = page.locator("[data-case]").count()
    assert everything >= 14
    page.fill("#q", "svigermoren")
    page.press("#q", "Enter")
    page.wait_for_url("**/trainer/?q=svigermoren*")
    expect(page.locator("[data-case]")).to_have_count(1)
    expect(page.locator('[data-case="webinar-1-gravid-kvinne"]')).to_be_visible()
    page.fill("#q", "")
    page.select_option("#concern", "trafficking")
    page.click("form.trainer-filter button[type=submit]")
    page.wait_for_url("**concern=trafficking")
    shown = page.locator("[data-case]").count()
    assert 0 < shown < everything


def test_the_arrow_keys_belong_to_the_what_if_fields(page, server_url):
    page.goto(server_url + WEBINAR_1 + "/present/result/?q=likelihood")
    expect(page.locator("[data-keyboard-hint]")).to_be_visible()
    page.focus("#what-if-q")
    with pytest.raises(PlaywrightTimeout), page.expect_navigation(timeout=1000):
        page.keyboard.press("ArrowLeft")
    page.focus("#change-1")
    with pytest.raises(PlaywrightTimeout), page.expect_navigation(timeout=1000):
        page.keyboard.press("ArrowRight")


TRAINER_PAGES = [
    "/trainer/",
    "/trainer/?q=gravid&concern=trafficking",
    "/trainer/sessions/webinar-avvergingsplikt/",
    f"{WEBINAR_1}/present/?{SESSION}",
    f"{WEBINAR_1}/present/2/",
    f"{WEBINAR_1}/present/2/?reveal=1",
    f"{WEBINAR_1}/present/13/",
    f"{WEBINAR_1}/present/ask/",
    f"{WEBINAR_1}/present/result/",
    f"{WEBINAR_1}/present/result/?q=likelihood",
    f"{WEBINAR_1}/present/result/?change=needs_interpreter%3Dfalse",
    "/trainer/webinar-2-mann-arbeidsskade/present/result/?q=person_age",
]


@pytest.mark.parametrize("locale", ["nb-NO", "en-GB"])
def test_every_trainer_page_passes_axe(browse, server_url, locale):
    page = browse(locale)
    for path in TRAINER_PAGES:
        page.goto(server_url + path)
        assert axe_violations(page) == [], path


def test_the_presenter_fits_a_360_pixel_screen(browse, server_url):
    page = browse(viewport={"width": 360, "height": 740}, is_mobile=True)
    for path in TRAINER_PAGES:
        page.goto(server_url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} scrolls sideways ({width}px)"
