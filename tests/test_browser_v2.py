"""The version 2 cases in a real browser: a walk of each shared cases-next file, through the
per-concern page, reaches the same result as `evaluate`, and every page passes axe."""

import pytest
import yaml

from tests.conftest import SHARED_NEXT
from tests.test_browser import evaluated, shown, walk

pytestmark = pytest.mark.browser

NEXT_CASES = sorted(SHARED_NEXT.glob("*.yaml"))


@pytest.mark.parametrize("path", NEXT_CASES, ids=lambda p: p.stem)
def test_a_walk_of_each_version_2_case_matches_evaluate(page, server_url, seeded_sqlite, path):
    facts = yaml.safe_load(path.read_text(encoding="utf-8"))["facts"]
    assert walk(page, server_url, facts, f"v2-{path.stem}") == {}
    assert shown(page) == evaluated(seeded_sqlite, path)
