"""benchmarks/pages.py's settings: production's, with static files collected to
$BENCH_STATIC_ROOT, a bare view (pages_urls.py) and a count of each answer's queries.

The bare view and the query count exist only here: production's URLconf has neither."""

from production_settings import *  # noqa: F403
from production_settings import MIDDLEWARE

ROOT_URLCONF = "pages_urls"
# Outermost, so bare and page pay for it alike and every query of a request is counted.
MIDDLEWARE = ["pages_urls.count_queries", *MIDDLEWARE]
