"""Load: N clients walking the guide against gunicorn and PostgreSQL for a set time.

Each client is a thread with one keep-alive connection that walks the guide as a clinician
does (start, a random answer per question page, the review, the result) again and again. The
server is the Dockerfile's gunicorn command with DEBUG off on a spare loopback port, against
a database of its own created on the PostgreSQL server at 127.0.0.1:5432 (or, with --own-pg,
an instance started for the run). Prints requests per second, latency percentiles per page
type and every error; exits 1 if any request failed.

    .venv/bin/python benchmarks/load.py --clients 16 --seconds 20
"""

import argparse
import sys
import time
from collections import Counter
from contextlib import ExitStack

import harness
from harness import log, percentile


def report(recorder, seconds):
    rows = recorder.rows
    statuses = Counter(str(r[3]) for r in rows)
    errors = [r for r in rows if not isinstance(r[3], int) or r[3] >= 500]
    print()
    print(f"requests: {len(rows)} in {seconds:.1f} s = {len(rows) / seconds:.1f} req/s")
    print("status codes:", ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())))
    print(f"errors (5xx, timeouts, refused): {len(errors)}")
    print(f"{'page':<10} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    kinds = ["all"] + sorted({r[0] for r in rows if r[0] != "error"})
    for kind in kinds:
        times = [r[2] * 1000 for r in rows if kind in ("all", r[0]) and r[0] != "error"]
        print(f"{kind:<10} {len(times):>7} {percentile(times, 50):>8.1f} "
              f"{percentile(times, 95):>8.1f} {percentile(times, 99):>8.1f} "
              f"{max(times, default=float('nan')):>8.1f}")  # fmt: skip
    for row in errors[:10]:
        print("  error:", row)
    return len(errors)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--own-pg", action="store_true", help="start a PostgreSQL of its own")
    args = parser.parse_args()

    with ExitStack() as stack:
        if args.own_pg:
            url = stack.enter_context(harness.Postgres()).url
        else:
            url = stack.enter_context(harness.database_on_the_shared_server())
        log("preparing the site (migrate, seed, collectstatic) and starting gunicorn")
        site = stack.enter_context(harness.site(url, args.workers, args.threads))
        log(f"gunicorn on 127.0.0.1:{site.port}: {args.workers} workers x {args.threads} "
            f"threads (gthread); {args.clients} clients for {args.seconds:g} s")  # fmt: skip
        recorder = harness.Recorder()
        started = time.monotonic()
        for t in harness.load(site, recorder, args.clients, args.seconds):
            t.join(args.seconds + harness.CLIENT_TIMEOUT + 30)
        errors = report(recorder, time.monotonic() - started)
        tracebacks = site.log_text().count("Traceback")
        print(f"tracebacks in the server log: {tracebacks}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
