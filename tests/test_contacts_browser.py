"""In Chromium: the radios' and checkboxes' edges have 3:1 contrast, the 112/113 buttons are
big enough to hit on a phone, and the contact cards fit a 360 px screen."""

import re

import pytest

from tests.test_browser import shoot, walk

pytestmark = pytest.mark.browser

TRONDELAG_CHILD = {
    "concerns": ["child_maltreatment"],
    "timing": "ongoing",
    "county": "50",
    "person_age": "child_under_14",
}


def luminance(rgb):
    def channel(c):
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_on_white(css_colour):
    rgb = [int(x) for x in re.findall(r"\d+", css_colour)[:3]]
    return (1.05) / (luminance(rgb) + 0.05)


def test_radio_and_checkbox_edges_have_3_to_1_contrast_and_labels_keep_a_gap(page, server_url):
    page.goto(server_url + "/")
    page.click('[data-action="start"]')
    page.wait_for_url(re.compile("/guide/q/"))
    checked = []
    for kind in ("radio", "checkbox"):
        inputs = page.locator(f"input.form-check-input[type={kind}]")
        if not inputs.count():
            continue
        checked.append(kind)
        colour = inputs.first.evaluate("e => getComputedStyle(e).borderTopColor")
        assert contrast_on_white(colour) >= 3, (kind, colour)
        # From the control's right edge to the first letter of its label (the text, not the
        # label's box, which starts under the control).
        gap = inputs.first.evaluate(
            "e => { const r = document.createRange();"
            " r.selectNodeContents(e.parentElement.querySelector('.form-check-label'));"
            " return r.getClientRects()[0].left - e.getBoundingClientRect().right; }"
        )
        assert gap >= 4, (kind, gap)
    assert checked, "the first question has neither radios nor checkboxes"
    shoot(page, "contacts-question-controls")


@pytest.mark.parametrize("width", [360, 1280])
def test_the_emergency_buttons_are_at_least_44_px_tall(page, server_url, width):
    page.set_viewport_size({"width": width, "height": 740})
    page.goto(server_url + "/")
    for number in ("112", "113"):
        box = page.locator(f".emergency-box a[href='tel:{number}']").bounding_box()
        assert box["height"] >= 44, (number, box)


def test_the_contact_cards_fit_a_phone_and_say_how_to_reach_each_service(page, server_url):
    page.set_viewport_size({"width": 360, "height": 740})
    walk(page, server_url, TRONDELAG_CHILD, "contacts-360-trondelag-child", check_axe=False)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    cards = page.locator("article.contact")
    assert cards.count() > 0
    for i in range(cards.count()):
        card = cards.nth(i)
        reachable = card.locator("a[href^='tel:'], a[href^='mailto:'], a[href^='http']")
        assert reachable.count() > 0, card.get_attribute("data-contact")
    barnehus = page.locator("[data-contact='statens-barnehus']")
    if barnehus.count():
        assert "22 70 56 50" not in barnehus.inner_text()
    page.locator("#section-contacts").screenshot(path="screenshots/contacts-360-cards.png")
