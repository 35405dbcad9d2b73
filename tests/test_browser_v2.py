"""The version 2 cases in a real browser: a walk of each shared cases-next file, through the
per-concern page, reaches the same result as `evaluate`, and every page passes axe."""

import pytest
import yaml

from guidance import rules
from tests.conftest import SHARED_NEXT, axe_violations
from tests.test_browser import evaluated, shoot, shown

pytestmark = pytest.mark.browser

NEXT_CASES = sorted(SHARED_NEXT.glob("*.yaml"))


def answer_page(page, facts):
    """Answer the page on screen with the case's values (neutral ones for facts left out). On
    the per-concern page, a per-concern answer opens "each concern separately"."""
    key = page.url.split("/guide/q/")[1].split("/")[0]
    if page.locator("[data-per-concern]").count():
        for fact in rules.PER_CONCERN_FACTS:
            value = facts.get(fact, rules.FACTS[fact].default)
            if isinstance(value, dict):
                details = page.locator("details.per-concern")
                if details.get_attribute("open") is None:
                    page.click("details.per-concern > summary")
                for concern, item in value.items():
                    page.check(f'input[name="{fact}:{concern}"][value="{item}"]')
            else:
                page.check(f'input[name="{fact}"][value="{value}"]')
        return key
    spec = rules.FACTS[key]
    value = facts.get(key, spec.default)
    if spec.kind == "list":
        for item in value:
            page.check(f'input[name="{key}"][value="{item}"]')
    elif spec.kind == "county":
        page.select_option(f'select[name="{key}"]', str(value).zfill(2))
    else:
        if isinstance(value, bool):
            value = "true" if value else "false"
        page.check(f'input[name="{key}"][value="{value}"]')
    return key


@pytest.mark.parametrize("path", NEXT_CASES, ids=lambda p: p.stem)
def test_a_walk_of_each_version_2_case_matches_evaluate(page, server_url, seeded_sqlite, path):
    facts = yaml.safe_load(path.read_text(encoding="utf-8"))["facts"]
    page.goto(server_url + "/guide/")
    violations = {}
    for step in range(1, 25):
        if "/guide/q/" not in page.url:
            break
        key = answer_page(page, facts)
        violations[key] = axe_violations(page)
        shoot(page, f"v2-{path.stem}-{step:02d}-{key}")
        with page.expect_navigation():
            page.click('[data-action="next"]')
    assert "/guide/review/" in page.url
    shoot(page, f"v2-{path.stem}-review")
    with page.expect_navigation():
        page.click('[data-action="next"]')
    assert "/guide/result/" in page.url
    violations["result"] = axe_violations(page)
    shoot(page, f"v2-{path.stem}-result")
    outcomes, contacts = evaluated(seeded_sqlite, path)
    assert shown(page) == (outcomes, contacts)
    assert not {k: v for k, v in violations.items() if v}
