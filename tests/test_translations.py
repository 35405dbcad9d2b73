"""The public pages' strings reach the catalogue: Jinja2's templates are read by makemessages
(guidance/management/commands/makemessages.py) and every string they translate is in bokmål."""

import ast
import re
from pathlib import Path

import pytest
from django.utils import translation

from guidance.management.commands.makemessages import JinjaFile, as_python
from tests.conftest import ROOT

JINJA = sorted((ROOT / "templates" / "jinja2").rglob("*.html"))
CALL = re.compile(r"""(n?gettext)\(('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")


def strings(path):
    """The msgids that makemessages takes from a template, by way of the Python it writes."""
    with open(path, "rb") as source:
        return [ast.literal_eval(literal) for _kind, literal in CALL.findall(as_python(source))]


def test_the_templates_are_read_line_by_line(tmp_path):
    template = tmp_path / "t.html"
    template.write_bytes(
        b'<p>{{ _("One") }}</p>\n{% fixedpart "x" %}{{ _("Two %(n)s", n=2) }}{% endfixedpart %}\n'
        b"{% trans trimmed count=k %}\n  a {{ count }}\n"
        b"{% pluralize count %}b {{ count }}{% endtrans %}\n"
    )
    with open(template, "rb") as source:
        written = as_python(source).splitlines()
    assert written == [
        "gettext('One')",
        "gettext('Two %(n)s')",
        "ngettext('a %(count)s', 'b %(count)s', n)",
    ]


def test_makemessages_reads_the_jinja_templates_with_jinja(settings):
    class Translatable:
        file, dirpath = "home.html", str(ROOT / "templates" / "jinja2" / "guidance")
        path = str(Path(dirpath) / file)

    built = JinjaFile(None, "django", Translatable())
    assert built.is_templatized and built.is_jinja


@pytest.mark.parametrize("path", JINJA, ids=lambda p: str(p.relative_to(ROOT / "templates")))
def test_every_string_a_page_translates_is_in_bokmal(path):
    missing = []
    with translation.override("nb"):
        for msgid in strings(path):
            if translation.gettext(msgid) == msgid and msgid not in SAME_IN_BOTH:
                missing.append(msgid)
    assert missing == []


# Words that are the same in bokmål (checked against the catalogue by hand).
SAME_IN_BOTH = {"For:"}
