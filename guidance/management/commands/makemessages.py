"""Django's ``makemessages``, which reads the Jinja2 templates (templates/jinja2/) too.

Django turns its own templates into Python for xgettext; it cannot read Jinja2's. This command
does the same for a Jinja2 template with Jinja2's own extractor (``jinja2.ext.babel_extract``):
each string the template translates (``_()``, ``gettext``, ``ngettext``, ``{% trans %}``)
becomes a ``gettext`` or ``ngettext`` call on the template's own line, so the strings land in
the one catalogue (locale/*/django.po) with their template and line, as the others do.

    python manage.py makemessages -l nb -l en
"""

from pathlib import Path

from django.core.management.commands import makemessages
from django.template import engines
from jinja2.ext import babel_extract

KEYWORDS = ("_", "gettext", "ngettext")


def jinja_folders():
    return [Path(folder).resolve() for folder in engines["jinja2"].template_dirs]


def as_python(source):
    """The template's translated strings as Python calls, each on the template's line."""
    calls: dict[int, list[str]] = {}
    found = babel_extract(source, KEYWORDS, [], {"extensions": "guidance.jinja.Fragments"})
    for line, function, message, _comments in found:
        # A call's strings, with None for each argument that is not one (the count, the
        # values of ``_("Question %(step)s", step=…)``).
        strings = message if isinstance(message, tuple) else (message,)
        if function == "ngettext":
            call = f"ngettext({strings[0]!r}, {strings[1]!r}, n)"
        else:
            call = f"gettext({strings[0]!r})"
        calls.setdefault(line, []).append(call)
    last = max(calls, default=0)
    return "\n".join("; ".join(calls.get(n, ())) for n in range(1, last + 1)) + "\n"


class JinjaFile(makemessages.BuildFile):
    @property
    def is_jinja(self):
        path = Path(self.path).resolve()
        return any(path.is_relative_to(folder) for folder in jinja_folders())

    def preprocess(self):
        if not self.is_templatized or not self.is_jinja:
            return super().preprocess()
        with open(self.path, "rb") as source, open(self.work_path, "w", encoding="utf-8") as out:
            out.write(as_python(source))


class Command(makemessages.Command):
    build_file_class = JinjaFile
