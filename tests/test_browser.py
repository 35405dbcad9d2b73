"""Pages in a real browser: Debian's Chromium through Playwright, checked with axe-core."""

import pytest

from tests.conftest import axe_violations

pytestmark = pytest.mark.browser


def test_the_home_page_renders_and_passes_axe(page, server_url):
    page.goto(server_url + "/")
    assert "Avverge" in page.title()
    assert page.locator("a[href='tel:112']").is_visible()
    assert axe_violations(page) == []
