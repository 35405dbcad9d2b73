"""``{% contentcache name key… %}…{% endcontentcache %}``: a part of a page rendered once per
content version, language and key, then taken from memory (guidance/pagecache.py).

Only for parts that depend on nothing but the content: an outcome's text and legal basis, a
contact card. The keys must name content (an outcome code, a contact slug, a flag such as
"open now"), never an answer: the privacy promise is that nothing about a walk is kept in
server memory, and a fragment is kept until it falls out of FRAGMENT_CACHE_BYTES.

    {% load contentcache %}
    {% contentcache "outcome-text" item.code presenter %}…{% endcontentcache %}
"""

from django import template
from django.db import DatabaseError
from django.utils.translation import get_language

from guidance import content
from guidance.pagecache import fragments

register = template.Library()


class ContentCacheNode(template.Node):
    def __init__(self, nodelist, keys):
        self.nodelist = nodelist
        self.keys = keys

    def render(self, context):
        try:
            version = content.snapshot().version
        except (DatabaseError, content.ContentBroken):
            return self.nodelist.render(context)
        key = (version, get_language(), *(k.resolve(context) for k in self.keys))
        found = fragments.get(key)
        if found is None:
            html = self.nodelist.render(context)
            fragments.keep(key, html, len(html))
            return html
        return found[0]


@register.tag
def contentcache(parser, token):
    keys = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    if not keys:
        raise template.TemplateSyntaxError("contentcache needs a name and the keys of the part")
    nodelist = parser.parse(("endcontentcache",))
    parser.delete_first_token()
    return ContentCacheNode(nodelist, keys)
