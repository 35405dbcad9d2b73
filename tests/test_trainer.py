"""Trainer mode through its public URLs: the case library, the presenter view and what-if."""

import re

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext

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
    # The shared webinar case has no English title: shown in bokmål, marked as such.
    assert 'lang="nb">Gravid kvinne utsatt for vold og utnyttelse</a>' in text


def test_browsing_the_trainer_pages_writes_nothing_to_the_database(client):
    urls = [
        "/trainer/",
        "/trainer/?concern=fgm",
        f"{WEBINAR_1}/present/",
        f"{WEBINAR_1}/present/1/",
        f"{WEBINAR_1}/present/result/",
        f"{WEBINAR_1}/present/result/?change=needs_interpreter%3Dfalse",
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
        text = page(client, f"{WEBINAR_1}/present/{number}/")
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
    last = page(client, f"{WEBINAR_1}/present/{len(questions)}/")
    assert f'href="{WEBINAR_1}/present/result/" rel="next"' in last


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
    steps = [page(client, f"/trainer/to-bekymringer/present/{n}/") for n in range(1, 6)]
    timing = next(step for step in steps if "Bare tidligere" in step)
    assert "Kjønnslemlestelse" in timing and "Tvangsekteskap" in timing
    reveal = page(client, "/trainer/to-bekymringer/present/result/")
    assert "timing:fgm=expected" in reveal
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
    text = page(client, f"/trainer/{case.slug}/present/{number}/")
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
    assert "Borte" in text
    assert "AVERT_DUTY" in shown and "TALK_ALONE" in shown


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


def test_what_if_can_add_a_concern_and_offers_every_other_answer(client):
    text = page(client, f"{WEBINAR_1}/present/result/")
    offered = attributes(text, "option value")
    assert "needs_interpreter=false" in offered and "needs_interpreter=true" not in offered
    assert "concerns=fgm" in offered and "concerns=trafficking" in offered  # add, remove
    assert "county=46" not in offered and "county=03" in offered
    text = page(client, f"{WEBINAR_1}/present/result/?change=concerns%3Dfgm")
    assert re.search(r'data-outcome="REFER_HONOUR_VIOLENCE" data-change="added"', text)


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


def test_the_library_has_at_least_14_cases_with_the_8_shared_ones_unchanged():
    assert len(LIBRARY_CASES) >= 14
    for shared in SHARED_CASES.glob("*.yaml"):
        assert (ROOT / "fixtures" / "cases" / shared.name).read_bytes() == shared.read_bytes()


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
