"""The clinician's guide through its public URLs: questions, branching, review, result."""

import datetime as dt
import json
import re
import time
from unittest import mock
from urllib.parse import parse_qs, urlparse

import pytest
import yaml
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guidance import content, presenting, rules, sealing
from tests.conftest import case_files

pytestmark = pytest.mark.django_db

CASES = case_files()


def first_case():
    """The facts of the first case file: partner violence, serious or repeated."""
    return yaml.safe_load(CASES[0].read_text(encoding="utf-8"))["facts"]


def raw_of(client, token):
    """The answers in a token made for this client's browser (its walk cookie, if any)."""
    cookie = client.cookies.get(sealing.WALK_COOKIE)
    return sealing.unseal(token, cookie.value if cookie else "")


def token_of(response):
    """The walk token in a redirect's Location."""
    query = parse_qs(urlparse(response["Location"]).query)
    return query.get("s", [""])[0]


def answer(client, key, value, token=""):
    """POST one answer the way the form does; returns the redirect."""
    data = {"s": token}
    data[key] = value
    return client.post(f"/guide/q/{key}/", data)


def fields_on(text):
    """The form fields a page asks, by name (``timing``, ``timing:fgm``, ...)."""
    names = re.findall(r'<(?:input|select)[^>]*?name="([a-z_]+(?::[a-z_]+)?)"', text)
    return [n for n in dict.fromkeys(names) if n.partition(":")[0] in rules.FACTS]


def page_data(facts, fields):
    """What a clinician posts on a page asking ``fields`` (fact names, or form field names as
    ``fields_on`` finds them) for these case facts, with neutral values for facts the case
    leaves out. On the per-concern page (several concerns) a per-concern answer goes in
    ``timing:<concern>``, one value for all in the plain field."""
    if isinstance(fields, str):
        fields = [fields]
    neutral = {name: spec.default for name, spec in rules.FACTS.items()}
    data = {}
    for fact in dict.fromkeys(name.partition(":")[0] for name in fields):
        value = facts.get(fact, neutral[fact])
        if isinstance(value, dict):
            data.update({f"{fact}:{concern}": v for concern, v in value.items()})
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif fact == "children_in_household" and isinstance(facts.get(fact), bool):
            value = "yes" if value else "no"
        elif fact == "county":
            value = f"{int(value):02d}" if not isinstance(value, str) else value
        data[fact] = value
    return data


def key_of(location):
    return urlparse(location).path.rstrip("/").rsplit("/", 1)[-1]


def walk_pages(client, facts, until=None):
    """Answer every page the guide shows with the case's facts, as a browser without
    JavaScript does: open the page, fill in each of its questions, post, follow the redirect.
    Returns the token and the pages passed (each as (key, fields, topic number)); stops at the
    review, or before the page ``until``."""
    location = client.get("/guide/")["Location"]
    token = parse_qs(urlparse(location).query).get("s", [""])[0]
    passed = []
    for _ in range(30):
        path = urlparse(location).path
        if key_of(location) == until:
            return token, passed
        if path == "/guide/review/":
            wanted = page_data(facts, ["county"])["county"]
            if raw_of(client, token).get("county") == wanted:
                return token, passed
            # The county this device remembers is not the case's: change it from the review,
            # as a clinician working elsewhere today would.
            location = path = f"/guide/q/county/?s={token}&return=review"
        page = client.get(location)
        assert page.status_code == 200, location
        text = page.content.decode()
        fields = fields_on(text)
        step = int(re.search(r'data-step="(\d+)"', text).group(1))
        passed.append((key_of(location), fields, step))
        data = {"s": token, **page_data(facts, fields)}
        if "return=review" in location:
            data["return"] = "review"
        response = client.post(urlparse(path).path, data)
        assert response.status_code == 302, response.content.decode()[:500]
        location, token = response["Location"], token_of(response)
    raise AssertionError("the walk did not reach the review page")


def walk_case(client, facts):
    """Walk the guide with the case's facts to the review page; returns the final token."""
    return walk_pages(client, facts)[0]


def shown(response):
    text = response.content.decode()
    return (
        re.findall(r'data-outcome="([A-Z_]+)"', text),
        re.findall(r'data-contact="([a-z0-9-]+)"', text),
    )


def test_the_start_page_says_what_the_guide_is_and_is_not(client):
    text = client.get("/").content.decode()
    assert 'data-action="start"' in text
    assert "tel:112" in text and "tel:113" in text
    assert "five minutes" in text or "fem minutter" in text


def test_starting_leads_to_the_first_question(client):
    response = client.get("/guide/")
    assert response.status_code == 302
    assert response["Location"] == "/guide/q/acute_danger/"


def test_a_question_page_names_its_field_after_the_fact_and_offers_contract_values(client):
    text = client.get("/guide/q/acute_danger/").content.decode()
    assert 'name="acute_danger" id="acute_danger-0" value="true"' in text
    assert 'value="false"' in text
    assert 'data-action="next"' in text and 'data-action="back"' in text
    assert "1 av" in text or "1 of" in text


def test_answering_moves_on_and_carries_the_answer_in_an_encrypted_token(client):
    response = answer(client, "acute_danger", "false")
    assert response["Location"].startswith("/guide/q/concerns/?s=")
    assert "acute_danger" not in response["Location"]
    assert sealing.unseal(token_of(response)) == {"acute_danger": "false"}


def test_acute_danger_puts_what_to_do_now_first_on_the_next_page(client):
    response = answer(client, "acute_danger", "true")
    page = client.get(response["Location"]).content.decode()
    assert page.index("tel:112") < page.index('name="concerns"')
    assert "acute-compact" in page


def test_a_follow_up_question_appears_only_when_an_answer_calls_for_it(client):
    def asked(concerns):
        _, passed = walk_pages(client, {"concerns": concerns, "timing": "ongoing", "county": "03"})
        return [field for _, fields, _ in passed for field in fields]

    assert "aggravated" in asked(["trafficking"])
    assert "serious_or_repeated" not in asked(["trafficking"])
    assert "serious_or_repeated" in asked(["partner_family_violence"])
    assert "serious_or_repeated" in asked(["negative_social_control"])
    fgm = asked(["fgm"])
    assert not {"aggravated", "serious_or_repeated", "sexual_act", "peers"} & set(fgm)
    assert fgm.index("children_in_household") < fgm.index("timing")


def test_a_missing_answer_is_a_form_error_the_clinician_understands(client):
    token = token_of(answer(client, "acute_danger", "false"))
    response = client.post("/guide/q/concerns/", {"s": token})
    assert response.status_code == 200
    text = response.content.decode()
    assert 'role="alert"' in text
    assert "Velg minst ett svar" in text or "Choose at least one answer" in text


def test_a_forged_value_is_a_form_error_not_a_500(client):
    response = answer(client, "likelihood", "definitely")
    # likelihood is not reachable yet: the guide sends the clinician to the first question
    assert response.status_code == 302
    token = walk_until(client, "timing")
    response = client.post(
        "/guide/q/timing/", {"s": token, "timing": "ongoing", "likelihood": "definitely"}
    )
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode() or 'role="alert"' in response.content.decode()


@pytest.mark.parametrize(
    "posted",
    [
        {"concerns": ["fgm", "trafficking"], "acute_danger": "false", "county": "03"},
        {"concerns": ["fgm", "fgm"], "acute_danger": "true", "county": "46"},
        {"concerns": [], "acute_danger": "false", "county": "03"},
        {"concerns": ["fgm", "burglary"], "acute_danger": "false", "county": "03"},
        {"concerns": ["fgm"], "acute_danger": "maybe", "county": "03"},
        {"concerns": ["fgm"], "acute_danger": ["true", "false"], "county": "03"},
        {"concerns": ["fgm"], "acute_danger": "", "county": "03"},
        {"concerns": ["fgm"], "acute_danger": "false", "county": "99"},
        {"concerns": ["fgm"], "county": ""},
    ],
    ids=["valid", "repeated", "no-list", "unknown-in-list", "unknown", "twice", "blank",
         "no-county", "missing"],
)  # fmt: skip
def test_a_post_checked_without_the_form_is_valid_exactly_when_the_form_is(posted):
    from django.http import QueryDict

    from guidance import forms

    snap = content.snapshot()
    asked = [q for q in snap.questions if q.fact in ("concerns", "acute_danger", "county")]
    assert len(asked) == 3
    data = QueryDict(mutable=True)
    for fact, value in posted.items():
        data.setlist(fact, value if isinstance(value, list) else [value])
    form = forms.page_form(asked, "nb", snap.counties, data=data)
    lean = forms.page_answers(asked, snap.counties, data)
    assert (lean is not None) == form.is_valid()
    if lean is not None:
        assert lean == form.cleaned_data


def walk_until(client, key):
    facts = {
        "concerns": ["trafficking"],
        "timing": "ongoing",
        "county": "03",
        "person_age": "adult",
        "aggravated": False,
    }
    return walk_pages(client, facts, until=key)[0]


def test_a_tampered_token_starts_the_guide_again_with_a_message(client):
    response = client.get("/guide/q/concerns/?s=not-a-real-token", follow=True)
    assert response.redirect_chain[0][0] == "/guide/"
    assert "startet på nytt" in response.content.decode() or "started again" in (
        response.content.decode()
    )


def test_an_expired_token_starts_the_guide_again_and_says_after_how_long(client, settings):
    token = token_of(answer(client, "acute_danger", "false"))
    settings.WALK_MAX_AGE = -1
    response = client.get(f"/guide/q/concerns/?s={token}", follow=True)
    assert response.redirect_chain[0][0] == "/guide/"
    settings.WALK_MAX_AGE = 2 * 60 * 60
    token = token_of(answer(client, "acute_danger", "false"))
    settings.WALK_MAX_AGE = 120
    with mock.patch.object(sealing.time, "time", return_value=time.time() + 121):
        response = client.get(f"/guide/q/concerns/?s={token}", follow=True)
    assert "2 minutes old" in response.content.decode() or "2 minutter gamle" in (
        response.content.decode()
    )


def tokens_on(response):
    """Every walk token a page carries: in its links and in its forms."""
    text = response.content.decode()
    return set(re.findall(r"[?&;]s=([\w-]+)", text)) | set(
        re.findall(r'name="s" value="([\w-]+)"', text)
    )


def test_a_page_only_looked_at_carries_the_token_it_was_given(client):
    token = token_of(answer(client, "acute_danger", "false"))
    for path in ("/guide/q/concerns/", "/guide/q/acute_danger/"):
        assert tokens_on(client.get(f"{path}?s={token}")) == {token}
    # An answer changes the walk, so it travels in a new token.
    assert token_of(answer(client, "acute_danger", "true", token)) != token


def test_a_token_with_a_character_the_guide_never_writes_starts_again(client):
    """Base64 decoding would skip the "!" and the "*", and the page would hand them on."""
    token = token_of(answer(client, "acute_danger", "false"))
    response = client.get("/guide/q/concerns/", {"s": f"{token[:20]}!*{token[20:]}"})
    assert response["Location"] == "/guide/"


def test_looking_at_a_page_does_not_make_a_walk_younger(client, settings):
    """A token's age is the time since the last answer, however often the pages are opened."""
    token = token_of(answer(client, "acute_danger", "false"))
    settings.WALK_MAX_AGE = 120
    with mock.patch.object(sealing.time, "time", return_value=time.time() + 100):
        (shown,) = tokens_on(client.get(f"/guide/q/concerns/?s={token}"))
    with mock.patch.object(sealing.time, "time", return_value=time.time() + 121):
        response = client.get(f"/guide/q/concerns/?s={shown}")
    assert response["Location"] == "/guide/"


def test_a_sealed_token_with_answers_outside_the_contract_starts_again(client):
    token = sealing.seal({"likelihood": "definitely"})
    response = client.get(f"/guide/review/?s={token}")
    assert response["Location"] == "/guide/"


def test_jumping_ahead_by_url_leads_back_to_the_first_unanswered_question(client):
    token = token_of(answer(client, "acute_danger", "false"))
    for path in ("/guide/q/county/", "/guide/review/", "/guide/result/"):
        response = client.get(f"{path}?s={token}")
        assert urlparse(response["Location"]).path == "/guide/q/concerns/", path


def test_an_unknown_question_leads_to_the_first_unanswered(client):
    response = client.get("/guide/q/favourite-colour/")
    assert response["Location"] == "/guide/q/acute_danger/"


def test_back_goes_to_the_previous_question_with_the_answers_kept(client):
    token = token_of(answer(client, "acute_danger", "false"))
    text = client.get(f"/guide/q/concerns/?s={token}").content.decode()
    back = re.search(r'href="([^"]+)" data-action="back"', text).group(1)
    assert back.startswith("/guide/q/acute_danger/?s=")
    again = client.get(back.replace("&amp;", "&")).content.decode()
    assert 'value="false" checked' in again


def test_changing_an_earlier_answer_keeps_later_answers_that_still_apply(client):
    case = first_case()  # partner violence with serious_or_repeated
    token = walk_case(client, case)
    answers = raw_of(client, token)
    assert "serious_or_repeated" in answers
    changed = answer(client, "concerns", ["partner_family_violence", "fgm"], token)
    kept = raw_of(client, token_of(changed))
    assert kept["serious_or_repeated"] == answers["serious_or_repeated"]
    assert kept["likelihood"] == answers["likelihood"]
    dropped = raw_of(client, token_of(answer(client, "concerns", "fgm", token)))
    assert "serious_or_repeated" not in dropped
    assert dropped["likelihood"] == answers["likelihood"]


def test_changing_an_answer_from_the_review_returns_to_the_review(client):
    token = walk_case(client, first_case())
    review = client.get(f"/guide/review/?s={token}").content.decode()
    assert "return=review" in review
    data = page_data({**first_case(), "timing": "expected"}, ["timing", "likelihood"])
    response = client.post("/guide/q/timing/", {"s": token, **data, "return": "review"})
    assert urlparse(response["Location"]).path == "/guide/review/"


def test_the_review_lists_every_answer_with_a_link_to_change_it(client):
    token = walk_case(client, first_case())
    text = client.get(f"/guide/review/?s={token}").content.decode()
    assert text.count("return=review") == len(raw_of(client, token))
    assert 'data-action="next"' in text


@pytest.mark.parametrize("path", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_the_result_page_agrees_with_evaluate(client, path, capsys):
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    token = walk_case(client, case["facts"])
    response = client.get(f"/guide/result/?s={token}")
    assert response.status_code == 200
    outcomes, contacts = shown(response)
    call_command("evaluate", str(path))
    expected = json.loads(capsys.readouterr().out)
    assert sorted(outcomes) == sorted(o["code"] for o in expected["outcomes"])
    assert contacts == [c["slug"] for c in expected["contacts"]]


def test_the_result_shows_law_links_why_phone_links_and_the_note(client):
    case = first_case()
    text = client.get(f"/guide/result/?s={walk_case(client, case)}").content.decode()
    assert 'href="https://lovdata.no/lov/2005-05-20-28/§196"' in text
    assert "<details" in text
    assert 'href="tel:112"' in text
    assert 'id="record-note"' in text and "readonly" in text
    assert "data-copy-target" in text


def test_a_duty_to_avert_is_named_under_you_must_share_as_strl_196(client):
    # Legal review, finding 23: the duty to avert overrides confidentiality, so the sharing
    # section says "you must share" with § 196 even when no other duty to share applies.
    facts = {
        "concerns": ["partner_family_violence"],
        "serious_or_repeated": True,
        "person_age": "adult",
        "timing": "ongoing",
        "likelihood": "certain_or_most_likely",
        "consent": "refuses",
        "children_in_household": "no",
        "county": "03",
    }
    response = client.get(f"/guide/result/?s={walk_case(client, facts)}")
    sharing = next(s for s in response.context["sections"] if s["key"] == "sharing")
    assert sharing["avert_crossref"][0][0] == "strl § 196"
    text = response.content.decode()
    crossref = text[text.index('data-crossref="avert"') :]
    assert crossref.index("§196") < crossref.index('href="#section-avert"')
    section = text[text.index('id="section-sharing"') : text.index('data-crossref="avert"')]
    assert section.count("sharing-kind") == 1
    assert "AVERT_DUTY" not in {i.get("code") for i in sharing["items"]}


def test_no_duty_to_avert_means_no_section_196_line_under_sharing(client):
    facts = {"concerns": ["elder_abuse"], "timing": "ongoing", "county": "03"}
    response = client.get(f"/guide/result/?s={walk_case(client, facts)}")
    assert 'data-crossref="avert"' not in response.content.decode()


def test_the_note_names_the_legal_basis_and_has_no_template_leftovers(client):
    case = first_case()
    response = client.get(f"/guide/result/?s={walk_case(client, case)}")
    note = response.context["note"]
    assert "strl § 196" in note
    assert "{" not in note and "&quot;" not in note


def test_open_now_follows_the_clock_in_oslo(client, monkeypatch):
    facts = {"concerns": ["elder_abuse"], "timing": "ongoing", "county": "03"}
    token = walk_case(client, facts)
    oslo = dt.timezone(dt.timedelta(hours=1))
    monkeypatch.setattr(presenting, "clock", lambda: dt.datetime(2026, 11, 23, 10, 0, tzinfo=oslo))
    monday = client.get(f"/guide/result/?s={token}").content.decode()
    monkeypatch.setattr(presenting, "clock", lambda: dt.datetime(2026, 11, 22, 10, 0, tzinfo=oslo))
    sunday = client.get(f"/guide/result/?s={token}").content.decode()

    def vern(text):
        return text[text.index('data-contact="vern-for-eldre"') :][:2500]

    assert "Åpen nå" in vern(monday) or "Open now" in vern(monday)
    assert "Stengt nå" in vern(sunday) or "Closed now" in vern(sunday)


def test_regional_contacts_follow_the_county_answered(client):
    base = {"concerns": ["negative_social_control"], "timing": "ongoing"}
    west = shown(client.get(f"/guide/result/?s={walk_case(client, {**base, 'county': '46'})}"))[1]
    north = shown(client.get(f"/guide/result/?s={walk_case(client, {**base, 'county': '55'})}"))[1]
    assert "rvts-vest" in west and "rvts-nord" not in west
    assert "rvts-nord" in north and "rvts-vest" not in north


def test_a_walk_writes_nothing_to_the_database(client):
    case = first_case()
    with CaptureQueriesContext(connection) as queries:
        token = walk_case(client, case)
        client.get(f"/guide/review/?s={token}")
        client.get(f"/guide/result/?s={token}")
    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == []
    assert not client.cookies.get("sessionid")


def test_english_shows_english_content(client):
    client.cookies["django_language"] = "en"
    text = client.get("/guide/q/acute_danger/").content.decode()
    assert 'lang="en"' in text
    question = content.snapshot().question("acute_danger")
    assert question.text("en") in text


def test_a_forged_form_post_without_csrf_is_a_400(client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/guide/q/acute_danger/", {"acute_danger": "true"})
    assert response.status_code == 400
    assert "Start" in response.content.decode() or "start" in response.content.decode()


def test_question_and_result_pages_use_a_constant_number_of_queries(
    client, django_assert_max_num_queries
):
    case = first_case()
    token = walk_case(client, case)
    client.get(f"/guide/result/?s={token}")  # warm the content cache
    # None at all: the content version is read once per CONTENT_CHECK_SECONDS (test_caching.py).
    with django_assert_max_num_queries(0):
        client.get(f"/guide/result/?s={token}")
    with django_assert_max_num_queries(0):
        client.get(f"/guide/q/timing/?s={token}")


# --- Several concerns: timing and likelihood per concern, on one page ---------------------------

TWO_CONCERNS = {
    "concerns": ["fgm", "forced_marriage"],
    "timing": {"fgm": "past_only", "forced_marriage": "expected"},
    "likelihood": "certain_or_most_likely",
    "person_age": "child_16_17",
    "consent": "refuses",
    "children_in_household": "yes",
    "county": "32",
}


def walk_to_timing(client, facts):
    """Answer the pages before the timing page; returns the token there."""
    return walk_pages(client, facts, until="timing")[0]


def test_with_several_concerns_timing_and_likelihood_share_one_page_with_a_fieldset_each(client):
    token = walk_to_timing(client, TWO_CONCERNS)
    page = client.get(f"/guide/q/timing/?s={token}").content.decode()
    for name in (
        "timing",
        "likelihood",
        "timing:fgm",
        "timing:forced_marriage",
        "likelihood:fgm",
        "likelihood:forced_marriage",
    ):
        assert f'name="{name}"' in page
    assert 'data-concern="fgm"' in page and 'data-concern="forced_marriage"' in page
    # likelihood has no page of its own then: its URL leads to the shared page
    response = client.get(f"/guide/q/likelihood/?s={token}")
    assert urlparse(response["Location"]).path == "/guide/q/timing/"


def test_a_concern_with_its_own_timing_gets_it_and_the_others_take_the_same_for_all(client):
    token = walk_to_timing(client, TWO_CONCERNS)
    response = client.post(
        "/guide/q/timing/",
        {
            "s": token,
            "timing": "expected",
            "timing:fgm": "past_only",
            "likelihood": "certain_or_most_likely",
        },
    )
    assert response.status_code == 302
    raw = raw_of(client, token_of(response))
    assert raw["timing"] == {"fgm": "past_only", "forced_marriage": "expected"}
    assert raw["likelihood"] == "certain_or_most_likely"


def test_a_concern_left_without_an_answer_is_a_form_error_naming_it(client):
    token = walk_to_timing(client, TWO_CONCERNS)
    response = client.post(
        "/guide/q/timing/",
        {"s": token, "timing:fgm": "past_only", "likelihood": "certain_or_most_likely"},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert 'role="alert"' in text
    assert "Tvangsekteskap" in text.split('role="alert"', 1)[1].split("</div>", 1)[0]


def test_a_forged_per_concern_value_is_a_form_error_not_a_crash(client):
    token = walk_to_timing(client, TWO_CONCERNS)
    response = client.post(
        "/guide/q/timing/",
        {"s": token, "timing": "tomorrow", "likelihood": "certain_or_most_likely"},
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


def test_the_review_shows_each_concerns_own_answer(client):
    token = walk_case(client, TWO_CONCERNS)
    text = client.get(f"/guide/review/?s={token}").content.decode()
    assert "Kjønnslemlestelse: Bare tidligere" in text


def test_adding_a_concern_asks_timing_again_and_removing_one_keeps_the_rest(client):
    token = walk_case(
        client,
        {
            **TWO_CONCERNS,
            "concerns": ["fgm", "forced_marriage", "trafficking"],
            "timing": {"fgm": "past_only", "forced_marriage": "expected", "trafficking": "ongoing"},
        },
    )
    removed = answer(client, "concerns", ["fgm", "forced_marriage"], token)
    raw = raw_of(client, token_of(removed))
    assert raw["timing"] == {"fgm": "past_only", "forced_marriage": "expected"}
    added = answer(client, "concerns", ["fgm", "forced_marriage", "threat_to_life"], token)
    assert "timing" not in raw_of(client, token_of(added))


def test_a_walk_with_new_answers_holds_them_typed_as_its_token_gives_them():
    from guidance.walk import Walk, typed_answers

    snap = content.snapshot()
    walk = Walk({"acute_danger": "false", "concerns": ["fgm", "trafficking"]})
    walk = walk.with_answers(
        {"timing": {"fgm": "ongoing", "trafficking": "expected"}, "concerns": ["fgm"]},
        snap.questions,
    )
    assert dict(walk.answers) == dict(typed_answers(walk.raw))
    assert walk.answers["concerns"] == frozenset({"fgm"})
    assert Walk.from_token(walk.token).answers == walk.answers
