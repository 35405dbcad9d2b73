"""The Bootstrap subset (make css) holds every Bootstrap class the public templates use."""

import re

from tests.conftest import ROOT

BOOTSTRAP = ROOT / "static" / "vendor" / "bootstrap"
TEMPLATES = sorted(ROOT.glob("templates/jinja2/**/*.html"))


def classes_in_templates():
    found = set()
    for path in TEMPLATES:
        for value in re.findall(r'class="([^"]*)"', path.read_text(encoding="utf-8")):
            value = re.sub(r"\{%.*?%\}|\{\{.*?\}\}", " ", value)  # names built from data
            found |= {name for name in value.split() if re.fullmatch(r"[a-z][a-z0-9-]*", name)}
    return found


def defines(css, name):
    return re.search(rf"\.{re.escape(name)}(?![\w-])", css) is not None


def test_the_subset_has_every_bootstrap_class_a_template_uses():
    full = (BOOTSTRAP / "bootstrap.min.css").read_text(encoding="utf-8")
    subset = (BOOTSTRAP / "bootstrap.subset.css").read_text(encoding="utf-8")
    used = classes_in_templates()
    assert len(used) > 50
    missing = sorted(n for n in used if defines(full, n) and not defines(subset, n))
    assert not missing, f"run `make css`: the Bootstrap subset lacks {missing}"


def test_the_pages_link_the_subset_and_not_the_full_bootstrap():
    base = (ROOT / "templates" / "jinja2" / "base.html").read_text(encoding="utf-8")
    assert "bootstrap.subset.css" in base
    assert "bootstrap.min.css" not in base
