"""Middleware: gzip for HTML pages, only where compression cannot leak a secret (BREACH).

BREACH reads a secret out of a compressed page by making the victim's browser request it many
times with guesses of the attacker's in the address, and watching the size on the wire. It
needs a secret and attacker-chosen text in the same compressed response. So a page is
compressed only when

* it carries no CSRF token (the question forms do; the language switch no longer does,
  avverge/language.py), and it is not the admin (a signed-in editor's pages);
* and, if it is a private page (``Cache-Control: private``/``no-store``: the guide's pages,
  which show a walk's answers), its address holds nothing but what the guide itself puts
  there: ``s`` (the walk's token) and ``return=review``. The page repeats its own address in
  the language form; a guess in ``s`` is not the victim's token, so that page shows no
  answers, and there is nowhere else for a guess to go.

Public pages (home, trainer) hold no secret at all and are always compressed; the content
cache (guidance/pagecache.py) hands over their gzip made once. Static files are compressed
at ``collectstatic`` by WhiteNoise (gzip and Brotli) and are not touched here.
"""

import gzip

from django.conf import settings
from django.utils.cache import patch_vary_headers

MIN_BYTES = 512  # below this, gzip's header costs more than it saves
# A page compressed for its request (review, result) at level 1: on the result page that costs
# about 0.3 ms against 0.7 ms at level 6, for some 15 % more bytes (11 KB against 9.6 KB);
# the content cache's pages are compressed once, at level 9.
LEVEL = 1
WALK_PARAMETERS = {"s", "return"}


def accepts_gzip(request):
    return "gzip" in request.META.get("HTTP_ACCEPT_ENCODING", "")


def safe_to_compress(request, response):
    if response.streaming or response.has_header("Content-Encoding"):
        return False
    if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
        return False
    if settings.CSRF_COOKIE_NAME in response.cookies or request.path.startswith(
        f"/{settings.ADMIN_URL}"
    ):
        return False
    cache_control = response.get("Cache-Control", "")
    private = "private" in cache_control or "no-store" in cache_control
    own_address = set(request.GET) <= WALK_PARAMETERS and (
        request.GET.get("return", "review") == "review"
    )
    return not private or own_address


def compress_html(get_response):
    def middleware(request):
        response = get_response(request)
        if not safe_to_compress(request, response):
            return response
        patch_vary_headers(response, ("Accept-Encoding",))
        if not accepts_gzip(request) or len(response.content) < MIN_BYTES:
            return response
        body = getattr(response, "gzipped", None) or gzip.compress(
            response.content, compresslevel=LEVEL, mtime=0
        )
        if len(body) >= len(response.content):
            return response
        response.content = body
        response["Content-Length"] = str(len(body))
        response["Content-Encoding"] = "gzip"
        return response

    return middleware
