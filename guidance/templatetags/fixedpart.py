"""``{% fixedpart "name" %}…{% endfixedpart %}``: a part of a page that is the same on every page
in a language (the site's links, the emergency numbers, the footer, the stylesheets), rendered
once per process and language, then taken from memory.

Every guide page repeats these parts, and the template engine pays for each ``{% url %}``,
``{% static %}`` and ``{% translate %}`` in them on every request. Only for parts that depend on
nothing but the language and the site's own addresses: never on the request, the content or a
walk. The name is a literal string, so memory holds one copy per name and language. Changed
settings (in tests) forget every part.

    {% load fixedpart %}
    {% fixedpart "footer" %}…{% endfixedpart %}
"""

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

_parts: dict[tuple[str, str | None], str] = {}


@receiver(setting_changed)
def forget(**kwargs):
    _parts.clear()


class FixedPartNode(template.Node):
    def __init__(self, nodelist, name):
        self.nodelist = nodelist
        self.name = name

    def render(self, context):
        key = (self.name, get_language())
        html = _parts.get(key)
        if html is None:
            html = _parts[key] = mark_safe(self.nodelist.render(context))
        return html


@register.tag
def fixedpart(parser, token):
    bits = token.split_contents()
    if len(bits) != 2 or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError('fixedpart takes one name in quotes: fixedpart "a"')
    nodelist = parser.parse(("endfixedpart",))
    parser.delete_first_token()
    return FixedPartNode(nodelist, bits[1][1:-1])
