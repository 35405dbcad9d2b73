"""Parts of a page rendered once, then taken from memory (guidance/pagecache.fragments, an LRU
bounded by FRAGMENT_CACHE_BYTES). Two tags, one store, for two kinds of part:

``{% fixedpart "name" %}…{% endfixedpart %}``: the same on every page in a language (the site's
links, the emergency numbers, the footer, the stylesheets). Kept per name and language; it
needs no content, so it works on the 503 page while the database is away. The name is a literal
string, so memory holds one copy a name and language.

``{% contentcache "name" key… %}…{% endcontentcache %}``: depends on the content too (an
outcome's text and legal basis, a contact card). Kept per content version, language and keys,
so an editor's save shows at once. The keys must name content (an outcome code, a contact slug,
a flag such as "open now"), never an answer.

Neither may hold anything about a walk: the privacy promise is that nothing about a walk is
kept in server memory (tests/test_caching.py). Changed settings (in tests) forget every part.

    {% load fragments %}
    {% fixedpart "footer" %}…{% endfixedpart %}
    {% contentcache "outcome-text" item.code presenter %}…{% endcontentcache %}
"""

from django import template
from django.core.signals import setting_changed
from django.db import DatabaseError
from django.dispatch import receiver
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from guidance import content
from guidance.pagecache import fragments

register = template.Library()


@receiver(setting_changed)
def forget(**kwargs):
    fragments.clear()


class FragmentNode(template.Node):
    def __init__(self, nodelist, name, keys=(), by_content=False):
        self.nodelist = nodelist
        self.name = name
        self.keys = keys
        self.by_content = by_content

    def render(self, context):
        key = ("fixed", self.name, get_language())
        if self.by_content:
            try:
                version = content.snapshot().version
            except (DatabaseError, content.ContentBroken):
                return self.nodelist.render(context)
            key = (version, *key[1:], *(k.resolve(context) for k in self.keys))
        found = fragments.get(key)
        if found is None:
            html = mark_safe(self.nodelist.render(context))
            fragments.keep(key, html, len(html))
            return html
        return found[0]


def literal_name(bits, tag):
    if len(bits) < 2 or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError(f'{tag} takes one name in quotes first: {tag} "a"')
    return bits[1][1:-1]


@register.tag
def fixedpart(parser, token):
    bits = token.split_contents()
    name = literal_name(bits, "fixedpart")
    if len(bits) != 2:
        raise template.TemplateSyntaxError('fixedpart takes one name in quotes: fixedpart "a"')
    nodelist = parser.parse(("endfixedpart",))
    parser.delete_first_token()
    return FragmentNode(nodelist, name)


@register.tag
def contentcache(parser, token):
    bits = token.split_contents()
    name = literal_name(bits, "contentcache")
    keys = [parser.compile_filter(bit) for bit in bits[2:]]
    nodelist = parser.parse(("endcontentcache",))
    parser.delete_first_token()
    return FragmentNode(nodelist, name, keys, by_content=True)
