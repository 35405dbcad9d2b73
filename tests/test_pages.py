"""Fewer pages (issue 9): the questions grouped by topic, the walk of every case file within
eight pages, progress by topic, and the county remembered on the device."""

import json
import re

import pytest
import yaml
from django.core.management import call_command

from guidance import content, rules, views
from tests.conftest import case_files
from tests.test_guide import page_data, raw_of, shown, walk_pages

pytestmark = pytest.mark.django_db

CASES = case_files()
MAX_PAGES = 8  # question pages and the review, between the start page and the result


def q(key, topic, order, show_when=(), options=("true", "false")):
    return rules.Question(
        key=key,
        fact=key,
        order=order,
        texts={"nb": key},
        options=tuple(rules.Option(v, {"nb": v}) for v in options),
        show_when=tuple(show_when),
        topic=topic,
    )


CONCERNS = tuple(rules.CONCERNS)
TRAFFICKING = rules.Condition("concerns", "contains", ("trafficking",))
YOUNG = rules.Condition("person_age", "in", ("child_under_14", "child_14_15"))
QUESTIONS = (
    q("acute_danger", "danger", 10),
    q("concerns", "suspicion", 20, options=CONCERNS),
    q("person_age", "person", 30, options=rules.PERSON_AGES),
    # shown by an answer on its own topic's page: a follow-up page of the same topic
    q("peers", "person", 35, show_when=[YOUNG]),
    q("pregnant", "person", 40),
    q("aggravated", "act", 50, show_when=[TRAFFICKING]),
    q("timing", "certainty", 60, options=rules.TIMINGS),
    q("likelihood", "certainty", 70, options=rules.LIKELIHOODS),
    q("county", "place", 80, options=()),
)


def keys(pages):
    return [[question.key for question in page.questions] for page in pages]


def test_a_page_holds_the_consecutive_questions_of_one_topic():
    assert keys(rules.pages(QUESTIONS, {})) == [
        ["acute_danger"],
        ["concerns"],
        ["person_age", "pregnant"],
        ["timing", "likelihood"],
        ["county"],
    ]


def test_a_question_shown_by_an_answer_on_its_page_gets_a_follow_up_page_of_the_topic():
    answers = {"acute_danger": False, "concerns": frozenset({"trafficking"})}
    assert keys(rules.pages(QUESTIONS, answers))[2:4] == [
        ["person_age", "pregnant"],
        ["aggravated"],
    ]
    young = {**answers, "person_age": "child_14_15"}
    found = rules.pages(QUESTIONS, young)
    assert keys(found)[2:5] == [["person_age"], ["peers", "pregnant"], ["aggravated"]]
    assert {p.topic for p in found[2:4]} == {"person"}


def test_timing_and_likelihood_per_concern_have_a_page_of_their_own():
    one = rules.pages(QUESTIONS, {"concerns": frozenset({"fgm"})})
    assert not any(p.per_concern for p in one)
    several = rules.pages(QUESTIONS, {"concerns": frozenset({"fgm", "forced_marriage"})})
    page = next(p for p in several if p.topic == "certainty")
    assert page.per_concern and [x.key for x in page.questions] == ["timing", "likelihood"]


def test_questions_without_a_topic_keep_a_page_each():
    bare = tuple(
        rules.Question(x.key, x.fact, x.order, x.texts, options=x.options) for x in QUESTIONS
    )
    assert all(len(p.questions) == 1 for p in rules.pages(bare, {}))


def test_next_leads_to_the_next_page_with_something_unanswered_else_the_review():
    answers = {"acute_danger": False, "concerns": frozenset({"fgm"}), "county": "03"}
    found = rules.pages(QUESTIONS, answers)
    after_concerns = rules.next_page(QUESTIONS, answers, found[1])
    assert after_concerns.key == "person_age"
    done = {**answers, "person_age": "adult", "pregnant": False, "timing": "ongoing"}
    done["likelihood"] = "unclear"
    timing = next(p for p in found if p.key == "timing")
    # the county remembered on the device costs no page
    assert rules.next_page(QUESTIONS, done, timing) is None
    assert rules.first_unanswered_page(QUESTIONS, done) is None


def test_only_pages_up_to_the_first_unanswered_are_reachable():
    answers = {"acute_danger": False}
    found = rules.pages(QUESTIONS, answers)
    assert [rules.reachable(p, QUESTIONS, answers) for p in found] == [
        True,
        True,
        False,
        False,
        False,
    ]
    assert not rules.reachable(found[2], QUESTIONS, {})


def test_a_route_says_where_back_and_next_lead_and_which_page_asks_a_question():
    answers = {"acute_danger": False, "concerns": frozenset({"fgm"})}
    route = rules.route(QUESTIONS, answers)
    assert keys(route.pages) == keys(rules.pages(QUESTIONS, answers))
    first, second, third = route.pages[:3]
    assert route.before(first) is None and route.before(third) == second
    assert route.after(first) == third  # the concerns are answered: no page for them
    assert route.after(None) == third
    assert route.pending == third
    assert route.page_of(QUESTIONS[4]).key == "person_age"  # pregnant, on the person's page
    assert route.page_of(QUESTIONS[5]) is None  # aggravated: not asked about FGM


def test_an_unasked_page_or_none_is_not_reachable_and_the_walk_goes_on_at_the_pending_page():
    route = rules.route(QUESTIONS, {"acute_danger": False, "concerns": frozenset({"fgm"})})
    assert not route.reachable(None)
    assert not route.reachable(rules.Page("act", (QUESTIONS[5],)))
    assert [route.reachable(p) for p in route.pages] == [True, True, True, False, False]


def test_progress_counts_topics_and_skips_a_topic_with_nothing_to_ask():
    assert rules.topic_order(QUESTIONS) == [
        "danger",
        "suspicion",
        "person",
        "act",
        "certainty",
        "place",
    ]
    answers = {"concerns": frozenset({"fgm"})}  # no "act" question for FGM
    numbers = [rules.progress(p, QUESTIONS) for p in rules.pages(QUESTIONS, answers)]
    assert numbers == [(1, 6), (2, 6), (3, 6), (5, 6), (6, 6)]


def test_progress_never_goes_down_even_when_topics_are_interleaved():
    mixed = (q("a", "person", 1), q("b", "act", 2), q("c", "person", 3), q("d", "place", 4))
    numbers = [rules.progress(p, mixed)[0] for p in rules.pages(mixed, {})]
    assert numbers == sorted(numbers) and numbers[-1] == 3


def test_every_topic_has_a_name_in_both_languages():
    for code in rules.TOPICS:
        assert rules.topic_name(code, "nb") and rules.topic_name(code, "en")
        assert rules.topic_name(code, "nb") != rules.topic_name(code, "en")


def test_the_seed_questions_all_have_a_topic_and_no_same_page_follow_up():
    questions = content.snapshot().questions
    assert all(x.topic in rules.TOPICS for x in questions)
    assert len(rules.topic_order(questions)) == len(rules.TOPICS)
    # the hard questions stay alone on their page
    first = rules.pages(questions, {})
    assert keys(first)[:2] == [["acute_danger"], ["concerns"]]


# --- Every case file, walked through the pages as a browser without JavaScript ---------------


@pytest.mark.parametrize("path", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_case_reaches_its_result_within_eight_pages(client, path, capsys):
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    token, passed = walk_pages(client, case["facts"])
    assert len(passed) + 1 <= MAX_PAGES, [key for key, _, _ in passed]
    steps = [step for _, _, step in passed]
    assert steps == sorted(steps), f"the progress went backwards: {steps}"
    response = client.get(f"/guide/result/?s={token}")
    outcomes, contacts = shown(response)
    call_command("evaluate", str(path))
    expected = json.loads(capsys.readouterr().out)
    assert sorted(outcomes) == sorted(o["code"] for o in expected["outcomes"])
    assert contacts == [c["slug"] for c in expected["contacts"]]


def test_the_progress_says_topic_n_of_seven_and_the_topics_name(client):
    text = client.get(client.get("/guide/")["Location"]).content.decode()
    assert "Emne 1 av 7: Akutt fare" in text


def test_a_page_of_several_questions_has_a_fieldset_each_with_its_own_help_and_errors(client):
    facts = {"concerns": ["fgm"], "timing": "ongoing", "county": "03"}
    token, _ = walk_pages(client, facts, until="person_age")
    response = client.post("/guide/q/person_age/", {"s": token, "pregnant": "false"})
    assert response.status_code == 200
    text = response.content.decode()
    summary = text[text.index('id="error-summary"') : text.index("</ul>")]
    assert 'href="#person_age-0"' in summary and 'href="#children_in_household-0"' in summary
    assert 'href="#pregnant-0"' not in summary
    assert 'aria-describedby="person_age-help person_age-error"' in text
    assert 'value="false" checked' in text  # nothing typed is lost
    assert "Nei / ikke aktuelt" in text


def test_the_per_concern_page_lists_each_missing_answer_in_the_error_summary(client):
    facts = {"concerns": ["fgm", "forced_marriage"], "timing": "ongoing", "county": "03"}
    token, _ = walk_pages(client, facts, until="timing")
    response = client.post("/guide/q/timing/", {"s": token, "timing:fgm": "past_only"})
    text = response.content.decode()
    summary = text[text.index('id="error-summary"') : text.index("</ul>")]
    assert 'href="#timing-forced_marriage-0"' in summary
    assert 'href="#likelihood-fgm-0"' in summary
    assert 'id="timing-forced_marriage-error"' in text
    assert 'value="past_only" checked' in text


def test_a_later_questions_address_leads_to_its_page(client):
    token, _ = walk_pages(client, {"concerns": ["fgm"], "timing": "ongoing"}, until="timing")
    response = client.get(f"/guide/q/likelihood/?s={token}")
    assert response["Location"].startswith("/guide/q/timing/")


def test_acute_pages_show_the_compact_box_with_the_numbers_and_the_full_text_folded(client):
    token, _ = walk_pages(client, {"acute_danger": True, "concerns": ["fgm"]}, until="concerns")
    text = client.get(f"/guide/q/concerns/?s={token}").content.decode()
    box = text[text.index('class="acute-compact') : text.index("</aside>")]
    assert 'href="tel:112"' in box and 'href="tel:113"' in box
    assert "<details" in box and "§ 31" in box
    assert "emergency-box alert alert-danger d-flex" not in text  # not two red boxes


# --- The county, remembered on the clinician's device ----------------------------------------

WEST = {"concerns": ["negative_social_control"], "timing": "ongoing", "county": "46"}


def test_answering_the_county_remembers_its_number_and_nothing_else(client):
    walk_pages(client, WEST)
    cookie = client.cookies[views.COUNTY_COOKIE]
    assert cookie.value == "46"
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) >= 360 * 24 * 60 * 60
    assert not cookie["secure"]  # a plain-HTTP test request; see the next test


def test_the_county_cookie_is_secure_over_https(client):
    token, _ = walk_pages(client, WEST, until="county")
    response = client.post("/guide/q/county/", {"s": token, "county": "03"}, secure=True)
    assert response.cookies[views.COUNTY_COOKIE]["secure"]


def test_a_new_walk_starts_with_the_county_so_the_county_page_costs_nothing(client):
    _, first = walk_pages(client, WEST)
    token, second = walk_pages(client, WEST)
    assert [k for k, _, _ in first][-1] == "county"
    assert "county" not in [k for k, _, _ in second]
    assert len(second) == len(first) - 1
    assert raw_of(client, token)["county"] == "46"
    review = client.get(f"/guide/review/?s={token}").content.decode()
    assert "husket på denne enheten" in review
    assert re.search(r'href="/guide/q/county/\?s=[^"]*return=review"', review)


def test_the_county_page_says_it_is_remembered_on_this_device(client):
    token, _ = walk_pages(client, WEST, until="county")
    text = client.get(f"/guide/q/county/?s={token}").content.decode()
    assert "husker fylket på denne enheten" in text


def test_a_remembered_county_that_no_longer_exists_is_asked_again(client):
    client.cookies[views.COUNTY_COOKIE] = "99"
    assert client.get("/guide/")["Location"] == "/guide/q/acute_danger/"
    client.cookies[views.COUNTY_COOKIE] = "46; drop table"
    assert client.get("/guide/")["Location"] == "/guide/q/acute_danger/"


def test_avslutt_leaves_the_county_it_is_the_workplace_not_the_patient(client):
    walk_pages(client, WEST)
    response = client.get("/guide/exit/")
    assert views.COUNTY_COOKIE not in response.cookies
    assert client.cookies[views.COUNTY_COOKIE].value == "46"


# --- Queries per page stay pinned -------------------------------------------------------------


def test_no_page_of_a_walk_reads_the_database(client, django_assert_num_queries):
    facts = yaml.safe_load(CASES[0].read_text(encoding="utf-8"))["facts"]
    # The walk warms the content cache; its version is checked once per CONTENT_CHECK_SECONDS.
    token, passed = walk_pages(client, facts)
    for key, _, _ in passed:
        with django_assert_num_queries(0):
            client.get(f"/guide/q/{key}/?s={token}")
    key, fields, _ = passed[2]
    with django_assert_num_queries(0):
        response = client.post(f"/guide/q/{key}/", {"s": token, **page_data(facts, fields)})
    assert response.status_code == 302
    with django_assert_num_queries(0):
        client.get(f"/guide/review/?s={token}")
    with django_assert_num_queries(0):
        client.get("/guide/")
