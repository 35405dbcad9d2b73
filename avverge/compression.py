"""Middleware: Brotli or gzip for HTML pages, only where compression cannot leak a secret (BREACH).

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
cache (guidance/pagecache.py) hands over their compressed bodies made once.

Brotli where the browser takes it (every current browser does over HTTPS), else gzip. Static
files are compressed at ``collectstatic`` by WhiteNoise (gzip and Brotli) and are not touched
here.
"""

import gzip

import brotli
from django.conf import settings
from django.utils.cache import patch_vary_headers

MIN_BYTES = 512  # below this, gzip's header costs more than it saves
# A page compressed for its request (review, result): Brotli at quality 0 with a 64 KB window,
# or gzip at level 1. Measured inside the process on the result page (40 KB, 2,000 requests):
# Brotli 0 0.12 ms and 12.0 KB, Brotli 1 0.15 ms and 11.5 KB, Brotli 2 0.26 ms and 10.9 KB;
# gzip 1 0.30 ms and 12.0 KB in a gunicorn worker (level 6: 0.7 ms, 9.7 KB). A bench in a
# loop ranks them otherwise: each compressor's tables crowd the page's own work out of the
# CPU caches. The content cache's pages are compressed once, better.
LEVEL = 1
BROTLI_QUALITY = 0
WALK_PARAMETERS = {"s", "return"}


def encoding_for(request):
    """ "br", "gzip" or None: the coding the request's Accept-Encoding takes, Brotli first
    (a coding with q=0 is refused)."""
    header = request.META.get("HTTP_ACCEPT_ENCODING", "")
    if not header:
        return None
    taken = set()
    for item in header.split(","):
        name, _, params = item.partition(";")
        q = params.strip().removeprefix("q=").strip() if params else "1"
        try:
            refused = float(q) <= 0
        except ValueError:
            refused = False
        if not refused:
            taken.add(name.strip().lower())
    return next((coding for coding in ("br", "gzip") if coding in taken), None)


def compressed(body, coding):
    """``body`` compressed for one request."""
    if coding == "br":
        return brotli.compress(body, quality=BROTLI_QUALITY, lgwin=16)
    return gzip.compress(body, compresslevel=LEVEL, mtime=0)


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
        coding = encoding_for(request)
        if coding is None or len(response.content) < MIN_BYTES:
            return response
        kept = getattr(response, "compressed", None)  # the page cache's, made once
        body = kept[coding] if kept else compressed(response.content, coding)
        if len(body) >= len(response.content):
            return response
        response.content = body
        response["Content-Length"] = str(len(body))
        response["Content-Encoding"] = coding
        return response

    return middleware
