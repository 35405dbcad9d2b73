"""The bokmål admin at 1280 px in Chromium: the contact list and the contact form fit without
scrolling sideways, no English is left on the pages editors use, and the rule tester opens on
its result."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import running_server
from tests.test_admin_browser import editors_sqlite, log_in  # noqa: F401 (fixture)
from tests.test_browser import shoot

pytestmark = pytest.mark.browser

ENGLISH = ("Start typing to filter", "Show counts", "Access attempts", "Access logs", "Please")


@pytest.fixture(scope="module")
def server_url(editors_sqlite):  # noqa: F811
    """One server for the module: these tests only read."""
    with running_server(editors_sqlite, editors_sqlite.parent / "layout.log") as url:
        yield url


@pytest.fixture
def admin_page(page, server_url):
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, server_url, "admin")
    return page


def fits(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_contact_list_shows_every_column_at_1280(admin_page, server_url):
    admin_page.goto(server_url + "/admin/guidance/contact/")
    assert fits(admin_page)
    box = admin_page.evaluate(
        "(() => { const r = document.querySelector('#changelist .results');"
        " return [r.clientWidth, r.scrollWidth]; })()"
    )
    assert box[1] <= box[0], box
    for heading in ("Sist bekreftet", "Må kontrolleres"):
        assert admin_page.locator("#result_list thead th", has_text=heading).is_visible()
    text = admin_page.inner_text("body")
    assert not [e for e in ENGLISH if e in text]
    shoot(admin_page, "admin-1280-contact-list")


def test_the_contact_form_fits_1280_with_its_phone_and_hours_rows(admin_page, server_url):
    admin_page.goto(server_url + "/admin/guidance/contact/?q=rosa")
    admin_page.click("text=ROSA – hjelpetelefon mot menneskehandel")
    expect(admin_page.locator("#id_change_reason")).to_be_visible()
    assert fits(admin_page)
    shoot(admin_page, "admin-1280-contact-form")


def test_an_invalid_phone_number_is_explained_in_bokmal_only(admin_page, server_url):
    admin_page.goto(server_url + "/admin/guidance/contact/?q=rosa")
    admin_page.click("text=ROSA – hjelpetelefon mot menneskehandel")
    admin_page.fill("#id_phones-0-number", "12ab")
    admin_page.click("input[name=_save]")
    note = admin_page.locator(".errornote").first.inner_text()
    assert note.startswith("Rett feil"), note
    assert "Please" not in admin_page.inner_text("body")


def test_the_rule_tester_opens_on_its_result(admin_page, server_url):
    admin_page.goto(server_url + "/admin/guidance/rule/test/")
    admin_page.select_option("#id_case", "webinar-1-gravid-kvinne")
    admin_page.click("input[value='Hent saken og vis resultatet']")
    admin_page.wait_for_url(re.compile(r"case=webinar-1-gravid-kvinne#resultat$"))
    expect(admin_page.locator("#result-heading")).to_be_visible()
    heading = admin_page.locator("#result-heading")
    top = heading.evaluate("e => e.getBoundingClientRect().top")
    assert 0 <= top < 300, top
    text = admin_page.inner_text("#resultat")
    assert "contains any of" not in text and "(equals " not in text
    shoot(admin_page, "admin-1280-rule-tester-result")
