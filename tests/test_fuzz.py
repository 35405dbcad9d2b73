"""Property-based fuzz of every guide, trainer and admin URL: whatever arrives, no 5xx.

The URLs come from the urlconf itself, so a new page is fuzzed without touching this file.
Each request mixes a real URL with random, forged, oversized and unicode parts: path values,
query strings, walk tokens (valid, from another step, truncated, flipped, forged, huge), form
bodies of several content types, headers and cookies, as anonymous, as a superuser and as an
editor. CI runs a few hundred examples (FUZZ_EXAMPLES); benchmarks/fuzz.py runs 10,000.
"""

import json
import os
import re
import secrets
import traceback
from collections import Counter
from urllib.parse import quote, urlencode

import pytest
from django.contrib.admindocs.views import extract_views_from_urlpatterns, simplify_regex
from django.contrib.auth.models import User
from django.core import signing
from django.core.signals import got_request_exception
from django.test import Client
from django.urls import get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guidance import content, models, rules, sealing, walk
from tests.admin_pages import make_editor
from tests.test_guide import first_case, walk_case

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))  # per test; two tests below
REPORT = os.environ.get("FUZZ_REPORT")  # benchmarks/fuzz.py: where to write the counts
STATUSES = Counter()

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # no .hypothesis folder in the checkout
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def url_templates():
    """Every URL in the urlconf as a template with <name> placeholders."""
    found = set()
    for _view, regex, _ns, _name in extract_views_from_urlpatterns(get_resolver().url_patterns):
        url = simplify_regex(regex)
        if "(" in url or url.count("/admin/") > 1:
            continue  # simple_history's version pages, which simplify_regex garbles: below
        url = re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", url)
        found.add(url)
        if re.fullmatch(r"/admin/\w+/\w+/<object_id>/history/", url):
            found.add(url + "<history_id>/")
    return sorted(found)


URLS = url_templates()
ADMIN_URLS = [u for u in URLS if u.startswith("/admin/")]
PUBLIC_URLS = [u for u in URLS if not u.startswith("/admin/")]
# The guide's own steps, where the forms and the tokens are read, get more of the examples.
PUBLIC_WEIGHTED = PUBLIC_URLS + ["/guide/q/<key>/"] * 4 + ["/guide/review/", "/guide/result/"] * 2

ODD = [
    "",
    " ",
    "\x00",
    "%00",
    "\r\nSet-Cookie: x=1",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "{{ request }}",
    "{% debug %}",
    "' OR 1=1 --",
    "9" * 5000,
    "-1",
    "0",
    "1.5",
    "1e308",
    "true",
    "null",
    "[]",
    "{}",
    "æøå ÆØÅ",
    "🙂" * 50,
    "\u202e\u200b",
    "%",
    "\\",
    "a" * 101,
]
text = st.one_of(
    st.sampled_from(ODD),
    st.text(max_size=30),
    st.text(alphabet="0123456789", min_size=1, max_size=40),
    st.integers(min_value=1, max_value=60).map(lambda n: "x" * (n * 1000)),  # 1 to 60 kB
)


@pytest.fixture
def world():
    """Real values to mix in: answer values, tokens at several steps, slugs and primary keys."""
    snap = content.snapshot()
    client = Client()
    token = walk_case(client, first_case())
    partial = walk.Walk({"acute_danger": False}).token
    values = {o.value for q in snap.questions for o in q.options} | {n for n, _ in snap.counties}
    pks = [str(pk) for model in (models.Rule, models.Contact, models.Question, models.Case)
           for pk in model.objects.values_list("pk", flat=True)[:3]]  # fmt: skip
    return {
        "tokens": [token, partial],
        "facts": sorted(rules.FACTS),
        "values": sorted(values),
        "keys": [q.key for q in snap.questions],
        "slugs": list(models.Case.objects.values_list("slug", flat=True)[:5]),
        "pks": pks,
    }


def tokens(world):
    valid = st.sampled_from(world["tokens"])
    return st.one_of(
        valid,
        valid.map(lambda t: t[: len(t) // 2]),  # truncated
        valid.map(lambda t: t[:-3] + ("AAA" if not t.endswith("AAA") else "BBB")),  # flipped
        st.builds(
            sealing.seal,
            st.dictionaries(st.sampled_from(world["facts"]), st.one_of(text, st.lists(text))),
        ),  # forged payloads, correctly sealed with the server's key
        st.builds(
            lambda raw, salt: signing.dumps(raw, salt=salt, compress=True),
            st.dictionaries(st.sampled_from(world["facts"]), st.one_of(text, st.lists(text))),
            st.sampled_from(["avverge.guide.walk", "django.contrib.messages", ""]),
        ),  # the old signed tokens, which no longer open anything
        st.integers(min_value=5, max_value=200).map(lambda n: "A" * (n * 1000)),  # huge
        text,
    )


def path_values(world, name, numeric):
    if numeric:  # see test_every_admin_url below
        return st.one_of(st.sampled_from(world["pks"]), st.integers(-5, 10**6).map(str))
    real = {"key": world["keys"], "slug": world["slugs"], "number": ["1", "2", "3"]}
    return st.one_of(
        st.sampled_from(real.get(name) or world["pks"]),
        st.sampled_from(world["pks"] + ["x", "1.5", "-1", "9" * 30]),
        text,
    )


@st.composite
def requests(draw, world, templates, admin=False):
    template = draw(st.sampled_from(templates))
    # Non-numeric ids on history pages give a 500 (ValueError) in django-simple-history's
    # views: security review D12, fixed in the other half of issue 10. Until that is merged
    # the history pages get numbers only; the rest of the admin gets anything.
    numeric = admin and "/history/" in template

    def fill(match):
        value = draw(path_values(world, match.group(1), numeric))
        return quote(value, safe="") or "x"

    path = re.sub(r"<(\w+)>", fill, template)
    names = st.one_of(
        st.sampled_from(world["facts"]),
        st.sampled_from(["s", "return", "q", "o", "p", "e", "all", "_to_field", "_popup",
                         "rule_set", "case", "language", "next", "number", "ordering"]),
        st.sampled_from([f"{f}:{c}" for f in rules.PER_CONCERN_FACTS for c in rules.CONCERNS]),
        st.text(max_size=12),
    )  # fmt: skip
    values = st.one_of(st.sampled_from(world["values"]), text)
    query = draw(
        st.dictionaries(names, st.one_of(values, st.lists(values, max_size=3)), max_size=4)
    )
    if draw(st.booleans()):
        query["s"] = draw(tokens(world))
    method = draw(st.sampled_from(["GET", "GET", "GET", "POST", "POST", "HEAD", "PUT", "DELETE"]))
    body, content_type = b"", "application/octet-stream"
    if method == "POST":
        form = draw(
            st.dictionaries(names, st.one_of(values, st.lists(values, max_size=3)), max_size=6)
        )
        form["s"] = query.pop("s", "") or draw(tokens(world))
        kind = draw(st.sampled_from(["form"] * 6 + ["multipart", "json", "text", "charset", "raw"]))
        if kind == "form":
            body, content_type = urlencode(form, doseq=True), "application/x-www-form-urlencoded"
        elif kind == "charset":
            body = urlencode(form, doseq=True)
            content_type = "application/x-www-form-urlencoded; charset=no-such-charset"
        elif kind == "multipart":
            boundary = draw(st.sampled_from(["b0undary", "", "x" * 200]))
            parts = "".join(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
                for k, v in form.items()
            )
            body = f"{parts}--{boundary}--\r\n"
            content_type = f"multipart/form-data; boundary={boundary}"
        elif kind == "json":
            body, content_type = json.dumps(form), "application/json"
        elif kind == "text":
            body, content_type = draw(text), "text/plain"
        else:
            body = draw(st.binary(max_size=2000))
        body = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    headers = {}
    if draw(st.sampled_from([False] * 9 + [True])):  # one in ten; False is what it shrinks to
        hosts = ["evil.example", "", "testserver:99999", "a" * 300, "testserver\r\nX: y"]
        headers["HTTP_HOST"] = draw(st.sampled_from(hosts))
    if draw(st.booleans()):
        headers["HTTP_ACCEPT_LANGUAGE"] = draw(st.sampled_from(["en", "nb", "xx", "*", ""]) | text)
    cookie_names = st.sampled_from(["django_language", "csrftoken", "messages", "sessionid"])
    cookies = draw(st.dictionaries(cookie_names, text, max_size=2))
    if draw(st.booleans()):
        headers["HTTP_X_FORWARDED_PROTO"] = draw(st.sampled_from(["https", "http", "x"]))
    user = draw(st.sampled_from(["anonymous", "superuser", "editor"])) if admin else "anonymous"
    return {
        "method": method,
        "path": path,
        "query": urlencode(query, doseq=True),
        "body": body,
        "content_type": content_type,
        "headers": headers,
        "cookies": cookies,
        "user": user,
    }


@pytest.fixture
def clients():
    """One client per kind of user. Logged-in POSTs carry no CSRF token, so the fuzz cannot
    change or delete admin rows under itself; anonymous POSTs get a valid CSRF pair."""
    anonymous = Client(enforce_csrf_checks=True, raise_request_exception=False)
    anonymous.get("/guide/q/acute_danger/")  # a page with a form that needs the token
    csrf = anonymous.cookies["csrftoken"].value if "csrftoken" in anonymous.cookies else ""
    superuser = User.objects.create_superuser("fuzz-admin", password=secrets.token_urlsafe())
    logged_in = {}
    for name, user in [("superuser", superuser), ("editor", make_editor("Innholdsredaktør"))]:
        client = Client(enforce_csrf_checks=True, raise_request_exception=False)
        client.force_login(user)
        logged_in[name] = client
    return {"anonymous": anonymous, **logged_in}, csrf


def send(clients, request):
    by_user, csrf = clients
    client = by_user[request["user"]]
    cookies = dict(request["cookies"])
    if request["user"] == "anonymous":
        cookies.setdefault("csrftoken", csrf)
        extra_token = {"HTTP_X_CSRFTOKEN": csrf}
    else:
        cookies["sessionid"] = client.cookies["sessionid"].value
        extra_token = {}
    cookie = "; ".join(f"{k}={quote(v, safe='')}" for k, v in cookies.items())
    url = request["path"] + ("?" + request["query"] if request["query"] else "")
    return client.generic(
        request["method"],
        url,
        data=request["body"],
        content_type=request["content_type"],
        HTTP_COOKIE=cookie,
        **extra_token,
        **request["headers"],
    )


def check(clients, request):
    raised = []

    def keep(**kwargs):
        raised.append(traceback.format_exc(limit=-8))

    got_request_exception.connect(keep)
    try:
        response = send(clients, request)
    finally:
        got_request_exception.disconnect(keep)
    STATUSES[response.status_code] += 1
    shown = {k: (v[:200] if isinstance(v, str | bytes) else v) for k, v in request.items()}
    assert response.status_code < 500, f"{response.status_code} for {shown}\n{''.join(raised)}"
    if response.status_code == 500 or not hasattr(response, "content"):
        return
    assert b"Traceback" not in response.content, shown


def test_every_public_url_answers_below_500_whatever_it_is_sent(world, clients):
    @FUZZ
    @given(requests(world, PUBLIC_WEIGHTED))
    def run(request):
        check(clients, request)

    run()


def test_every_admin_url_answers_below_500_whatever_it_is_sent(world, clients):
    @FUZZ
    @given(requests(world, ADMIN_URLS, admin=True))
    def run(request):
        check(clients, request)

    run()


def test_the_fuzz_reaches_every_url_in_the_urlconf():
    assert "/guide/q/<key>/" in PUBLIC_URLS
    assert "/trainer/<slug>/present/<number>/" in PUBLIC_URLS
    assert "/admin/guidance/rule/<object_id>/history/<history_id>/" in ADMIN_URLS
    assert len(ADMIN_URLS) > 100


def teardown_module():
    if REPORT:
        with open(REPORT, "w") as f:
            json.dump(dict(STATUSES), f)
