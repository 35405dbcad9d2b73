"""The JSON API under /api/v1/: it says what `manage.py evaluate` says, in the same words when
the input is wrong, as RFC 9457 problem documents, and it stores and logs nothing."""

import json
import re
from datetime import datetime
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection
from django.test import Client

from guidance import content, presenting, rules

from .conftest import case_files

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
CASES = case_files()


@pytest.fixture(autouse=True)
def no_rate_limit(settings):
    """Most tests send many requests from one address; the rate limit has tests of its own."""
    settings.API_RATE_LIMIT = ""


def evaluate_command(path, lang="nb"):
    out = StringIO()
    call_command("evaluate", str(path), "--lang", lang, stdout=out)
    return json.loads(out.getvalue())


def evaluate_error(tmp_path, doc):
    """The one line `manage.py evaluate` prints for a bad case file, without the file name."""
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("evaluate", str(path), stdout=StringIO())
    return str(caught.value).removeprefix(f"{path}: ")


def post(client, url, doc, **extra):
    return client.post(url, json.dumps(doc), content_type="application/json", **extra)


def case_doc(path):
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def assert_problem(response, status):
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == status
    assert problem["type"] == "about:blank"
    assert problem["title"] and problem["detail"]
    return problem


# --- The API agrees with `evaluate` -----------------------------------------------------------


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_evaluate_gives_what_the_command_prints_for_every_case(client, path):
    printed = evaluate_command(path)
    response = post(client, "/api/v1/evaluate", case_doc(path)["facts"])
    assert response.status_code == 200
    answer = response.json()
    assert [o["code"] for o in answer["outcomes"]] == [o["code"] for o in printed["outcomes"]]
    for given, expected in zip(answer["outcomes"], printed["outcomes"], strict=True):
        assert {key: given[key] for key in expected} == expected
    assert [c["slug"] for c in answer["contacts"]] == [c["slug"] for c in printed["contacts"]]
    for given, expected in zip(answer["contacts"], printed["contacts"], strict=True):
        assert {key: given[key] for key in expected} == expected
    assert answer["trace"] == printed["trace"]


def test_evaluate_speaks_english_like_the_command(client):
    path = CASES[0]
    printed = evaluate_command(path, lang="en")
    answer = post(client, "/api/v1/evaluate?lang=en", case_doc(path)["facts"]).json()
    assert [o["title"] for o in answer["outcomes"]] == [o["title"] for o in printed["outcomes"]]
    assert [c["name"] for c in answer["contacts"]] == [c["name"] for c in printed["contacts"]]
    assert answer["note"].startswith("Assessment of suspected violence")


def test_evaluate_adds_bodies_lovdata_links_hours_and_the_record_note(client, facts):
    answer = post(
        client,
        "/api/v1/evaluate?at=2026-12-07T10:00:00%2B01:00",
        facts(acute_danger=True, needs_interpreter=True),
    ).json()
    duty = next(o for o in answer["outcomes"] if o["code"] == "ACUTE_EMERGENCY")
    assert duty["body"] and duty["kind"] == "must"
    links = [link for o in answer["outcomes"] for link in o["legal_links"]]
    assert links and all(link["url"].startswith("https://lovdata.no/") for link in links)
    police = next(c for c in answer["contacts"] if c["slug"] == "police-112")
    assert police["phones"][0]["number"] == "112" and police["open"] is True
    assert answer["at"] == "2026-12-07T10:00:00+01:00"
    assert answer["note"].startswith("Vurdering ved mistanke")
    assert "7.12.2026 10:00" in answer["note"]
    assert "112" in answer["note"]


def test_whether_a_contact_is_open_follows_the_time_asked_for(client, ruleset):
    with_hours = next(
        c for c in ruleset.contacts if c.extra["hours"] and not c.extra["always_open"]
    )
    day, opens, _ = with_hours.extra["hours"][0]
    monday = datetime(2026, 12, 7)  # a Monday
    inside = monday.replace(day=7 + day, hour=opens.hour, minute=opens.minute)
    url = "/api/v1/contacts?at={}"
    answers = {
        when: client.get(url.format(when.isoformat() + "%2B01:00")).json()["contacts"]
        for when in (inside, monday.replace(day=13, hour=3))  # and a Sunday night
    }
    shown = {
        when: next(c for c in cs if c["slug"] == with_hours.slug) for when, cs in answers.items()
    }
    assert [c["open"] for c in shown.values()] == [True, False]


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_check_gives_what_the_command_says_for_every_case(client, path):
    out = StringIO()
    call_command("evaluate", "--check", str(path), stdout=out)
    answer = post(client, "/api/v1/check", case_doc(path)).json()
    assert answer["case"] == case_doc(path)["slug"]
    assert out.getvalue().startswith(f"PASS {answer['case']}")
    assert answer["passed"] is True and answer["problems"] == []


def test_check_names_what_is_missing_and_what_should_not_be_there(client, tmp_path):
    doc = case_doc(CASES[0])
    doc["expect"] = {"outcomes": {"include": ["PREGNANCY_CARE"], "exclude": ["DOCUMENT"]}}
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    out = StringIO()
    with pytest.raises(SystemExit):
        call_command("evaluate", "--check", str(path), stdout=out)
    printed = [line.strip() for line in out.getvalue().splitlines()[1:-1]]
    answer = post(client, "/api/v1/check", doc).json()
    assert answer["passed"] is False
    assert answer["missing_outcomes"] == ["PREGNANCY_CARE"]
    assert answer["unexpected_outcomes"] == ["DOCUMENT"]
    assert answer["problems"] == printed


# --- Bad input: problem documents in evaluate's words --------------------------------------

BAD_FACTS = {
    "unknown-fact": {"concerns": ["fgm"], "timing": "ongoing", "county": "03", "mood": "sad"},
    "missing-timing": {"concerns": ["fgm"], "county": "03"},
    "unknown-value": {"concerns": ["fgm"], "timing": "soon", "county": "03"},
    "unknown-county": {"concerns": ["fgm"], "timing": "ongoing", "county": "99"},
    "empty-concerns": {"concerns": [], "timing": "ongoing", "county": "03"},
    "mapping-names-another-concern": {
        "concerns": ["fgm"],
        "timing": {"fgm": "ongoing", "trafficking": "expected"},
        "county": "03",
    },
    "mapping-misses-a-concern": {
        "concerns": ["fgm", "forced_marriage"],
        "timing": {"fgm": "past_only"},
        "county": "03",
    },
    "not-a-mapping": ["fgm"],
}


@pytest.mark.parametrize("name", BAD_FACTS)
def test_bad_facts_are_a_400_in_the_words_of_evaluate(client, tmp_path, name):
    raw = BAD_FACTS[name]
    expected = evaluate_error(tmp_path, {"slug": "bad", "facts": raw})
    problem = assert_problem(post(client, "/api/v1/evaluate", raw), 400)
    assert problem["detail"] == expected
    (error,) = problem["errors"]
    assert expected == f"{error['field']}: {error['message']}"


def test_a_bad_fact_names_its_field_and_where_it_is_in_the_body(client):
    raw = BAD_FACTS["mapping-misses-a-concern"]
    (error,) = post(client, "/api/v1/evaluate", raw).json()["errors"]
    assert error["field"] == "facts.timing.forced_marriage"
    assert error["pointer"] == "/timing/forced_marriage"
    assert "must give a value for each concern" in error["message"]


@pytest.mark.parametrize(
    "doc",
    [
        {"slug": "Not A Slug", "facts": BAD_FACTS["missing-timing"]},
        {"slug": "ok", "facts": BAD_FACTS["unknown-county"]},
        {"slug": "ok", "facts": BAD_FACTS["unknown-value"], "colour": "red"},
        {
            "slug": "ok",
            "facts": {"concerns": ["fgm"], "timing": "ongoing", "county": "03"},
            "expect": {"outcomes": {"include": ["NOT_A_CODE"]}},
        },
    ],
    ids=["slug", "county", "unknown-key", "unknown-code"],
)
def test_a_bad_case_file_is_a_400_in_the_words_of_evaluate(client, tmp_path, doc):
    expected = evaluate_error(tmp_path, doc)
    problem = assert_problem(post(client, "/api/v1/check", doc), 400)
    assert problem["detail"] == expected
    assert expected.startswith(problem["errors"][0]["field"])


def test_malformed_json_is_a_400(client):
    response = client.post("/api/v1/evaluate", "{concerns:", content_type="application/json")
    assert assert_problem(response, 400)["detail"].startswith("malformed JSON")


def test_json_nested_too_deeply_is_a_400_not_a_crash(client):
    response = client.post("/api/v1/evaluate", "[" * 50_000, content_type="application/json")
    assert_problem(response, 400)


def test_another_content_type_is_a_415(client):
    response = client.post("/api/v1/evaluate", "concerns=fgm", content_type="text/plain")
    assert "application/json" in assert_problem(response, 415)["detail"]


def test_a_body_over_the_limit_is_a_413(client, settings, facts):
    settings.API_MAX_BODY_BYTES = 100
    small = facts()
    assert post(client, "/api/v1/evaluate", small).status_code == 200
    large = facts(concerns=["fgm"] * 20)
    assert_problem(post(client, "/api/v1/evaluate", large), 413)


def test_a_bad_query_parameter_is_a_400_not_a_422(client):
    problem = assert_problem(client.get("/api/v1/outcomes?lang=de"), 400)
    assert problem["errors"][0]["field"] == "lang"
    assert "pointer" not in problem["errors"][0]  # not in the body
    assert_problem(client.get("/api/v1/contacts?at=tomorrow"), 400)
    assert_problem(client.get("/api/v1/contacts?at=2026-12-07"), 400)


def test_contacts_reject_an_unknown_county_or_category_by_name(client):
    problem = assert_problem(client.get("/api/v1/contacts?county=99"), 400)
    assert problem["detail"].startswith("county: unknown county '99'")
    problem = assert_problem(client.get("/api/v1/contacts?category=astrology"), 400)
    assert problem["errors"][0]["field"] == "category"


# --- The rate limit ---------------------------------------------------------------------------


def test_a_client_over_its_rate_gets_a_429_with_retry_after(client, settings):
    settings.API_RATE_LIMIT = "2/m"
    cache.clear()
    assert [client.get("/api/v1/outcomes").status_code for _ in range(2)] == [200, 200]
    response = client.get("/api/v1/questions")
    problem = assert_problem(response, 429)
    assert 1 <= int(response["Retry-After"]) <= 60
    assert problem["detail"].startswith("too many requests")
    other = Client(REMOTE_ADDR="10.0.0.2")
    assert other.get("/api/v1/outcomes").status_code == 200


def test_the_rate_limit_cannot_be_dodged_with_a_forged_forwarded_for(client, settings):
    settings.API_RATE_LIMIT = "1/m"
    cache.clear()
    assert client.get("/api/v1/outcomes", HTTP_X_FORWARDED_FOR="1.1.1.1").status_code == 200
    assert client.get("/api/v1/outcomes", HTTP_X_FORWARDED_FOR="2.2.2.2").status_code == 429


# --- Content as data --------------------------------------------------------------------------


def test_contacts_for_a_county_are_the_national_ones_and_the_county_s_own(client, ruleset):
    shown = client.get("/api/v1/contacts?county=46").json()["contacts"]
    expected = [c.slug for c in ruleset.contacts if c.serves("46")]
    assert [c["slug"] for c in shown] == expected
    assert "rvts-vest" in expected and "rvts-ost" not in expected


def test_contacts_filter_by_category(client):
    shown = client.get("/api/v1/contacts?county=03&category=trafficking").json()["contacts"]
    assert shown and all("trafficking" in c["categories"] for c in shown)
    assert "rosa" in [c["slug"] for c in shown]


def test_outcomes_lists_every_outcome_in_result_order(client, ruleset):
    shown = client.get("/api/v1/outcomes?lang=en").json()["outcomes"]
    ordered = sorted(ruleset.outcomes.values(), key=lambda o: o.sort_key)
    assert [o["code"] for o in shown] == [o.code for o in ordered]
    assert set(rules.OUTCOME_CODES) == {o["code"] for o in shown}
    assert all(o["title"] and o["body"] for o in shown)


def test_questions_give_the_questionnaire_with_its_show_when_conditions(client):
    shown = client.get("/api/v1/questions?lang=en").json()["questions"]
    assert [q["order"] for q in shown] == sorted(q["order"] for q in shown)
    by_fact = {q["fact"]: q for q in shown}
    assert set(by_fact) == set(rules.FACTS)
    assert by_fact["timing"]["per_concern"] is True
    assert {"fact": "concerns", "op": "contains", "value": ["sexual_violence"]} in by_fact[
        "sexual_act"
    ]["show_when"]
    assert "46" in [o["value"] for o in by_fact["county"]["options"]]
    assert {o["value"] for o in by_fact["consent"]["options"]} == set(rules.CONSENTS)
    assert by_fact["person_age"]["topic"] == "person"
    assert by_fact["person_age"]["topic_name"] == "The person"


# --- Safety: stateless, silent, same origin, no CDN -------------------------------------------


def every_call(client, facts):
    case = case_doc(CASES[0])
    return [
        post(client, "/api/v1/evaluate", case["facts"]),
        post(client, "/api/v1/evaluate", BAD_FACTS["unknown-county"]),
        post(client, "/api/v1/check", case),
        client.get("/api/v1/contacts?county=46"),
        client.get("/api/v1/outcomes"),
        client.get("/api/v1/questions"),
        client.get("/api/v1/openapi.json"),
        client.get("/api/v1/docs"),
    ]


def test_nothing_is_written_to_the_database(client, facts):
    writes = []

    def refuse_writes(execute, sql, params, many, context):
        if re.match(r"\s*(INSERT|UPDATE|DELETE|CREATE|DROP|ALTER)\b", sql, re.IGNORECASE):
            writes.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse_writes):
        statuses = [r.status_code for r in every_call(client, facts)]
    assert statuses == [200, 400, 200, 200, 200, 200, 200, 200]
    assert writes == []


def test_no_body_or_fact_reaches_the_log(client, facts, caplog):
    caplog.set_level("DEBUG")
    every_call(client, facts)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for word in ["concerns", "timing", "forced_marriage", "partner_family_violence", "'99'"]:
        assert word not in logged


def test_a_database_that_does_not_answer_is_a_503(client, monkeypatch, facts):
    def down():
        raise DatabaseError("connection refused")

    monkeypatch.setattr(content, "snapshot", down)
    assert_problem(post(client, "/api/v1/evaluate", facts()), 503)
    assert_problem(client.get("/api/v1/outcomes"), 503)


def test_a_fault_of_our_own_is_a_problem_document_that_logs_no_fact(
    client, monkeypatch, facts, caplog
):
    def broken(context, request=None):
        raise ValueError("forced_marriage")

    monkeypatch.setattr(presenting, "record_note", broken)
    assert_problem(post(client, "/api/v1/evaluate", facts()), 500)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "ValueError" in logged and "forced_marriage" not in logged


def test_no_login_and_no_csrf_token_is_needed(facts):
    strict = Client(enforce_csrf_checks=True)
    assert post(strict, "/api/v1/evaluate", facts()).status_code == 200


def test_cross_origin_calls_are_refused_unless_the_origin_is_listed(client, settings):
    origin = "https://intranet.example"
    response = client.get("/api/v1/outcomes", HTTP_ORIGIN=origin)
    assert "Access-Control-Allow-Origin" not in response
    settings.CORS_ALLOWED_ORIGINS = [origin]
    response = client.get("/api/v1/outcomes", HTTP_ORIGIN=origin)
    assert response["Access-Control-Allow-Origin"] == origin
    assert "Access-Control-Allow-Origin" not in client.get("/", HTTP_ORIGIN=origin)


def test_the_docs_page_loads_only_our_own_files_under_the_csp(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all('src="/static/' in s or 'type="application/json"' in s for s in scripts)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    for asset in re.findall(r"""(?:src|href)="/static/([^"]+)\"""", html):
        assert finders.find(asset), asset  # vendored: shipped in django-ninja's static files
