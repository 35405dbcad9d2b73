"""The proof over every answer set (guidance/proof.py), and the per-concern engine it relies on.

A proof of the whole seed questionnaire takes seconds, so each edited table is proved once per
module and its tests read the one report. The exactness tests prove a small questionnaire and
walk the same answer sets by hand.
"""

import dataclasses
import itertools

import pytest

from guidance import content, proof, rules

pytestmark = pytest.mark.django_db

SHARING = set(proof.SHARING_CODES)


def rule(key, outcomes, *conditions):
    return rules.Rule(key=key, name=key, conditions=tuple(conditions), outcomes=tuple(outcomes))


def cond(fact, op, *value):
    return rules.Condition(fact, op, tuple(value))


def edited(ruleset, rule_list, counties=None):
    """The seed table with other rules (and, if given, other counties)."""
    return rules.RuleSet.build(
        rule_list,
        ruleset.outcomes.values(),
        ruleset.contacts,
        ruleset.counties if counties is None else counties,
    )


@pytest.fixture(scope="module")
def questions(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return content.load_questions()


@pytest.fixture(scope="module")
def seed_report(ruleset, questions):
    return proof.prove(ruleset, questions)


@pytest.fixture(scope="module")
def contradictory(ruleset):
    """The seed table plus a rule that keeps confidentiality although the person agrees."""
    keep_anyway = rule(
        "keep-even-with-consent", ["KEEP_CONFIDENTIALITY"], cond("consent", "equals", "agrees")
    )
    return edited(ruleset, [*ruleset.rules, keep_anyway])


@pytest.fixture(scope="module")
def contradiction_report(contradictory, questions):
    return proof.prove(contradictory, questions)


@pytest.fixture(scope="module")
def silent(ruleset):
    """The seed table without any rule that keeps confidentiality."""
    return edited(ruleset, [r for r in ruleset.rules if "KEEP_CONFIDENTIALITY" not in r.outcomes])


@pytest.fixture(scope="module")
def silent_report(silent, questions):
    return proof.prove(silent, questions)


@pytest.fixture(scope="module")
def dead_rule_report(ruleset, questions):
    never = rule(
        "agrees-and-refuses",
        ["CONSULT_EXPERT"],
        cond("consent", "equals", "agrees"),
        cond("consent", "equals", "refuses"),
    )
    return proof.prove(edited(ruleset, [*ruleset.rules, never]), questions)


# --- What the proof finds -------------------------------------------------------------------


def test_it_finds_confidentiality_kept_against_a_right_to_share(
    contradictory, contradiction_report
):
    found = [f for f in contradiction_report.violations if f.subject == "3"]
    assert found, contradiction_report.findings
    assert [f.subject for f in contradiction_report.violations] == ["3"] * len(found)
    for finding in found:
        assert finding.example["consent"] == "agrees"
        codes = set(rules.evaluate(contradictory, finding.example).codes)
        assert "KEEP_CONFIDENTIALITY" in codes
        assert codes & set(proof.RIGHT_TO_SHARE)


def test_it_finds_a_result_that_says_nothing_about_sharing(silent, silent_report):
    found = [f for f in silent_report.violations if f.subject == "2"]
    assert found, silent_report.findings
    for finding in found:
        assert not set(rules.evaluate(silent, finding.example).codes) & SHARING


def test_it_names_an_outcome_that_no_rule_gives(silent_report):
    unused = {f.subject: f.message for f in silent_report.of("unused_outcome")}
    assert list(unused) == ["KEEP_CONFIDENTIALITY"]
    assert "no rule gives it" in unused["KEEP_CONFIDENTIALITY"]


def test_it_names_a_rule_that_fires_for_no_answer_set(dead_rule_report):
    assert [f.subject for f in dead_rule_report.of("dead_rule")] == ["agrees-and-refuses"]
    assert not dead_rule_report.violations


def test_the_seed_content_passes_the_proof(seed_report):
    assert not seed_report.violations
    assert not seed_report.of("dead_rule")
    assert not seed_report.of("unused_outcome")
    assert not seed_report.of("hidden_question")
    assert seed_report.answer_sets > 10**12


# --- Exactness on a small questionnaire -----------------------------------------------------

SMALL_CONCERNS = ("partner_family_violence", "trafficking", "fgm")
SMALL_FACTS = ("concerns", "timing", "likelihood", "person_age", "consent", "county")
SMALL_COUNTIES = ("03", "46")


@pytest.fixture(scope="module")
def small_questions(questions):
    """Three concerns; timing, likelihood, age, consent and county: every other fact keeps its
    neutral value."""
    chosen = []
    for q in sorted(questions, key=lambda q: q.order):
        if q.fact not in SMALL_FACTS:
            continue
        if q.fact == "concerns":
            q = dataclasses.replace(
                q, options=tuple(o for o in q.options if o.value in SMALL_CONCERNS)
            )
        chosen.append(q)
    return tuple(chosen)


def answer_sets(questions, counties):
    """Every answer set of ``questions`` by brute force: the questions in order, each shown
    only when the answers so far call for it, and timing and likelihood one per concern."""
    walks = [{}]
    for q in questions:
        grown = []
        for answers in walks:
            if not q.applies(answers):
                grown.append(answers)
                continue
            for value in values_of(q, answers, counties):
                grown.append({**answers, q.fact: value})
        walks = grown
    return walks


def values_of(q, answers, counties):
    offered = [o.value for o in q.options]
    if q.fact == "county":
        return list(counties)
    if q.fact == "concerns":
        return [
            list(subset)
            for size in range(1, len(offered) + 1)
            for subset in itertools.combinations(offered, size)
        ]
    if q.fact in rules.PER_CONCERN_FACTS:
        concerns = answers["concerns"]
        return [
            dict(zip(concerns, chosen, strict=True))
            for chosen in itertools.product(offered, repeat=len(concerns))
        ]
    return offered


def brute_force(ruleset, questions, counties):
    """(how many answer sets, every outcome given, every invariant broken) by evaluating each."""
    count, given, wrong = 0, set(), set()
    by_key = {r.key: r for r in ruleset.rules}
    for answers in answer_sets(questions, counties):
        result = rules.evaluate(ruleset, answers)
        codes = frozenset(result.codes)
        categories = {c for t in result.trace for c in by_key[t.rule].categories}
        count += 1
        given |= codes
        for number, message in proof.check_invariants(
            ruleset, codes, categories, result.facts["acute_danger"], result.facts["county"]
        ):
            wrong.add((number, f"invariant {number}: the result {message}"))
    return count, given, wrong


@pytest.mark.parametrize("table", ["seed", "contradictory"])
def test_the_proof_counts_finds_and_gives_exactly_what_evaluating_every_answer_set_does(
    request, ruleset, small_questions, table
):
    base = ruleset if table == "seed" else request.getfixturevalue("contradictory")
    small = edited(base, base.rules, counties=SMALL_COUNTIES)
    report = proof.prove(small, small_questions)
    count, given, wrong = brute_force(small, small_questions, SMALL_COUNTIES)

    assert report.answer_sets == count == 39_960
    never = {f.subject for f in report.of("unused_outcome")}
    assert set(small.outcomes) - never == given
    assert {(f.subject, f.message) for f in report.violations} == wrong
    assert bool(wrong) is (table == "contradictory")


def test_it_names_a_question_that_no_path_shows(ruleset, small_questions):
    never_shown = rules.Question(
        key="never-shown",
        fact="pregnant",
        order=1000,
        texts={"nb": "Aldri vist"},
        options=(rules.Option("true", {}), rules.Option("false", {})),
        show_when=(cond("concerns", "contains_none", *rules.CONCERNS),),
    )
    small = edited(ruleset, ruleset.rules, counties=SMALL_COUNTIES)
    report = proof.prove(small, (*small_questions, never_shown))
    assert [f.subject for f in report.of("hidden_question")] == ["never-shown"]


# --- Per-concern timing and likelihood in the engine ----------------------------------------

TWO = ["fgm", "forced_marriage"]


def test_a_timing_that_names_a_concern_not_in_the_case_is_refused():
    with pytest.raises(rules.FactError) as e:
        rules.normalize_facts(
            {
                "concerns": ["fgm"],
                "timing": {"fgm": "ongoing", "trafficking": "ongoing"},
                "county": "03",
            }
        )
    assert e.value.key == "timing.trafficking"


def test_a_timing_that_leaves_out_a_concern_of_the_case_is_refused():
    with pytest.raises(rules.FactError) as e:
        rules.normalize_facts({"concerns": TWO, "timing": {"fgm": "past_only"}, "county": "03"})
    assert e.value.key == "timing.forced_marriage"


def test_a_likelihood_that_leaves_out_a_concern_of_the_case_is_refused():
    with pytest.raises(rules.FactError) as e:
        rules.normalize_facts(
            {"concerns": TWO, "timing": "ongoing", "likelihood": {"fgm": "unclear"}, "county": "03"}
        )
    assert e.value.key == "likelihood.forced_marriage"


def test_a_planned_forced_marriage_is_a_duty_though_the_fgm_lies_in_the_past(ruleset):
    result = rules.evaluate(
        ruleset,
        {
            "concerns": TWO,
            "timing": {"fgm": "past_only", "forced_marriage": "expected"},
            "likelihood": "certain_or_most_likely",
            "person_age": "child_16_17",
            "county": "32",
        },
    )
    assert "AVERT_DUTY" in result.codes
    assert "AVERT_WATCH" not in result.codes
    assert {t.concern for t in result.rules_for("AVERT_DUTY")} == {"forced_marriage"}


def test_one_concern_must_meet_all_of_a_rules_per_concern_conditions_at_once():
    rs = rules.RuleSet.build(
        [
            rule(
                "fgm-expected",
                ["A"],
                cond("concerns", "contains", "fgm"),
                cond("timing", "equals", "expected"),
            )
        ],
        [rules.Outcome(code="A", kind="advice", section="avert")],
    )
    raw = {"concerns": TWO, "county": "03"}
    crossed = rules.evaluate(
        rs, {**raw, "timing": {"fgm": "past_only", "forced_marriage": "expected"}}
    )
    met = rules.evaluate(rs, {**raw, "timing": {"fgm": "expected", "forced_marriage": "past_only"}})
    assert crossed.codes == ()
    assert met.codes == ("A",)
    assert met.trace[0].concern == "fgm"
