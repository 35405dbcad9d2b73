"""The production settings, with static files collected to $BENCH_STATIC_ROOT: the load and
fault benchmarks serve a throw-away copy rather than the checkout's staticfiles/."""

import os

from avverge.settings import *  # noqa: F403

STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
