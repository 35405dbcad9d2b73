"""Faults: the load of benchmarks/load.py while the database restarts, stops and freezes.

It starts a PostgreSQL instance of its own on a spare loopback port (a fresh initdb in a
temporary folder, removed at the end), the site on it with the Dockerfile's gunicorn command
and DEBUG off, and N clients walking the guide. Meanwhile a probe asks for `/`, a static file
and `/healthz` twice a second on fresh connections. Before the faults it walks the guide to
the result (county 03), keeping the URLs and outcomes, and renames a contact on that result
through the admin's change form. Then, under load:

  restart   `pg_ctl restart -m fast`
  stop      `pg_ctl stop -m fast`, 10 s down, `pg_ctl start`
  freeze    SIGSTOP to the postmaster and every backend for 10 s, then SIGCONT

For each fault it prints the status codes while it lasted and for 5 s after, the 5xx that were
not the 503 page, client errors, the time from the database's return to the first good answer
and to the last failure, and how fast the probes answered. At the end: whether the walk kept
its outcomes and the admin edit survived. Goal: no 5xx but 503, recovery within 2 s, nothing
lost. Exits 1 when a goal is missed.

    .venv/bin/python benchmarks/faults.py --clients 16 --down 10 --freeze 10
"""

import argparse
import re
import signal
import sys
import threading
import time
from collections import Counter

import harness
from harness import Client, log, parse, percentile

DB_PAGES = {"start", "question", "review", "result"}
PROBES = {"/": "probe /", "/static/css/avverge.css": "probe static", "/healthz": "probe healthz"}


def probe(site, recorder, stop):
    """`/`, a static file and /healthz, each on a fresh connection, twice a second."""
    while not stop.is_set():
        for path, kind in PROBES.items():
            client = Client(site, timeout=harness.CLIENT_TIMEOUT)
            started = time.monotonic()
            try:
                response = client.get(path)
                recorder.add(kind, started, response.seconds, response.status)
            except Exception as e:
                recorder.add(kind, started, time.monotonic() - started, type(e).__name__)
            client.close()
        stop.wait(0.5)


def outcomes(response):
    return re.findall(r'data-outcome="([A-Z_]+)"', response.text)


def rename_contact(site, result_page):
    """Log in to the admin and rename the first contact shown on the result, as an editor
    does in the browser: GET the change form, post every field back with the name changed."""
    admin = Client(site)
    login = admin.get("/admin/login/")
    data = harness.form_as_submitted(parse(login))
    data.update(username=["bench"], password=[site.admin_password], next=["/admin/"])
    assert admin.post("/admin/login/", data).status == 302, "admin login failed"
    slug = re.search(r'data-contact="([a-z0-9-]+)"', result_page.text).group(1)
    listing = admin.get(f"/admin/guidance/contact/?q={slug}")
    change = re.search(r'href="(/admin/guidance/contact/\d+/change/)[^"]*"', listing.text)
    form_page = admin.get(change.group(1))
    data = harness.form_as_submitted(parse(form_page))
    new_name = f"{data['name_nb'][0]} (endret {time.strftime('%H%M%S')})"
    data["name_nb"] = [new_name]
    data["_save"] = ["Lagre"]
    saved = admin.post(change.group(1), data)
    assert saved.status == 302, f"the admin save was refused ({saved.status}): {saved.title()}"
    return admin, change.group(1), new_name


def counts(counter):
    return ", ".join(f"{k}: {v}" for k, v in sorted(counter.items())) or "none"


def window(recorder, start, end):
    return [r for r in recorder.rows if start <= r[1] < end]


def summarize(name, recorder, began, returned, until):
    rows = window(recorder, began, until)
    load = [r for r in rows if r[0] in DB_PAGES or r[0] == "error"]
    statuses = Counter(str(r[3]) for r in load)
    bare = [r for r in load if isinstance(r[3], int) and r[3] >= 500 and r[3] != 503]
    errors = [r for r in load if not isinstance(r[3], int)]
    after = [r for r in recorder.rows if r[0] in DB_PAGES and r[1] + r[2] >= returned]
    first_good = min((r[1] + r[2] for r in after if r[3] < 400), default=None)
    failures = [
        r[1] + r[2]
        for r in recorder.rows
        if (r[0] in DB_PAGES and isinstance(r[3], int) and r[3] >= 500 or r[0] == "error")
        and r[1] + r[2] >= returned
        and r[1] < until
    ]
    last_bad = max(failures, default=None)
    during = Counter(str(r[3]) for r in load if r[1] < returned)
    print(f"\n== {name}: fault at t={began:.1f} s, database back at t={returned:.1f} s")
    print(f"   guide pages until {until - returned:.0f} s after:", counts(statuses))
    print("   of which started while the database was away:", counts(during))
    titles = Counter(r[4] for r in bare).most_common(3)
    print(f"   5xx other than 503: {len(bare)}" + (f" (titles: {titles})" if bare else ""))
    print(f"   client errors (timeouts, refused): {len(errors)}")
    good = f"{first_good - returned:.2f} s" if first_good is not None else "none"
    bad = f"{max(0.0, last_bad - returned):.2f} s" if last_bad is not None else "0.00 s"
    print(f"   first good answer after the database returned: {good}")
    print(f"   last failure after the database returned: {bad}")
    for kind in PROBES.values():
        probes = [r for r in rows if r[0] == kind]
        times = [r[2] * 1000 for r in probes]
        codes = Counter(str(r[3]) for r in probes)
        slowest = max(times, default=0)
        print(f"   {kind:<14} {len(probes):>3} answers, {counts(codes)}; "
              f"p50 {percentile(times, 50):.0f} ms, max {slowest:.0f} ms")  # fmt: skip
    recovered = first_good is not None and (last_bad is None or last_bad - returned <= 2.0)
    return len(bare), len(errors), recovered


def hard_stop(signum, frame):
    raise TimeoutError(f"stopped by signal {signum}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--down", type=float, default=10, help="seconds the database is stopped")
    parser.add_argument("--freeze", type=float, default=10, help="seconds it is frozen")
    parser.add_argument("--settle", type=float, default=8, help="seconds of load between faults")
    args = parser.parse_args()
    # A hard stop for the whole run, whatever hangs; the finally blocks still clean up.
    budget = int(3 * args.settle + args.down + args.freeze + 300)
    signal.signal(signal.SIGALRM, hard_stop)
    signal.signal(signal.SIGTERM, hard_stop)
    signal.alarm(budget)

    with harness.Postgres() as pg:
        log(f"PostgreSQL of its own on 127.0.0.1:{pg.port} in {pg.dir}")
        with harness.site(pg.url) as site:
            log(f"gunicorn on 127.0.0.1:{site.port} (2 workers x 8 threads, gthread)")
            walker = Client(site)
            review, result = harness.walk(walker, harness.random.Random(3), county="03")
            before = walker.get(result)
            kept = outcomes(before)
            admin, change_url, new_name = rename_contact(site, before)
            log(f"walk kept ({len(kept)} outcomes); contact renamed to {new_name!r}")

            recorder = harness.Recorder()
            stop = threading.Event()
            threading.Thread(target=probe, args=(site, recorder, stop), daemon=True).start()
            total = 4 * args.settle + args.down + args.freeze + 10
            threads = harness.load(site, recorder, args.clients, total)
            faults = []
            try:
                time.sleep(args.settle)
                began = recorder.now()
                log("restart")
                pg.restart()
                faults.append(("restart", began, recorder.now()))

                # The server away, then hanging: each for a while, then back.
                for name, seconds, begin, end in (
                    ("stop", args.down, pg.stop, pg.start),
                    ("freeze (SIGSTOP)", args.freeze, pg.freeze, pg.thaw),
                ):
                    time.sleep(args.settle)
                    began = recorder.now()
                    log(f"{name} for {seconds:g} s")
                    begin()
                    time.sleep(seconds)
                    end()
                    faults.append((f"{name.split()[0]} {seconds:g} s", began, recorder.now()))
                log("thawed; load goes on")
            finally:
                pg.thaw()
                for t in threads:
                    t.join(total + harness.CLIENT_TIMEOUT + 30)
                stop.set()
            log("load ended")

            bare = errors = 0
            recovered = True
            ends = [f[1] for f in faults[1:]] + [recorder.now()]
            for (name, began, returned), next_began in zip(faults, ends, strict=True):
                b, e, r = summarize(name, recorder, began, returned, min(returned + 5, next_began))
                bare, errors, recovered = bare + b, errors + e, recovered and r

            rows = recorder.rows
            whole = counts(Counter(str(r[3]) for r in rows))
            print(f"\nwhole run: {len(rows)} responses in {recorder.now():.0f} s: {whole}")
            after = walker.get(result)
            same = after.status == 200 and outcomes(after) == kept
            review_ok = walker.get(review).status == 200
            admin_page = admin.get(change_url)
            survived = new_name in admin_page.text and new_name in after.text
            print(f"the walk's result after the faults: {after.status}, same outcomes: {same}; "
                  f"review: {'200' if review_ok else 'not 200'}")  # fmt: skip
            print(f"the admin edit survived (in the admin and on the result): {survived}")
            text = site.log_text()
            print(f"server log: {len(text.splitlines())} lines, "
                  f"{text.count('Traceback')} tracebacks, "
                  f"{text.count('WORKER TIMEOUT')} worker timeouts")  # fmt: skip
    signal.alarm(0)
    ok = bare == 0 and recovered and same and survived and review_ok
    print("\nGOALS MET" if ok else "\nGOALS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
