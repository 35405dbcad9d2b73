"""Trainer mode through its public URLs: the case library, the presenter view and what-if."""

import re

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext
from markupsafe import escape  # as the public pages escape (Jinja2)

from guidance import content, models, rules
from tests.conftest import ROOT, SHARED_CASES

pytestmark = pytest.mark.django_db

WEBINAR_1 = "/trainer/webinar-1-gravid-kvinne"
LIBRARY_CASES = sorted((ROOT / "fixtures" / "cases").glob("*.yaml"))
OWN_CASES = [p for p in LIBRARY_CASES if not (SHARED_CASES / p.name).exists()]


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.content.decode()[:500]
    return response.content.decode()


def attributes(text, name):
    return re.findall(rf'{name}="([^"]+)"', text)


def case_facts(slug):
    return models.Case.objects.get(slug=slug).facts


# --- The library -----------------------------------------------------------------------------


def test_the_library_lists_every_case_with_its_story_concerns_and_county(client):
    text = page(client, "/trainer/")
    assert sorted(attributes(text, "data-case")) == sorted(
        models.Case.objects.values_list("slug", flat=True)
    )
    webinar = models.Case.objects.get(slug="webinar-1-gravid-kvinne")
    assert webinar.title in text and webinar.summary[:60] in text
    # Concerns in the questionnaire's words and the county by name, not codes.
    assert "Vold i nære relasjoner, Menneskehandel" in text
    assert "Vestland" in text
    assert "partner_family_violence" not in text.split('id="concern"')[0]


def test_the_library_filters_by_concern(client):
    text = page(client, "/trainer/?concern=sexual_violence")
    shown = set(attributes(text, "data-case"))
    expected = {
        c.slug for c in models.Case.objects.all() if "sexual_violence" in c.facts["concerns"]
    }
    assert shown == expected
    assert {"jente-15-seksuelle-overgrep", "voldtekt-for-ett-ar-siden"} <= shown
    assert "webinar-1-gravid-kvinne" not in shown
    assert 'value="sexual_violence" selected' in text


def test_an_unknown_concern_is_a_clear_message_not_a_500(client):
    text = page(client, "/trainer/?concern=bogus", status=400)
    assert 'role="alert"' in text and "«bogus»" in text
    assert len(attributes(text, "data-case")) == models.Case.objects.count()


def test_the_english_library_uses_english_case_texts_and_marks_bokmal_ones(client):
    client.cookies["django_language"] = "en"
    text = page(client, "/trainer/")
    assert "A 15-year-old girl asking for the morning-after pill" in text
    assert "Sexual violence" in text
    # The fixture copy of webinar 1 has English texts; a shared case without them is shown in
    # bokmål, marked as such.
    assert ">A pregnant woman exposed to violence and exploitation</a>" in text
    assert 'lang="nb">Kvinne som er truet på livet av samboer</a>' in text


def test_the_library_searches_titles_and_stories_in_both_languages(client):
    text = page(client, "/trainer/?q=gravid+svigermoren")
    assert attributes(text, "data-case") == ["webinar-1-gravid-kvinne"]
    assert 'value="gravid svigermoren"' in text
    text = page(client, "/trainer/?q=BUILDING+site")  # English story, any case
    assert attributes(text, "data-case") == ["webinar-2-mann-arbeidsskade"]
    text = page(client, "/trainer/?q=gravid&concern=trafficking")
    assert "webinar-1-gravid-kvinne" in attributes(text, "data-case")
    assert "jente-13-gravid-med-mann-pa-24" not in attributes(text, "data-case")
    assert "Ingen saker passer." in page(client, "/trainer/?q=zzzz")
    assert "Ingen saker passer." in page(client, "/trainer/?q=" + "z" * 500)


def test_the_first_link_of_the_library_presents_the_webinar_session_and_each_card_its_case(
    client,
):
    text = page(client, "/trainer/")
    main = text[text.index('<main id="main"') :]
    first = attributes(main, "href")[0]
    assert first == f"{WEBINAR_1}/present/?session=webinar-avvergingsplikt"
    cards = re.findall(r'data-case="([^"]+)">(.*?)</li>', main, re.S)
    assert len(cards) == models.Case.objects.count()
    for slug, html in cards:
        assert attributes(html, "href")[0] == f"/trainer/{slug}/present/"


def test_a_session_is_presented_from_its_first_case_to_the_end(client):
    session = "?session=webinar-avvergingsplikt"
    story = page(client, f"{WEBINAR_1}/present/{session}")
    assert "sak 1 av 2" in story and 'rel="prev"' not in story
    assert f'href="{WEBINAR_1}/present/1/{session}" rel="next"' in story
    step = page(client, f"{WEBINAR_1}/present/1/{session}")
    reveal_1 = f"{WEBINAR_1}/present/1/?reveal=1&amp;session=webinar-avvergingsplikt"
    assert f'href="{reveal_1}" rel="next"' in step
    reveal = page(client, f"{WEBINAR_1}/present/result/{session}")
    webinar_2 = "/trainer/webinar-2-mann-arbeidsskade"
    assert f'href="{webinar_2}/present/{session}" rel="next"' in reveal
    assert 'name="session" value="webinar-avvergingsplikt"' in reveal  # what-if keeps it
    second = page(client, f"{webinar_2}/present/{session}")
    assert "sak 2 av 2" in second
    assert f'href="{WEBINAR_1}/present/result/{session}" rel="prev"' in second
    last = page(client, f"{webinar_2}/present/result/{session}")
    assert 'href="/trainer/sessions/webinar-avvergingsplikt/" rel="next"' in last
    end = page(client, "/trainer/sessions/webinar-avvergingsplikt/")
    assert end.index("Gravid kvinne") < end.index("Mann med skader")
    # Outside the session (or with a session that does not hold it) a case stands alone.
    alone = page(client, f"{WEBINAR_1}/present/result/?session=nope")
    assert 'rel="next"' not in alone


def test_the_projector_pages_leave_out_the_emergency_banner_for_a_footer_line(client):
    assert "emergency-box" in page(client, "/trainer/")
    for url in (
        f"{WEBINAR_1}/present/",
        f"{WEBINAR_1}/present/1/",
        f"{WEBINAR_1}/present/ask/",
        f"{WEBINAR_1}/present/result/",
    ):
        text = page(client, url)
        assert "emergency-box" not in text, url
        assert 'class="presenter-footer' in text and 'href="tel:112"' in text


def test_browsing_the_trainer_pages_writes_nothing_to_the_database(client):
    urls = [
        "/trainer/",
        "/trainer/?concern=fgm",
        f"{WEBINAR_1}/present/",
        "/trainer/?q=gravid",
        f"{WEBINAR_1}/present/1/",
        f"{WEBINAR_1}/present/1/?reveal=1",
        f"{WEBINAR_1}/present/ask/",
        f"{WEBINAR_1}/present/result/",
        f"{WEBINAR_1}/present/result/?q=needs_interpreter",
        f"{WEBINAR_1}/present/result/?change=needs_interpreter%3Dfalse",
        f"{WEBINAR_1}/present/?session=webinar-avvergingsplikt",
        "/trainer/sessions/webinar-avvergingsplikt/",
        f"{WEBINAR_1}/case.yaml",
    ]
    with CaptureQueriesContext(connection) as queries:
        for url in urls:
            assert client.get(url).status_code == 200, url
    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == []


# --- The presenter ---------------------------------------------------------------------------


def test_the_first_step_tells_the_story_and_leads_to_the_first_question(client):
    text = page(client, f"{WEBINAR_1}/present/")
    assert models.Case.objects.get(slug="webinar-1-gravid-kvinne").summary[:60] in text
    assert f'href="{WEBINAR_1}/present/1/" rel="next"' in text
    assert 'rel="prev"' not in text
    assert "js/trainer.js" in text


def test_the_steps_are_the_questions_the_guide_asks_with_the_cases_answers_marked(client):
    snap = content.snapshot()
    facts = rules.normalize_facts(case_facts("webinar-1-gravid-kvinne"))
    questions = rules.visible_questions(snap.questions, facts)
    for number, question in enumerate(questions, 1):
        text = page(client, f"{WEBINAR_1}/present/{number}/?reveal=1")
        assert f"<h1>{question.text('nb')}</h1>" in text
        chosen = re.findall(r'data-chosen>.*?<span class="option-label">([^<]+)</span>', text, re.S)
        value = facts[question.fact]
        if question.kind == "county":
            assert chosen == ["Vestland (46)"]
        else:
            assert ", ".join(chosen) == question.label_of(value, "nb")
        # Read-only: nothing on a step can be submitted or changed (the language switch aside).
        main = text[text.index("<main") : text.index("</main>")]
        assert "<input" not in main and "<form" not in main
    last = page(client, f"{WEBINAR_1}/present/{len(questions)}/?reveal=1")
    assert f'href="{WEBINAR_1}/present/ask/" rel="next"' in last
    assert f'href="{WEBINAR_1}/present/result/">Rett til resultatet' in last


def step_options(text):
    return text[
        text.index('<ul class="presenter-options') : text.index(
            "</ul>", text.index("presenter-options")
        )
    ]


def test_before_the_reveal_a_step_holds_no_trace_of_the_cases_answer(client):
    # The same step of two cases that differ only in the answer: identical answer lists, with
    # no mark, so the room cannot read the case's answer off the page (or its HTML).
    facts = dict(case_facts("webinar-1-gravid-kvinne"), needs_interpreter=False, county="03")
    models.Case.objects.create(slug="uten-tolk", title="Uten tolk", facts=facts)
    snap = content.snapshot()
    questions = rules.visible_questions(snap.questions, rules.normalize_facts(facts))
    for number, question in enumerate(questions, 1):
        text = page(client, f"{WEBINAR_1}/present/{number}/")
        other = page(client, f"/trainer/uten-tolk/present/{number}/")
        for html in (text, other):
            assert "data-chosen" not in html and "is-chosen" not in html
            assert "Sakens svar" not in html and "nøytrale svar" not in html
            assert "Hva ville dere svart?" in html
        assert step_options(text) == step_options(other), question.fact
        # Forward is the reveal of this step; back is the step before, revealed.
        assert f'href="{WEBINAR_1}/present/{number}/?reveal=1" rel="next"' in text
    county = page(client, f"{WEBINAR_1}/present/{len(questions)}/")
    assert "Vestland (46)" in county and "Oslo (03)" in county  # every county, none marked


def test_the_reveal_of_a_step_marks_the_answer_and_leads_on(client):
    text = page(client, f"{WEBINAR_1}/present/1/?reveal=1")
    assert "Sakens svar" in text and "data-chosen" in text
    assert f'href="{WEBINAR_1}/present/2/" rel="next"' in text
    assert f'href="{WEBINAR_1}/present/1/" rel="prev"' in text


def test_the_room_is_asked_the_results_three_questions_before_the_reveal(client):
    text = page(client, f"{WEBINAR_1}/present/ask/")
    assert "<h1>Hva tror dere?</h1>" in text
    assert text.count("data-room-question") == 3
    for question in ("avvergingsplikt", "deles, og med hvem", "tolk"):
        assert question in text
    assert f'href="{WEBINAR_1}/present/result/" rel="next"' in text
    assert f'href="{WEBINAR_1}/present/13/?reveal=1" rel="prev"' in text


def test_the_reveal_puts_each_room_question_beside_its_answer_and_why(client):
    text = page(client, f"{WEBINAR_1}/present/result/")
    room = text[text.index('class="room-answers') : text.index('id="what-if"')]
    assert attributes(room, "data-room") == ["avert", "share", "interpreter"]
    avert = room[room.index('data-room="avert"') : room.index('data-room="share"')]
    assert attributes(avert, "data-room-outcome") == ["AVERT_DUTY"]
    assert "Hvor sikker er du" in avert  # the why: the answers the duty rests on
    interpreter = room[room.index('data-room="interpreter"') :]
    assert attributes(interpreter, "data-room-outcome") == [
        "QUALIFIED_INTERPRETER",
        "NO_COMPANION_INTERPRETER",
    ]


def test_a_case_without_trafficking_skips_the_follow_up_question_on_it(client):
    # 11 questions every case is asked, and for sexual violence at 14-15: the kind of act
    # and whether the two are peers.
    text = page(client, "/trainer/jente-15-seksuelle-overgrep/present/")
    assert "stiller 13 spørsmål" in text
    steps = [
        page(client, f"/trainer/jente-15-seksuelle-overgrep/present/{number}/")
        for number in range(1, 14)
    ]
    assert not any("grov vold eller tvang" in step for step in steps)
    assert any('data-fact="sexual_act"' in step or "seksuell handling" in step for step in steps)
    page(client, "/trainer/jente-15-seksuelle-overgrep/present/14/", status=404)


def test_the_presenter_shows_each_concerns_own_timing(client, django_db_blocker):
    from guidance import models

    models.Case.objects.update_or_create(
        slug="to-bekymringer",
        defaults={
            "title": "To bekymringer",
            "summary": "Kjønnslemlestet som barn, skal giftes bort i sommer.",
            "facts": {
                "concerns": ["fgm", "forced_marriage"],
                "person_age": "child_16_17",
                "timing": {"fgm": "past_only", "forced_marriage": "expected"},
                "likelihood": "certain_or_most_likely",
                "consent": "refuses",
                "county": "32",
            },
        },
    )
    # Every step the case has (timing comes after the questions about the person).
    steps = [page(client, f"/trainer/to-bekymringer/present/{n}/?reveal=1") for n in range(1, 9)]
    timing = next(step for step in steps if "Bare tidligere" in step)
    assert "Kjønnslemlestelse" in timing and "Tvangsekteskap" in timing
    # What-if by question offers each concern's own timing as well as one for both.
    reveal = page(client, "/trainer/to-bekymringer/present/result/?q=timing")
    offered = attributes(reveal, 'name="change" id="change-[0-9]+" value')
    assert "timing:fgm=expected" in offered and "timing=ongoing" in offered
    assert "timing:forced_marriage=past_only" in offered
    changed = page(client, "/trainer/to-bekymringer/present/result/?change=timing:fgm%3Dexpected")
    assert 'data-outcome="AVERT_DUTY"' in changed


def test_a_step_shows_the_cases_discussion_prompt_for_its_fact(client):
    snap = content.snapshot()
    case = models.Case.objects.get(slug="jente-15-seksuelle-overgrep")
    questions = rules.visible_questions(snap.questions, rules.normalize_facts(case.facts))
    number = next(i for i, q in enumerate(questions, 1) if q.fact == "likelihood")
    text = page(client, f"/trainer/{case.slug}/present/{number}/")
    assert "Til diskusjon" in text
    assert case.prompts["likelihood"] in text


def test_a_fact_the_case_leaves_out_is_shown_as_the_neutral_answer(client):
    # voksen-negativ-sosial-kontroll does not say whether she is pregnant: "no" is shown.
    snap = content.snapshot()
    case = models.Case.objects.get(slug="voksen-negativ-sosial-kontroll")
    questions = rules.visible_questions(snap.questions, rules.normalize_facts(case.facts))
    number = next(i for i, q in enumerate(questions, 1) if q.fact == "pregnant")
    text = page(client, f"/trainer/{case.slug}/present/{number}/?reveal=1")
    assert "nøytrale svar" in text


def test_an_unknown_case_or_step_is_not_found(client):
    page(client, "/trainer/no-such-case/present/", status=404)
    page(client, "/trainer/no-such-case/present/result/", status=404)
    page(client, f"{WEBINAR_1}/present/99/", status=404)
    assert client.get(f"{WEBINAR_1}/present/0/")["Location"] == f"{WEBINAR_1}/present/"


# --- The reveal and what-if ------------------------------------------------------------------


@pytest.mark.parametrize("path", LIBRARY_CASES, ids=lambda p: p.stem)
def test_the_reveal_shows_what_the_rules_give_for_the_case(client, ruleset, path):
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    result = rules.evaluate(ruleset, doc["facts"])
    text = page(client, f"/trainer/{doc['slug']}/present/result/")
    assert attributes(text, "data-outcome") == list(result.codes)
    assert attributes(text, "data-contact") == list(result.contact_slugs)
    assert "Hvorfor dette gjelder" in text
    assert "data-change" not in text and "data-removed" not in text


def test_what_if_webinar_1_needed_no_interpreter_the_interpreter_outcomes_disappear(client):
    text = page(client, f"{WEBINAR_1}/present/result/?change=needs_interpreter%3Dfalse")
    shown = attributes(text, "data-outcome")
    assert "QUALIFIED_INTERPRETER" not in shown and "NO_COMPANION_INTERPRETER" not in shown
    assert attributes(text, "data-removed-outcome") == [
        "QUALIFIED_INTERPRETER",
        "NO_COMPANION_INTERPRETER",
    ]
    assert attributes(text, "data-removed-contact") == ["nasjonalt-tolkeregister"]
    assert "Fjernet" in text and "Borte" not in text
    assert "AVERT_DUTY" in shown and "TALK_ALONE" in shown
    # The changed line names the question, the case's answer and the new one.
    line = re.search(r'<p class="what-if-change" data-changed>(.*?)</p>', text, re.S).group(1)
    words = " ".join(re.sub(r"<[^>]+>", "", line).split())
    assert words == (
        "Trenger personen tolk for at dere skal forstå hverandre godt nok? "
        "Ja, tolk trengs → Nei, vi forstår hverandre godt på norsk"
    )
    # The room's interpreter question has lost its answers, and says so.
    room = text[text.index('data-room="interpreter"') : text.index('id="what-if"')]
    assert "data-room-outcome" not in room and "<del>Bruk kvalifisert tolk</del>" in room


def test_what_if_the_patient_were_17_the_child_welfare_service_is_added(client):
    url = "/trainer/webinar-2-mann-arbeidsskade/present/result/?change=person_age%3Dchild_16_17"
    text = page(client, url)
    added = re.findall(r'data-outcome="([A-Z_]+)" data-change="added"', text)
    assert "NOTIFY_CHILD_WELFARE" in added
    # an adult's trafficking with grounds is already a watch (§§ 291, 259, 255 may be in play)
    assert 'data-outcome="AVERT_WATCH"' in text
    assert re.search(r'data-contact="barneverntjenesten" data-change="added"', text)
    assert ">Ny</span>" in text


def test_what_if_the_threshold_were_met_the_duty_replaces_the_watch(client):
    url = (
        "/trainer/mor-med-sonn-som-tolk/present/result/?change=likelihood%3Dcertain_or_most_likely"
    )
    text = page(client, url)
    assert re.search(r'data-outcome="AVERT_DUTY" data-change="added"', text)
    assert "AVERT_WATCH" in attributes(text, "data-removed-outcome")


def offered_changes(client, fact):
    text = page(client, f"{WEBINAR_1}/present/result/?q={fact}")
    return attributes(text, 'name="change" id="change-[0-9]+" value')


def test_what_if_first_chooses_a_question_then_one_of_its_other_answers(client):
    text = page(client, f"{WEBINAR_1}/present/result/")
    questions = attributes(text, "option value")
    assert questions[:2] == ["acute_danger", "concerns"] and "needs_interpreter" in questions
    assert 'name="change"' not in text  # no answers before a question is chosen
    assert offered_changes(client, "needs_interpreter") == ["needs_interpreter=false"]
    # Webinar 1 has two concerns: the certainty can change for both, or for one of them.
    assert set(offered_changes(client, "likelihood")) == {
        "likelihood=reason_to_believe",
        "likelihood=unclear",
        "likelihood:partner_family_violence=reason_to_believe",
        "likelihood:partner_family_violence=unclear",
        "likelihood:trafficking=reason_to_believe",
        "likelihood:trafficking=unclear",
    }
    text = page(client, f"{WEBINAR_1}/present/result/?change=likelihood:trafficking%3Dunclear")
    line = re.search(r'<p class="what-if-change" data-changed>(.*?)</p>', text, re.S).group(1)
    assert "(Menneskehandel)" in line
    chosen = page(client, f"{WEBINAR_1}/present/result/?q=needs_interpreter")
    assert 'value="needs_interpreter" selected' in chosen
    assert "«Trenger personen tolk for at dere skal forstå hverandre godt nok?»" in chosen


def test_what_if_can_add_a_concern_and_offers_every_other_answer(client):
    offered = offered_changes(client, "concerns")
    assert "concerns=fgm" in offered and "concerns=trafficking" in offered  # add, remove
    offered = offered_changes(client, "county")
    assert "county=46" not in offered and "county=03" in offered
    text = page(client, f"{WEBINAR_1}/present/result/?change=concerns%3Dfgm")
    assert re.search(r'data-outcome="REFER_HONOUR_VIOLENCE" data-change="added"', text)


def test_a_what_if_question_that_is_not_offered_is_a_message_not_a_500(client):
    text = page(client, f"{WEBINAR_1}/present/result/?q=colour", status=400)
    assert 'role="alert"' in text and 'name="change"' not in text


@pytest.mark.parametrize(
    "change", ["bogus", "needs_interpreter", "needs_interpreter=maybe", "county=99", "=", "x=y"]
)
def test_a_what_if_that_is_not_offered_is_a_message_not_a_500(client, change):
    text = page(client, f"{WEBINAR_1}/present/result/?change={change}", status=400)
    assert 'role="alert"' in text
    assert "data-removed-outcome" not in text
    assert "QUALIFIED_INTERPRETER" in attributes(text, "data-outcome")


def test_the_case_file_download_is_the_case_in_the_contract_format(client):
    response = client.get(f"{WEBINAR_1}/case.yaml")
    assert response["Content-Type"].startswith("application/yaml")
    assert "attachment" in response["Content-Disposition"]
    doc = yaml.safe_load(response.content.decode())
    assert rules.parse_case(doc).slug == "webinar-1-gravid-kvinne"


# --- The case library itself -----------------------------------------------------------------


# A fixture copy of a shared case may add these; everything else is the shared file's.
TRAINER_KEYS = {"title_en", "summary_en", "prompts", "prompts_en", "session"}


@pytest.mark.parametrize("shared", sorted(SHARED_CASES.glob("*.yaml")), ids=lambda p: p.stem)
def test_a_fixture_copy_of_a_shared_case_keeps_its_facts_and_expectations(shared):
    original = yaml.safe_load(shared.read_text(encoding="utf-8"))
    copy = yaml.safe_load((ROOT / "fixtures" / "cases" / shared.name).read_text(encoding="utf-8"))
    assert set(copy) - set(original) <= TRAINER_KEYS
    assert {k: v for k, v in copy.items() if k not in TRAINER_KEYS} == original


def test_the_library_has_at_least_14_cases_with_the_8_shared_ones():
    assert len(LIBRARY_CASES) >= 14
    assert all((ROOT / "fixtures" / "cases" / p.name).exists() for p in SHARED_CASES.glob("*.yaml"))


@pytest.mark.parametrize("path", LIBRARY_CASES, ids=lambda p: p.stem)
def test_every_prompt_is_for_a_question_the_guide_asks_in_the_case(path):
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    questions = rules.visible_questions(
        content.snapshot().questions, rules.normalize_facts(doc["facts"])
    )
    asked = {q.fact for q in questions}
    assert doc.get("prompts"), "every case has discussion prompts"
    assert set(doc["prompts"]) <= asked
    # An English prompt translates a bokmål one.
    assert set(doc.get("prompts_en") or {}) <= set(doc.get("prompts") or {})


@pytest.mark.parametrize("slug", ["webinar-1-gravid-kvinne", "webinar-2-mann-arbeidsskade"])
def test_the_webinar_cases_have_a_prompt_on_most_steps_in_both_languages(client, slug):
    case = models.Case.objects.get(slug=slug)
    assert case.title_en and case.summary_en
    questions = rules.visible_questions(
        content.snapshot().questions, rules.normalize_facts(case.facts)
    )
    assert len(case.prompts) >= len(questions) - 1
    assert set(case.prompts_en) == set(case.prompts)
    number = next(i for i, q in enumerate(questions, 1) if q.fact == "needs_interpreter")
    text = page(client, f"/trainer/{slug}/present/{number}/")
    assert f'<p class="mb-0">{escape(case.prompts["needs_interpreter"])}</p>' in text
    client.cookies["django_language"] = "en"
    text = page(client, f"/trainer/{slug}/present/{number}/")
    assert f'<p class="mb-0">{escape(case.prompts_en["needs_interpreter"])}</p>' in text


@pytest.mark.parametrize("path", OWN_CASES, ids=lambda p: p.stem)
def test_each_new_case_is_complete_and_its_prompts_reach_the_presenter(ruleset, path):
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert doc["slug"] == path.stem
    for key in ("title", "title_en", "summary", "summary_en", "prompts"):
        assert doc.get(key), f"{key} is missing"
    for part in ("outcomes", "contacts"):
        assert doc["expect"][part]["include"] and doc["expect"][part]["exclude"]
    assert rules.check_case(ruleset, rules.parse_case(doc)).passed
    # A prompt for a question the guide does not ask in this case would never be shown.
    questions = rules.visible_questions(
        content.snapshot().questions, rules.normalize_facts(doc["facts"])
    )
    assert set(doc["prompts"]) <= {q.fact for q in questions}


def test_the_library_covers_every_concern_children_adults_and_age_in_doubt():
    docs = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in LIBRARY_CASES]
    concerns = {c for d in docs for c in d["facts"]["concerns"]}
    assert concerns == set(rules.CONCERNS)
    ages = {d["facts"].get("person_age") for d in docs}
    assert {"adult", "unknown", "child_under_14", "child_14_15", "child_16_17"} <= ages
    timings = {d["facts"]["timing"] for d in docs}
    assert timings == set(rules.TIMINGS)
    assert {"agrees", "refuses"} <= {d["facts"].get("consent") for d in docs}
    assert {"adult", "child"} <= {d["facts"].get("companion") for d in docs}
    assert "unclear" in {d["facts"].get("likelihood") for d in docs}


def test_a_case_that_no_longer_fits_is_explained_not_a_500(client):
    models.Case.objects.create(
        slug="lost-county",
        title="Sak i et fylke som er borte",
        facts={"concerns": ["fgm"], "timing": "expected", "county": "99"},
    )
    assert "lost-county" in attributes(page(client, "/trainer/"), "data-case")
    for url in ("/trainer/lost-county/present/", "/trainer/lost-county/present/result/"):
        text = page(client, url, status=409)
        assert "unknown county" in text


@pytest.mark.django_db
def test_the_library_shows_fifty_cases_a_page_and_keeps_the_search(client):
    # Security review D15: thousands of cases made the library one page of megabytes.
    base = models.Case.objects.get(slug="webinar-1-gravid-kvinne")
    models.Case.objects.bulk_create(
        models.Case(slug=f"ekstra-{i:03d}", title=f"Ekstra {i}", facts=base.facts)
        for i in range(120)
    )
    total = models.Case.objects.count()
    first = client.get("/trainer/")
    assert first.status_code == 200
    assert len(first.context["cases"]) == 50 and first.context["found"] == total
    text = first.content.decode()
    assert 'rel="next"' in text and 'rel="prev"' not in text
    last = client.get("/trainer/", {"page": "999"})
    assert last.context["page"].number == last.context["page"].paginator.num_pages
    assert client.get("/trainer/", {"page": "x"}).status_code == 200
    searched = client.get("/trainer/", {"q": "Ekstra", "page": "2"})
    assert searched.context["found"] == 120 and len(searched.context["cases"]) == 50
    assert "q=Ekstra" in searched.context["next_url"]
