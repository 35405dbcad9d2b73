"""Page throughput: requests per second for a question page, the POST of an answer and the
result page, each next to a bare Django view served the same way (the same WSGI handler and
middleware, called in-process), printed as ratios. Goal: every ratio at least 0.5.

Run with `make bench-pages` (or `.venv/bin/python benchmarks/pages.py` after `make setup`).
"""

import gc
import os
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "avverge.settings")
os.environ["DEBUG"] = "false"  # measure as in production (DEBUG also records queries)
os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "0123456789abcdef" * 3)
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402


def bare(request):
    return HttpResponse("ok")


urlpatterns = [path("bare/", bare), path("", include("avverge.urls"))]


def rate(call, seconds=3.0):
    """Requests per second over about ``seconds``, garbage collector off as timeit does."""
    call()  # warm up: content cache, templates, translations
    count, gc_was = 0, gc.isenabled()
    gc.disable()
    start = time.perf_counter()
    try:
        while time.perf_counter() - start < seconds:
            call()
            count += 1
    finally:
        if gc_was:
            gc.enable()
    return count / (time.perf_counter() - start)


def main():
    call_command("collectstatic", "--noinput", verbosity=0)  # the manifest DEBUG-off needs
    client = Client()
    facts = {
        "acute_danger": "false",
        "concerns": "trafficking",
        "aggravated": "false",
        "person_age": "adult",
        "timing": "ongoing",
        "likelihood": "reason_to_believe",
        "consent": "not_asked",
        "children_in_household": "no",
        "pregnant": "false",
        "needs_interpreter": "true",
        "companion": "adult",
        "county": "03",
    }
    token, location = "", client.get("/guide/")["Location"]
    if "/guide/q/" not in location:
        sys.exit("The guide has no questions: run `make setup` first.")
    while "/guide/q/" in location:
        key = urlparse(location).path.rstrip("/").rsplit("/", 1)[-1]
        response = client.post(f"/guide/q/{key}/", {"s": token, key: facts[key]})
        location = response["Location"]
        token = parse_qs(urlparse(location).query)["s"][0]

    def ok(response):
        assert response.status_code in (200, 302), response.status_code
        return response

    pages = {
        "question page (GET)": lambda: ok(client.get(f"/guide/q/likelihood/?s={token}")),
        "answer (POST)": lambda: ok(
            client.post("/guide/q/likelihood/", {"s": token, "likelihood": "unclear"})
        ),
        "result page (GET)": lambda: ok(client.get(f"/guide/result/?s={token}")),
    }
    bare_rate = rate(lambda: ok(client.get("/bare/")))
    print(f"{'page':24} {'req/s':>9} {'bare req/s':>11} {'ratio':>6}  goal")
    for name, call in pages.items():
        page_rate = rate(call)
        ratio = page_rate / bare_rate
        print(
            f"{name:24} {page_rate:9.0f} {bare_rate:11.0f} {ratio:6.2f}  "
            f"{'met' if ratio >= 0.5 else 'NOT met'} (>= 0.5)"
        )


if __name__ == "__main__":
    with override_settings(ROOT_URLCONF=__name__):
        main()
