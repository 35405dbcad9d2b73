"""Page throughput as served: each page's CPU time per request in the gunicorn worker, next to
a bare view's behind the same middleware, as a ratio (bare ÷ page; 1.0 means the page costs no
more than a view that does nothing).

The site runs as in production (DEBUG off, production settings, static files collected,
gunicorn), on SQLite in a temporary folder, with one sync worker, so every request the worker
serves is ours and its CPU time (/proc/<pid>/stat) is the page's. Bare and page requests are
interleaved A B A B over several rounds, so a busy machine slows both alike. /bare/ and the
per-request query count exist only in this benchmark's settings (pages_settings.py).

Each bare batch and the page batch after it make a pair, and the ratio is the median of the
pairs' ratios: on a shared virtual machine a burst of someone else's work lands in one batch
now and then (a batch of 25 requests can take twice its usual time), and it would move a
ratio of totals by a few hundredths either way. The ratio of the totals is printed too
("totals"), and the ms are the medians of the batches.

Printed per page: CPU ms per request (page and bare), the ratio and its goal, the ratio of
totals, the queries per request, and the page's bytes raw and on the wire (with
Accept-Encoding: gzip, deflate, br).
Then the cold result page: the HTML and every stylesheet and script it links, on the wire.

Run with `make bench` (after `make setup`); it takes about a minute (the first run longer: it
collects the static files into .bench/). ROUNDS and SECONDS in the environment change the
rounds and the seconds per batch.
"""

import gzip
import hashlib
import importlib.metadata
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import brotli

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import ROOT, Client, log, page_answers, parse, serving, spare_port  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", 4))
SECONDS = float(os.environ.get("SECONDS", 2))  # per page and round, bare and page together
BATCH = 25  # requests in a row before switching between bare and page
CASE = "akutt-drapstrusler"
# Goals (issue 11): the CPU ratio to the bare view, in one run.
GOALS = {
    "home": 0.9,
    "question GET": 0.6,
    "question POST": 0.55,
    "review": 0.4,
    "result": 0.3,
    "trainer story": 0.9,
    "trainer step": 0.9,
    "trainer reveal": 0.9,
}
TICK = os.sysconf("SC_CLK_TCK")


def collected_static(env):
    """Static files as collectstatic leaves them (hashed, gzip and Brotli), in .bench/: kept
    between runs while static/ and the installed packages stay the same, because collecting
    (Brotli at quality 11) takes longer than the whole measurement."""
    fingerprint = hashlib.sha256()
    for path in sorted((ROOT / "static").rglob("*")):
        stat = path.stat()
        fingerprint.update(f"{path.relative_to(ROOT)} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    for dist in sorted(f"{d.name}=={d.version}" for d in importlib.metadata.distributions()):
        fingerprint.update(dist.encode())
    fingerprint.update((ROOT / "avverge" / "settings.py").read_bytes())
    folder = ROOT / ".bench" / f"static-{fingerprint.hexdigest()[:16]}"
    if not (folder / "staticfiles.json").exists():
        for old in (ROOT / ".bench").glob("static-*"):
            shutil.rmtree(old, ignore_errors=True)
        log("collecting static files (kept in .bench/ for the next run)")
        env = {**env, "BENCH_STATIC_ROOT": str(folder)}
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                       cwd=ROOT, env=env, check=True, capture_output=True)  # fmt: skip
    return folder


@contextmanager
def served_site():
    """Migrate, seed and collect static files into a temporary folder, then serve with gunicorn
    (one sync worker). Yields (port, worker pid)."""
    work = Path(tempfile.mkdtemp(prefix="avverge-pages-"))
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DEBUG", "DATABASE_URL")},
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "pages_settings",
        "PYTHONPATH": f"{ROOT / 'benchmarks'}{os.pathsep}{ROOT}",
        "BENCH_STATIC_ROOT": str(work / "static"),  # replaced by the collected folder below
    }
    manage = [sys.executable, "manage.py"]
    for args in (["migrate", "--noinput", "-v0"], ["seed"]):
        subprocess.run(manage + args, cwd=ROOT, env=env, check=True, capture_output=True)
    env["BENCH_STATIC_ROOT"] = str(collected_static(env))
    port = spare_port()
    gunicorn = ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--worker-class", "sync",
                "--timeout", "30", "--graceful-timeout", "5"]  # fmt: skip
    try:
        with serving(gunicorn, env, work / "gunicorn.log") as proc:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None or time.monotonic() > deadline:
                    why = (work / "gunicorn.log").read_text()
                    raise RuntimeError("gunicorn did not start:\n" + why)
                try:
                    if fetch(request_bytes(port, "/healthz"))[0] == 200:
                        break
                except OSError:
                    time.sleep(0.2)
            children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
            yield port, int(children[0])
    finally:
        shutil.rmtree(work, ignore_errors=True)


def request_bytes(port, path, *, cookies=None, form=None, encodings="gzip, deflate, br"):
    """One HTTP/1.1 request as a browser behind the TLS proxy sends it, ready to replay."""
    origin = f"https://127.0.0.1:{port}"
    lines = [
        f"{'POST' if form else 'GET'} {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "X-Forwarded-Proto: https",
        "User-Agent: avverge-bench",
        "Accept: text/html,application/xhtml+xml,*/*;q=0.8",
        "Accept-Language: nb-NO,nb;q=0.9,en;q=0.8",
        "Connection: close",
    ]
    if encodings:
        lines.append(f"Accept-Encoding: {encodings}")
    if cookies:
        lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
    body = b""
    if form:
        body = urlencode(form).encode()
        lines += [
            "Content-Type: application/x-www-form-urlencoded",
            f"Content-Length: {len(body)}",
            f"Origin: {origin}",
            f"Referer: {origin}{path}",
        ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def fetch(raw_request, port=None):
    """Send a prepared request; (status, headers, body, bytes received)."""
    port = port or int(re.search(rb"Host: 127\.0\.0\.1:(\d+)", raw_request).group(1))
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(raw_request)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    data = b"".join(chunks)
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body, len(data)


def decoded(headers, body):
    encoding = headers.get("content-encoding", "")
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "br":
        return brotli.decompress(body)
    return body


def walk(port):
    """Walk the guide over HTTP with harness.WALK_FACTS: the browser's cookies, a CSRF token,
    the last token, and for each fact the page that asked it with the answers posted there."""

    class Site:
        pass

    site = Site()
    site.port, site.origin = port, f"https://127.0.0.1:{port}"
    client = Client(site)
    location, token, csrf = client.get("/guide/").location, "", ""
    visited = {}  # fact -> (the path of its page, that page's answers)
    while "/guide/q/" in location:
        path = urlparse(location).path
        key = path.rstrip("/").rsplit("/", 1)[-1]
        page = client.get(location.removeprefix(site.origin))
        csrf = {n: v for n, _k, v, _c in parse(page).fields}["csrfmiddlewaretoken"]
        asked = page_answers(page.text)
        answer = client.post(path, {"csrfmiddlewaretoken": csrf, "s": token, **asked})
        assert answer.status == 302, (key, answer.status, answer.text[:300])
        visited.update(dict.fromkeys(asked, (path, asked)))
        location = answer.location
        token = parse_qs(urlparse(location).query)["s"][0]
    assert "/guide/review/" in location, location
    return client.cookies, csrf, token, visited


def worker_cpu(pid):
    """The worker's CPU time in seconds: the scheduler's nanoseconds where the kernel has
    them (/proc/<pid>/schedstat), else utime + stime in clock ticks."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK


def batch(port, pid, raw, expect, count=BATCH):
    """Replay ``raw`` ``count`` times; (worker CPU seconds, queries of each request)."""
    queries = []
    before = worker_cpu(pid)
    for _ in range(count):
        status, headers, _body, _n = fetch(raw, port)
        if status != expect:
            raise RuntimeError(f"expected {expect}, got {status}")
        queries.append(int(headers.get("x-queries", "0")))
    return worker_cpu(pid) - before, queries


def cold_result_bytes(port, cookies, result_path):
    """The result page and every stylesheet and script it links, on the wire (headers too)."""
    status, headers, body, total = fetch(request_bytes(port, result_path, cookies=cookies))
    assert status == 200, status
    html = decoded(headers, body).decode()
    assets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assets += re.findall(r'<script src="([^"]+)"', html)
    parts = [("HTML", total)]
    for url in assets:
        status, _h, _b, n = fetch(request_bytes(port, url))
        assert status == 200, (url, status)
        parts.append((url.rsplit("/", 1)[-1], n))
    return parts


def main():
    started = time.monotonic()
    log("preparing the site (migrate, seed, collectstatic) and starting gunicorn")
    with served_site() as (port, pid):
        cookies, csrf, token, visited = walk(port)
        # The page measured: the one that asks how likely it is (with its topic's questions).
        asking, asked = visited["likelihood"]
        step = f"/trainer/{CASE}/present/"
        pages = {
            "home": (request_bytes(port, "/", cookies=cookies), 200),
            "question GET": (
                request_bytes(port, f"{asking}?s={token}", cookies=cookies),
                200,
            ),
            "question POST": (
                request_bytes(
                    port,
                    asking,
                    cookies=cookies,
                    form={
                        "csrfmiddlewaretoken": csrf,
                        "s": token,
                        **asked,
                        "likelihood": "unclear",
                    },
                ),
                302,
            ),
            "review": (request_bytes(port, f"/guide/review/?s={token}", cookies=cookies), 200),
            "result": (request_bytes(port, f"/guide/result/?s={token}", cookies=cookies), 200),
            "trainer story": (request_bytes(port, step, cookies=cookies), 200),
            "trainer step": (request_bytes(port, f"{step}3/", cookies=cookies), 200),
            "trainer reveal": (request_bytes(port, f"{step}result/", cookies=cookies), 200),
        }
        bare = request_bytes(port, "/bare/", cookies=cookies)
        for raw, expect in [*pages.values(), (bare, 200)]:  # warm up: content, templates
            for _ in range(20):
                assert fetch(raw, port)[0] == expect
        pairs = {name: [] for name in pages}  # (bare batch CPU, page batch CPU), in turns
        queries = {name: [] for name in pages}
        log(f"measuring: {ROUNDS} rounds of {SECONDS} s per page, bare and page in turns")
        for _round in range(ROUNDS):
            for name, (raw, expect) in pages.items():
                deadline = time.monotonic() + SECONDS
                while time.monotonic() < deadline:
                    bare_cpu, _q = batch(port, pid, bare, 200)
                    page_cpu, counted = batch(port, pid, raw, expect)
                    pairs[name].append((bare_cpu, page_cpu))
                    queries[name] += counted
        sizes = {}
        for name, (raw, _expect) in pages.items():
            _status, headers, body, _n = fetch(raw, port)
            sizes[name] = (len(decoded(headers, body)), len(body), headers.get("content-encoding"))
        cold = cold_result_bytes(port, cookies, f"/guide/result/?s={token}")

    load = Path("/proc/loadavg").read_text().split()[:3]
    print()
    print(f"CPU per request of the gunicorn worker (1 sync worker): {ROUNDS} rounds of {SECONDS} s")
    print(f"per page, {BATCH} bare and {BATCH} page requests in turns. Load average")
    print(f"{' '.join(load)} on {os.cpu_count()} CPUs. Ratio = the median of bare ÷ page over")
    print("the pairs of batches; totals = all bare CPU ÷ all page CPU.")
    print()
    header = (
        f"{'page':15} {'page ms':>8} {'bare ms':>8} {'ratio':>6} {'goal':>5}      "
        f"{'totals':>6} {'queries':>7} {'bytes':>7} {'on wire':>8}"
    )
    print(header)
    print("-" * len(header))
    met_all = True
    for name, measured in pairs.items():
        page_ms = 1000 * statistics.median(p for _b, p in measured) / BATCH
        bare_ms = 1000 * statistics.median(b for b, _p in measured) / BATCH
        ratio = statistics.median(b / p for b, p in measured)
        of_totals = sum(b for b, _p in measured) / sum(p for _b, p in measured)
        met = ratio >= GOALS[name]
        met_all &= met
        raw_size, wire, encoding = sizes[name]
        mean_q = sum(queries[name]) / len(queries[name]) if queries[name] else 0
        print(
            f"{name:15} {page_ms:8.3f} {bare_ms:8.3f} {ratio:6.2f} {GOALS[name]:5.2f} "
            f"{'met' if met else 'NOT':>4} {of_totals:6.2f} {mean_q:7.2f} {raw_size:7d} {wire:8d}"
            f"{' ' + encoding if encoding else ''}"
        )
    print()
    total = sum(n for _name, n in cold)
    print(
        f"Cold result page on the wire: {total} bytes ({total / 1024:.1f} KB; goal ≤ 40 KB): "
        + ", ".join(f"{name} {n}" for name, n in cold)
    )
    print(f"All goals met: {'yes' if met_all else 'no'}. Took {time.monotonic() - started:.0f} s.")


if __name__ == "__main__":
    main()
