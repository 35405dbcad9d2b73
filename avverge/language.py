"""The interface language: nynorsk and plain "Norwegian" browsers get bokmål, and the switch
is a plain GET link-form, so no page needs a CSRF token for it.

Django's ``set_language`` wants a POST with a CSRF token, which put a token (and a
``Set-Cookie``) in every page and made every page unfit for the content cache
(guidance/pagecache.py) and for compression (avverge/compression.py). Changing the language
is not worth forging: the worst a forged link does is show the other language.
"""

import re

from django.conf import settings
from django.http import HttpResponseRedirect
from django.middleware.locale import LocaleMiddleware
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

# nn, no and their regional forms (nn-NO, no-NO): bokmål is far closer than English.
NORWEGIAN = re.compile(r"(?<![\w-])(?:nn|no)(?=[-;,\s]|$)(?:-[A-Za-z0-9]+)*", re.IGNORECASE)


class NorwegianLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware, reading a nynorsk or "Norwegian" Accept-Language as
    bokmål (UX review, finding 14)."""

    def process_request(self, request):
        accept = request.META.get("HTTP_ACCEPT_LANGUAGE")
        if accept:
            request.META["HTTP_ACCEPT_LANGUAGE"] = NORWEGIAN.sub("nb", accept)
        super().process_request(request)


@never_cache
@require_safe
def switch(request):
    """``?language=en&next=/guide/…``: remember the language in a cookie and go back to
    ``next`` on this site (anywhere else, or nothing, goes to the start page)."""
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    language = request.GET.get("language", "")
    if language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response
