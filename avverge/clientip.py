"""The address a request comes from, for the login lockout (security review D9).

Behind ``TRUSTED_PROXIES`` reverse proxies that each append the address they received from to
X-Forwarded-For (nginx's ``$proxy_add_x_forwarded_for``, most load balancers), the client is
the entry that many places from the right, counting REMOTE_ADDR as the last: entries further
left are whatever the client chose to send. With no trusted proxy it is REMOTE_ADDR.

(django-ipware, which django-axes can use, takes ``proxy_count`` to mean the header holds
exactly that many proxies besides the client, and answers the left-most, forgeable entry when
it holds fewer; an nginx in front gives one entry, so it did not fit.)
"""

from django.conf import settings


def client_ip(request):
    chain = [
        part.strip()
        for part in request.headers.get("x-forwarded-for", "").split(",")
        if part.strip()
    ]
    chain.append(request.META.get("REMOTE_ADDR", ""))
    trusted = settings.TRUSTED_PROXIES
    return chain[-(trusted + 1)] if trusted < len(chain) else chain[0]


def ratelimit_key(group, request):
    """The same address, as django-ratelimit asks for a key."""
    return client_ip(request)
