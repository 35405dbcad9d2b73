"""What benchmarks/load.py and benchmarks/faults.py share: a PostgreSQL instance of their own,
the site prepared and served by gunicorn as the Dockerfile serves it (DEBUG off, production
settings, loopback only), and clients that walk the guide over HTTP.

Everything started here is stopped and removed by the context managers, also on Ctrl-C.
"""

import html.parser
import http.client
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
CLIENT_TIMEOUT = 15  # seconds a client waits for an answer, as in the review's probes


def spare_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- PostgreSQL -----------------------------------------------------------------------------


class Postgres:
    """A fresh PostgreSQL cluster in a temporary folder on a spare loopback port."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="avverge-pg-"))
        self.data = self.dir / "data"
        self.port = spare_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/avverge"
        self.frozen = []

    def run(self, *args, check=True):
        command = [str(PG_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, timeout=120)

    def __enter__(self):
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "avverge")
        return self

    def __exit__(self, *exc):
        self.thaw()
        self.run("pg_ctl", "-D", str(self.data), "stop", "-m", "immediate", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)

    def pg_ctl(self, action, *extra):
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        self.run("pg_ctl", "-D", str(self.data), "-o", options, "-w", "-l",
                 str(self.dir / "server.log"), action, *extra)  # fmt: skip

    def start(self):
        self.pg_ctl("start")

    def stop(self):
        self.pg_ctl("stop", "-m", "fast")

    def restart(self):
        self.pg_ctl("restart", "-m", "fast")

    def freeze(self):
        """SIGSTOP the postmaster and every backend: a server that hangs without closing."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = subprocess.run(
            ["pgrep", "-P", str(postmaster)], capture_output=True, text=True
        ).stdout.split()
        self.frozen = [postmaster, *map(int, children)]
        for pid in self.frozen:
            os.kill(pid, signal.SIGSTOP)

    def thaw(self):
        for pid in self.frozen:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        self.frozen = []


@contextmanager
def database_on_the_shared_server(base="postgres://postgres@127.0.0.1:5432"):
    """A database of its own, created and dropped, on the PostgreSQL server already running."""
    name = f"avverge_bench_{os.getpid()}"
    subprocess.run(["psql", f"{base}/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
    try:
        yield f"{base}/{name}"
    finally:
        subprocess.run(
            ["psql", f"{base}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
            check=False,
        )


# --- The walk ---------------------------------------------------------------------------------

# The walk the benchmarks measure: an adult, trafficking, with an interpreter, Oslo.
WALK_FACTS = {
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


def page_answers(html):
    """The walk's answers to the questions a page of the guide shows (a page holds every
    question of its topic, so each one it names is answered)."""
    parser = FormParser()
    parser.feed(html)
    asked = {name: WALK_FACTS[name] for name, *_rest in parser.fields if name in WALK_FACTS}
    if not asked:
        raise RuntimeError("a page of the guide asks none of the walk's questions")
    return asked


# --- The site ---------------------------------------------------------------------------------


@contextmanager
def site(database_url, workers=2, threads=8):
    """Migrate, seed and collect static files, then serve with the Dockerfile's gunicorn
    command on a spare loopback port. Yields a Site."""
    work = Path(tempfile.mkdtemp(prefix="avverge-site-"))
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DEBUG", "DATABASE_URL")},
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "production_settings",
        "BENCH_STATIC_ROOT": str(work / "static"),
        "PYTHONPATH": f"{ROOT / 'benchmarks'}{os.pathsep}{ROOT}",
        "DJANGO_SUPERUSER_PASSWORD": secrets.token_urlsafe(16),
    }
    manage = [sys.executable, "manage.py"]
    for args in (
        ["migrate", "--noinput", "-v0"],
        ["seed"],
        ["collectstatic", "--noinput", "-v0"],
        ["createsuperuser", "--noinput", "--username", "bench", "--email", "b@example.org"],
    ):
        subprocess.run(manage + args, cwd=ROOT, env=env, check=True, capture_output=True)
    port = spare_port()
    gunicorn = ["--bind", f"127.0.0.1:{port}", "--workers", str(workers),
                "--worker-class", "gthread", "--threads", str(threads),
                "--timeout", "30", "--graceful-timeout", "5", "--keep-alive", "5"]  # fmt: skip
    try:
        with serving(gunicorn, env, work / "gunicorn.log") as proc:
            here = Site(port, work / "gunicorn.log", env["DJANGO_SUPERUSER_PASSWORD"])
            here.wait_until_up(proc)
            yield here
    finally:
        shutil.rmtree(work, ignore_errors=True)


@contextmanager
def serving(options, env, log_path):
    """gunicorn serving the project with ``options``, its output in ``log_path``; stopped on
    the way out (TERM, then KILL after 15 s). Yields the master process."""
    server_log = open(log_path, "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "avverge.wsgi:application", *options],
        cwd=ROOT, env=env, stdout=server_log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        server_log.close()


class Site:
    def __init__(self, port, log_path, admin_password):
        self.port = port
        self.origin = f"https://127.0.0.1:{port}"
        self.log_path = log_path
        self.admin_password = admin_password

    def wait_until_up(self, proc, seconds=120):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError("gunicorn stopped:\n" + self.log_path.read_text())
            try:
                if Client(self).get("/healthz").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer:\n" + self.log_path.read_text())

    def log_text(self):
        return self.log_path.read_text(errors="replace")


# --- HTTP clients -----------------------------------------------------------------------------


class Response:
    def __init__(self, status, headers, body, seconds):
        self.status, self.headers, self.body, self.seconds = status, headers, body, seconds

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    @property
    def location(self):
        return self.headers.get("location", "")

    def title(self):
        found = re.search(r"<title>(.*?)</title>", self.text, re.S)
        return " ".join(found.group(1).split()) if found else ""


class Client:
    """One keep-alive connection, behaving as a browser behind the TLS proxy: it sends
    X-Forwarded-Proto: https with a matching Origin and keeps its (Secure) cookies."""

    def __init__(self, site, timeout=CLIENT_TIMEOUT):
        self.site, self.timeout = site, timeout
        self.cookies = {}
        self.conn = None

    def request(self, method, path, data=None):
        headers = {
            "Host": f"127.0.0.1:{self.site.port}",
            "X-Forwarded-Proto": "https",
            "User-Agent": "avverge-bench",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.site.origin
            headers["Referer"] = self.site.origin + path
        started = time.monotonic()
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.site.port,
                                                       timeout=self.timeout)  # fmt: skip
            try:
                self.conn.request(method, path, body=body, headers=headers)
                raw = self.conn.getresponse()
                payload = raw.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed a kept-alive connection between requests: open a new one
                # once, as a browser does. A second failure is the server's.
                self.close()
                if attempt == 2:
                    raise
            except Exception:
                self.close()
                raise
        seconds = time.monotonic() - started
        for value in raw.headers.get_all("Set-Cookie") or ():
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if raw.headers.get("Connection", "").lower() == "close":
            self.close()
        return Response(raw.status, {k.lower(): v for k, v in raw.headers.items()}, payload,
                        seconds)  # fmt: skip

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, data):
        return self.request("POST", path, data)

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class FormParser(html.parser.HTMLParser):
    """Every named field of a page's forms, as a browser would submit them, and the links."""

    def __init__(self):
        super().__init__()
        self.fields = []  # (name, type, value, checked)
        self.links = []
        self._select = None
        self._option = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            self.fields.append((a["name"], kind, a.get("value", ""), "checked" in a))
        elif tag == "select" and a.get("name"):
            self._select = [a["name"], [], []]
        elif tag == "option" and self._select is not None:
            self._select[1].append(a.get("value", ""))
            if "selected" in a:
                self._select[2].append(a.get("value", ""))
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            name, options, selected = self._select
            self.fields.append((name, "select", selected, options))  # selected: a list
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea[0], "textarea", self._textarea[1], True))
            self._textarea = None


def parse(response):
    parser = FormParser()
    parser.feed(response.text)
    return parser


def form_as_submitted(page):
    """The fields a browser would post for this page's form as it stands (an admin change
    form: every input, checked box, selected option and textarea)."""
    data = {}
    for name, kind, value, extra in page.fields:
        if kind in ("submit", "button", "file", "image", "reset"):
            continue
        if kind in ("checkbox", "radio"):
            if extra:
                data.setdefault(name, []).append(value or "on")
        elif kind == "select":
            if value:
                data.setdefault(name, []).extend(value)
        else:
            data.setdefault(name, []).append(value)
    return data


def answer_for(page, rng, county=None):
    """One answer per question on a guide page: a random allowed value for each radio group
    and select (the plain "same for all" field where a page asks per concern too), one or two
    boxes of a checkbox list, and the hidden s and CSRF token."""
    data, radios, boxes = {}, {}, {}
    for name, kind, value, extra in page.fields:
        if kind == "hidden":
            data[name] = value
        elif kind == "radio":
            radios.setdefault(name, []).append(value)
        elif kind == "checkbox":
            boxes.setdefault(name, []).append(value)
        elif kind == "select":
            options = [o for o in extra if o]
            if options:
                data[name] = county if county in options else rng.choice(options)
    for name, values in radios.items():
        if ":" in name and name.split(":")[0] in radios:
            continue  # answer once for all concerns
        data[name] = rng.choice(values)
    for name, values in boxes.items():
        data[name] = rng.sample(values, k=min(len(values), rng.choice([1, 1, 2])))
    return data


def walk(client, rng, record=None, county=None):
    """Walk the guide from /guide/ to the result, one random answer per page. Returns the
    review and result paths (None if the walk was cut short by an error status)."""

    def step(method, path, data=None):
        response = client.request(method, path, data)
        if record:
            record(path, response)
        return response

    response = step("GET", "/guide/")
    for _ in range(40):
        if response.status != 302:
            return None
        target = urlparse(response.location)
        path = target.path + (f"?{target.query}" if target.query else "")
        response = step("GET", path)
        if response.status != 200:
            return None
        if target.path == "/guide/review/":
            result = next(link for link in parse(response).links if "/guide/result/" in link)
            result = result.replace("&amp;", "&")
            response = step("GET", result)
            return (path, result) if response.status == 200 else None
        response = step("POST", target.path, answer_for(parse(response), rng, county))
    return None


# --- Load ------------------------------------------------------------------------------------


class Recorder:
    """Every response: when it started (seconds since the run began), how long it took, what
    it was, its status (or the exception) and the title of a 5xx page."""

    def __init__(self):
        self.started = time.monotonic()
        self.lock = threading.Lock()
        self.rows = []

    def add(self, kind, start, seconds, status, title=""):
        with self.lock:
            self.rows.append((kind, start - self.started, seconds, status, title))

    def now(self):
        return time.monotonic() - self.started


def kind_of(path):
    if path.startswith("/guide/q/"):
        return "question"
    if path.startswith("/guide/result/"):
        return "result"
    if path.startswith("/guide/review/"):
        return "review"
    if path.startswith("/guide/"):
        return "start"
    return path


def load(site, recorder, clients, seconds, seed=1):
    """``clients`` threads walking the guide over and over for ``seconds``."""
    stop_at = time.monotonic() + seconds

    def worker(number):
        rng = random.Random(seed * 1000 + number)
        client = Client(site)

        def record(path, response):
            start = time.monotonic() - response.seconds
            title = response.title() if response.status >= 500 else ""
            recorder.add(kind_of(path), start, response.seconds, response.status, title)

        while time.monotonic() < stop_at:
            started = time.monotonic()
            try:
                walk(client, rng, record)
            except Exception as e:  # a timeout or a refused connection: the run's errors
                recorder.add("error", started, time.monotonic() - started, type(e).__name__)
                client.close()
                time.sleep(0.05)
        client.close()

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    return threads


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]
