"""The fuzz of tests/test_fuzz.py at full size: 10,000 requests (half public, half admin) by
default, through Django's test client on a test database (SQLite, or DATABASE_URL).

Prints the status codes and the time taken; exits 1 on the first 5xx, which hypothesis
shrinks to the smallest request that still fails and prints. Stops by itself: the number of
examples is fixed, and the run is killed after --limit seconds.

    .venv/bin/python benchmarks/fuzz.py --examples 10000
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=10_000, help="requests in all")
    parser.add_argument("--limit", type=int, default=3600, help="seconds before giving up")
    parser.add_argument("--output", help="write pytest's whole output to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "statuses.json"
        env = {
            **os.environ,
            "FUZZ_EXAMPLES": str(args.examples // 2),
            "FUZZ_REPORT": str(report),
            "DEBUG": "true",
        }
        started = time.monotonic()
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
             "tests/test_fuzz.py"],
            cwd=ROOT, env=env, timeout=args.limit, capture_output=True, text=True,
        )  # fmt: skip
        seconds = time.monotonic() - started
        if args.output:
            Path(args.output).write_text(run.stdout + run.stderr)
        statuses = json.loads(report.read_text()) if report.exists() else {}
    total = sum(statuses.values())
    database = "PostgreSQL" if "postgres" in os.environ.get("DATABASE_URL", "") else "SQLite"
    print(f"fuzz: {total} requests in {seconds:.0f} s on {database} ({total / seconds:.0f}/s)")
    print("status codes:", ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())))
    print(f"5xx: {sum(v for k, v in statuses.items() if int(k) >= 500)}")
    print(run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-2000:])
    if run.returncode:  # hypothesis's smallest failing request, and the exception it raised
        failure = run.stdout.find("Falsifying example")
        print(run.stdout[failure : failure + 6000] if failure >= 0 else run.stdout[-6000:])
    return run.returncode


if __name__ == "__main__":
    sys.exit(main())
