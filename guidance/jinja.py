"""The public pages' template engine: Jinja2, set up to read like Django's templates.

The guide's and the trainer's pages, and the error pages, are Jinja2 templates in
templates/jinja2/ (the admin keeps Django's). A page that shows a walk is rendered for every
request, and Jinja2 compiles a template to Python once where Django's engine walks a tree of
nodes on every render: on the result page that was most of the request (issue 11).

What the templates get besides their context (settings.TEMPLATES, "jinja2"):

- ``_()``, ``gettext()``, ``ngettext()`` and ``{% trans %}``: Django's translations, so the
  strings live in the one catalogue (locale/*/django.po); ``makemessages`` reads these
  templates with Jinja2's own extractor (guidance/management/commands/makemessages.py).
- ``static()``, ``url()``, ``current_language()`` (the page's language code), ``get_messages()``,
  and ``result_sections()`` (guidance/cards.py).
- the filters ``linebreaksbr`` and ``date``, as Django's.
- ``{% fixedpart "name" %}`` and ``{% contentcache "name", key… %}``: parts rendered once and
  taken from memory (guidance/pagecache.fragments), below.
- the filter ``marked`` and the skeletons of the question pages (``skeleton`` and ``fill``):
  a page rendered once per content version, language and set of questions, with holes where
  the walk's values go, below.
"""

import re

from django.contrib.messages import get_messages
from django.core.signals import setting_changed
from django.db import DatabaseError
from django.dispatch import receiver
from django.template import defaultfilters
from django.template.backends import jinja2 as django_jinja2
from django.template.loader import get_template
from django.templatetags.static import static
from django.test.signals import template_rendered
from django.urls import reverse
from django.utils import translation
from jinja2 import ChainableUndefined, Environment, nodes
from jinja2.ext import Extension
from markupsafe import Markup

from . import content
from .pagecache import fragments


def url(name, *args):
    return reverse(name, args=args)


def linebreaksbr(value):
    return Markup(defaultfilters.linebreaksbr(value, autoescape=True))


class Pages(Environment):
    def getattr(self, obj, attribute):
        """``a.b`` reads a dict's key first, as Django's templates do: the views hand the pages
        dicts, and Jinja2's own order (the attribute, then the key) raises and catches an
        AttributeError for each, which cost a third of a page's rendering."""
        if type(obj) is dict and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)


def environment(**options):
    from . import cards  # it renders with this module's parts

    options.setdefault("undefined", ChainableUndefined)  # a missing value is empty, as in Django
    env = Pages(extensions=["jinja2.ext.i18n", Fragments], **options)
    env.install_gettext_callables(  # added by the i18n extension
        translation.gettext, translation.ngettext, newstyle=True
    )
    env.globals.update(
        static=static,
        url=url,
        current_language=translation.get_language,
        get_messages=get_messages,
        result_sections=cards.sections,
    )
    env.filters.update(linebreaksbr=linebreaksbr, date=defaultfilters.date, marked=marked)
    return env


class Template(django_jinja2.Template):
    def render(self, context=None, request=None):
        html = super().render(context, request)
        if template_rendered.receivers:
            # As Django's engine does under the test runner, so tests can read what a page
            # was given (response.context) and which template made it (response.templates).
            template_rendered.send(sender=self, template=self.template, context=context)
        return html


class Jinja2(django_jinja2.Jinja2):
    """Django's Jinja2 backend, with the signal tests listen to (Template above)."""

    def from_string(self, template_code):
        return Template(self.env.from_string(template_code), self)

    def get_template(self, template_name):
        found = super().get_template(template_name)
        return Template(found.template, self)


# --- Fragments -------------------------------------------------------------------------------
#
# ``{% fixedpart "name" %}…{% endfixedpart %}``: the same on every page in a language (the
# site's links, the emergency numbers, the footer, the stylesheets). Kept per name and language;
# it needs no content, so it works on the 503 page while the database is away. The name is a
# literal string, so memory holds one copy a name and language.
#
# ``{% contentcache "name", key… %}…{% endcontentcache %}``: depends on the content too (an
# outcome's text and legal basis, a contact card). Kept per content version, language and keys,
# so an editor's save shows at once. The keys must name content (an outcome code, a contact
# slug, a flag such as "open now"), never an answer.
#
# Neither may hold anything about a walk: the privacy promise is that nothing about a walk is
# kept in server memory (tests/test_caching.py). Changed settings (in tests) forget every part.


@receiver(setting_changed)
def forget(**kwargs):
    fragments.clear()


class Fragments(Extension):
    tags = {"fixedpart", "contentcache"}

    def parse(self, parser):
        tag = next(parser.stream)
        name = parser.parse_expression()
        if not isinstance(name, nodes.Const) or not isinstance(name.value, str):
            parser.fail(f'{tag.value} takes a name in quotes first: {tag.value} "a"', tag.lineno)
        keys = []
        if tag.value == "contentcache":
            while parser.stream.skip_if("comma"):
                keys.append(parser.parse_expression())
        body = parser.parse_statements((f"name:end{tag.value}",), drop_needle=True)
        method = "_content" if tag.value == "contentcache" else "_fixed"
        call = self.call_method(method, [name, nodes.List(keys)])
        return nodes.CallBlock(call, [], [], body).set_lineno(tag.lineno)

    @staticmethod
    def _fixed(name, keys, caller):
        return kept(("fixed", name, translation.get_language()), caller)

    @staticmethod
    def _content(name, keys, caller):
        try:
            version = content.snapshot().version
        except (DatabaseError, content.ContentBroken):
            return caller()
        return kept((version, name, translation.get_language(), *keys), caller)


def kept(key, render):
    found = fragments.get(key)
    if found is not None:
        return found[0]
    html = Markup(render())
    fragments.keep(key, html, len(html))
    return html


# --- Skeletons -------------------------------------------------------------------------------
#
# A page of questions is the same for every walk but for a handful of values: the walk's token,
# the CSRF token, the address, the Back link and which answers are checked. ``skeleton`` renders
# such a page once per content version, language and key with a hole in place of each of those
# values, and keeps the pieces; ``fill`` puts the request's values into the holes. What is kept
# is what the page says before anyone has answered: the content's, never a walk's (the holes'
# names are the page's own control ids). A page with errors or a message is rendered whole.

HOLE = "\x00"  # survives rendering (Markup escapes no control character); Django's forms refuse
# it in any text, so the content holds none, and a skeleton whose holes do not read right is
# not used (the page is rendered whole).
HOLE_NAME = re.compile(r"\??[\w:-]+(\|\w+)?")


def hole(name):
    """A value to be filled in per request: ``name`` is the fill's key."""
    return Markup(f"{HOLE}{name}{HOLE}")


def marked(value, attribute):
    """``{{ c.checked|marked("checked") }}``: `` checked`` where ``value`` is true. In a
    skeleton ``value`` is a hole named by the control, filled with the attribute where the walk
    chose it."""
    if isinstance(value, str) and value.startswith(HOLE):
        return Markup(f"{HOLE}?{value.strip(HOLE)}|{attribute}{HOLE}")
    return Markup(f" {attribute}") if value else ""


def skeleton(name, key, make_context):
    """The pieces of template ``name`` rendered with ``make_context()`` (holes in place of the
    walk's values), kept per content version, language and ``key`` (which names content);
    None where the page must be rendered whole."""
    version = content.snapshot().version
    kept_key = ("skeleton", version, translation.get_language(), name, *key)
    found = fragments.get(kept_key)
    if found is not None:
        return found[0]

    html = get_template(name, using="jinja2").template.render(make_context())
    parts = html.split(HOLE)
    if len(parts) % 2 == 0 or not all(HOLE_NAME.fullmatch(p) for p in parts[1::2]):
        fragments.keep(kept_key, None, 0)  # a stray mark in a text: render this page whole
        return None
    pieces = []
    for i, part in enumerate(parts):
        if i % 2 == 0:
            pieces.append((None, part))
        elif part.startswith("?"):
            control, _, attribute = part[1:].partition("|")
            pieces.append((control, f" {attribute}"))
        else:
            pieces.append((part, None))
    pieces = tuple(pieces)
    fragments.keep(kept_key, pieces, len(html))
    return pieces


def fill(pieces, values, chosen):
    """The page: ``pieces`` with ``values`` (by hole name, already escaped) in their holes, and
    the attribute of each control whose id is in ``chosen``."""
    out = []
    for name, text in pieces:
        if name is None:
            out.append(text)
        elif text is None:
            out.append(values[name])
        elif name in chosen:
            out.append(text)
    return "".join(out)
