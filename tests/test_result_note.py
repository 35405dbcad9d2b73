"""The result's first screen and the record note, for every shared case: the "do this now"
list and the numbers to call come from the outcomes and the contact table, and the note is a
journal entry (third person, no duplicate line, every contact reachable)."""

import datetime
import re

import pytest
import yaml
from django.utils import timezone

from guidance import content, presenting, rules
from tests.conftest import ROOT

pytestmark = pytest.mark.django_db

SHARED = ROOT.parent / "shared"
CASE_FILES = sorted((SHARED / "cases").glob("*.yaml")) + sorted(
    (SHARED / "cases-next").glob("*.yaml")
)
NOW = timezone.make_aware(datetime.datetime(2026, 12, 3, 10, 0))


def result_for(facts):
    snap = content.snapshot()
    outcome = rules.evaluate(snap.ruleset, facts)
    context = presenting.result_context(snap, outcome, NOW, presenting.lang())
    return snap, outcome, context


def case_facts(path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))["facts"]


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_the_note_is_a_journal_entry_in_bokmal(path, ruleset):
    _, outcome, context = result_for(case_facts(path))
    note = presenting.record_note(context, language="nb")
    assert not re.search(r"\b[Dd]u\b", note), note
    lines = [line for line in note.splitlines() if line.strip()]
    assert len(lines) == len(set(lines)), "a line is repeated"
    assert "Avverge" not in note
    contacts = note.split("\nKontakter\n")[1].split("\n\n")[0].splitlines()
    assert contacts
    for entry in contacts:
        # Each contact with a number, a website or an address, none empty.
        digits = re.sub(r"\D", "", entry)
        assert len(digits) >= 3 or re.search(r"\.[a-z]{2,}|@", entry), entry
    if "NO_AVERT_DUTY" in outcome.codes:
        assert "Ingen avvergingsplikt nå fordi" in note
    if outcome.facts["needs_interpreter"]:
        assert "språk ___, registreringsnummer ___, telefon / video / oppmøte" in note


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_the_note_is_bokmal_whatever_the_page_language_and_english_on_request(path, ruleset):
    from django.utils import translation

    with translation.override("en"):
        _, _, context = result_for(case_facts(path))
        note_nb = presenting.record_note(context, language="nb")
        note_en = presenting.record_note(context, language="en")
    assert note_nb.startswith("Vurdering ved mistanke om vold")
    assert note_en.startswith("Assessment of suspected violence")
    assert not re.search(r"\b[Yy]ou\b", note_en)


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_the_numbers_to_call_are_in_the_contact_table(path, ruleset):
    _, outcome, context = result_for(case_facts(path))
    shown = {p["number"] for c in context["contacts"] for p in c["phones"]}
    assert context["call_now"], "every case gets a number to call"
    assert {n["number"] for n in context["call_now"]} <= shown
    assert context["do_now"], "every result has a duty (DOCUMENT at least)"
    kinds = [d["kind"] for d in context["do_now"]]
    assert kinds == sorted(kinds, key=lambda k: k == "must_not"), "duties before prohibitions"


def test_acute_danger_gives_112_and_113_first(ruleset, facts):
    _, _, context = result_for(facts(acute_danger=True))
    assert [n["number"] for n in context["call_now"]] == ["112", "113"]
    assert context["do_now"][0]["code"] == "ACUTE_EMERGENCY"


def test_a_duty_to_report_to_child_welfare_calls_a_child_protection_number(ruleset, facts):
    _, _, context = result_for(
        facts(
            concerns=["child_maltreatment"],
            serious_or_repeated=True,
            person_age="child_under_14",
            likelihood="reason_to_believe",
        )
    )
    slugs = {n["slug"] for n in context["call_now"]}
    assert slugs & {"barnevernvakten", "alarmtelefonen-116111", "barneverntjenesten"}
    assert not context["call_now"][0]["advice"]


def test_stay_alert_says_which_threshold_was_not_met(ruleset, facts):
    snap, outcome, context = result_for(
        facts(
            concerns=["child_maltreatment"],
            serious_or_repeated=True,
            person_age="child_under_14",
            likelihood="reason_to_believe",
        )
    )
    watch = next(t for t in outcome.trace if "AVERT_WATCH" in t.outcomes)
    assert [c.fact for c in watch.unmet] == ["likelihood"]
    avert = next(s for s in context["summary"] if s["key"] == "avert")
    assert avert["unmet"] in (
        ["Likelihood (Reason to believe)"],
        ["Sannsynlighet (Grunn til å tro)"],
    )
    item = next(i for s in context["sections"] for i in s["items"] if i["code"] == "AVERT_WATCH")
    assert any(rule["unmet"] for rule in item["why"])


def test_past_only_is_the_unmet_timing(ruleset, facts):
    _, outcome, _ = result_for(
        facts(
            concerns=["partner_family_violence"],
            serious_or_repeated=True,
            timing="past_only",
            likelihood="certain_or_most_likely",
        )
    )
    watch = next(t for t in outcome.trace if "AVERT_WATCH" in t.outcomes)
    assert [c.fact for c in watch.unmet] == ["timing"]


def texts_of(context, code):
    item = next(i for s in context["sections"] for i in s["items"] if i["code"] == code)
    return " ".join(item["paragraphs"]), [c for c, _ in item["legal"]]


def test_texts_fit_the_case(ruleset, facts):
    adult = result_for(
        facts(person_age="adult", companion="adult", consent="refuses", acute_danger=True)
    )[2]
    text, _ = texts_of(adult, "TELL_PATIENT")
    assert "under 16" not in text
    child = result_for(
        facts(
            concerns=["child_maltreatment"],
            serious_or_repeated=True,
            person_age="child_under_14",
            likelihood="reason_to_believe",
            companion="adult",
            children_in_household="yes",
        )
    )[2]
    text, legal = texts_of(child, "TALK_ALONE")
    assert "gravid" not in text.lower() and "pregnan" not in text.lower()
    text, legal = texts_of(child, "AVERT_WATCH")
    assert not any("258" in c for c in legal)
    assert any("282" in c for c in legal)
    text, _ = texts_of(child, "CHILDREN_AS_RELATIVES")
    assert "Finn ut om" not in text and "Find out whether" not in text
    unknown = result_for(facts(children_in_household="unknown"))[2]
    text, _ = texts_of(unknown, "CHILDREN_AS_RELATIVES")
    assert "Finn ut om" in text or "Find out whether" in text


def test_a_paragraph_condition_is_checked_by_the_rule_engine_on_save(ruleset):
    from django.core.exceptions import ValidationError

    from guidance import models

    outcome = models.Outcome.objects.get(code="TALK_ALONE")
    bad = models.OutcomeParagraph(
        outcome=outcome, fact="pregnant", operator="equals", value="yes", text_nb="x", text_en="x"
    )
    with pytest.raises(ValidationError):
        bad.full_clean()
    always = models.OutcomeParagraph(outcome=outcome, text_nb="x", text_en="x")
    always.full_clean()
    assert always.as_condition() is None


def test_no_duty_says_what_would_change_it_and_sharing_reasons_stay_short(ruleset, facts):
    _, _, context = result_for(
        facts(concerns=["negative_social_control"], serious_or_repeated=False, consent="refuses")
    )
    items = {i["code"]: i for s in context["sections"] for i in s["items"]}
    assert any(rule["unmet"] for rule in items["NO_AVERT_DUTY"]["why"])
    assert not any(rule["unmet"] for rule in items["KEEP_CONFIDENTIALITY"]["why"])
    avert = next(s for s in context["summary"] if s["key"] == "avert")
    assert avert["text"].startswith(("Nei:", "No:"))
