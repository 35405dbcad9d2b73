"""The law of contract version 2 (issue 8, section 3) on the seed rule table, one test per point.

Each test is named for the statute it holds the rule table to and builds a fact set a clinician
could meet. Each checks what the law requires and what it rules out, because a duty that is
overstated breaks confidentiality (strl § 209) just as one that is missed fails § 196 or § 33.
"""

from pathlib import Path

import pytest
import yaml

from guidance import content, models, rules
from tests.conftest import ROOT, case_files

pytestmark = pytest.mark.django_db

CERTAIN = "certain_or_most_likely"
CHILD_AGES = ["child_under_14", "child_14_15", "child_16_17"]
AVERT_CODES = {"AVERT_DUTY", "AVERT_WATCH", "NO_AVERT_DUTY"}
DUTY_TO_SHARE = {"AVERT_DUTY", "NOTIFY_POLICE", "NOTIFY_CHILD_WELFARE"}
RIGHT_TO_SHARE = {"SHARE_WITH_CONSENT", "SHARE_WITH_PROXY_CONSENT", "SHARE_WITHOUT_CONSENT"}
SHARING = DUTY_TO_SHARE | RIGHT_TO_SHARE | {"KEEP_CONFIDENTIALITY"}


def contacts(ruleset, raw):
    return set(rules.evaluate(ruleset, raw).contact_slugs)


def question(key):
    return next(q for q in content.load_questions() if q.key == key)


def option_label(question_key, value, lang="nb"):
    return next(o for o in question(question_key).options if o.value == value).label(lang)


# --- § 282: negative social control and honour-based violence -------------------------------


def test_serious_or_repeated_honour_based_violence_is_a_duty_under_section_282(codes, facts):
    # A 24-year-old beaten and threatened by her father and brothers for months; she refuses.
    result = codes(
        facts(
            concerns=["negative_social_control"],
            serious_or_repeated=True,
            person_age="adult",
            likelihood=CERTAIN,
            timing="ongoing",
            consent="refuses",
            children_in_household="no",
        )
    )
    assert {"AVERT_DUTY", "TELL_PATIENT", "REFER_HONOUR_VIOLENCE"} <= result
    assert not result & {"KEEP_CONFIDENTIALITY", "AVERT_WATCH", "NO_AVERT_DUTY"}


def test_honour_based_violence_with_children_at_home_is_reported_under_section_33(codes, facts):
    result = codes(
        facts(
            concerns=["negative_social_control"],
            serious_or_repeated=True,
            person_age="adult",
            likelihood=CERTAIN,
            timing="ongoing",
            consent="refuses",
            children_in_household="yes",
        )
    )
    assert {"AVERT_DUTY", "NOTIFY_CHILD_WELFARE"} <= result
    assert "KEEP_CONFIDENTIALITY" not in result


# --- §§ 291, 295, 299, 302-303, 308: the sexual act -----------------------------------------


def sexual(facts, act, age, likelihood=CERTAIN, consent="refuses", **more):
    return facts(
        concerns=["sexual_violence"],
        sexual_act=act,
        person_age=age,
        likelihood=likelihood,
        consent=consent,
        **more,
    )


@pytest.mark.parametrize("age", [*CHILD_AGES, "adult"])
def test_rape_is_a_duty_under_section_291_at_every_age(codes, facts, age):
    result = codes(sexual(facts, "intercourse_without_consent", age))
    assert "AVERT_DUTY" in result
    assert not result & {"AVERT_WATCH", "NO_AVERT_DUTY", "KEEP_CONFIDENTIALITY"}


@pytest.mark.parametrize("age", ["child_under_14", "child_14_15"])
def test_rape_between_peers_is_still_a_duty_since_section_308_spares_only_299_and_303(
    codes, facts, age
):
    result = codes(sexual(facts, "intercourse_without_consent", age, peers=True))
    assert {"AVERT_DUTY", "NOTIFY_CHILD_WELFARE"} <= result
    assert not result & {"AVERT_WATCH", "NO_AVERT_DUTY"}


def test_intercourse_by_abuse_of_position_is_a_duty_under_section_295(codes, facts):
    # An adult patient whose therapist obtained intercourse by abusing her dependence.
    result = codes(sexual(facts, "abuse_of_position", "adult", children_in_household="no"))
    assert {"AVERT_DUTY", "TELL_PATIENT"} <= result
    assert not result & {"AVERT_WATCH", "NO_AVERT_DUTY", "KEEP_CONFIDENTIALITY"}


def test_intercourse_with_a_child_under_14_is_a_duty_under_section_299(codes, facts):
    result = codes(sexual(facts, "intercourse_with_minor", "child_under_14", peers=False))
    assert {"AVERT_DUTY", "NOTIFY_CHILD_WELFARE"} <= result
    assert not result & {"AVERT_WATCH", "NO_AVERT_DUTY"}


def test_intercourse_between_peers_under_14_is_no_duty_under_section_308(codes, facts):
    result = codes(sexual(facts, "intercourse_with_minor", "child_under_14", peers=True))
    assert "NO_AVERT_DUTY" in result
    assert not result & {"AVERT_DUTY", "AVERT_WATCH", "KEEP_CONFIDENTIALITY"}


def test_intercourse_with_a_child_of_14_or_15_is_a_watch_as_only_section_303_is_listed(
    codes, facts
):
    # § 302 is not listed; only the aggravated form (§ 303) is, and the guide does not ask it.
    result = codes(sexual(facts, "intercourse_with_minor", "child_14_15", peers=False))
    assert {"AVERT_WATCH", "NOTIFY_CHILD_WELFARE"} <= result
    assert not result & {"AVERT_DUTY", "NO_AVERT_DUTY"}


def test_intercourse_between_peers_of_14_or_15_is_no_duty_under_section_308(codes, facts):
    # A 15-year-old asking for contraception, with a 16-year-old boyfriend.
    result = codes(sexual(facts, "intercourse_with_minor", "child_14_15", peers=True))
    assert "NO_AVERT_DUTY" in result
    assert not result & {"AVERT_DUTY", "AVERT_WATCH", "NOTIFY_CHILD_WELFARE"}


def test_sexual_touching_of_an_adult_is_no_duty_under_section_297_and_stays_confidential(
    codes, facts
):
    # A nurse whose manager touches her breasts at work; she wants nothing passed on.
    result = codes(sexual(facts, "other_sexual_act", "adult", children_in_household="no"))
    assert {"NO_AVERT_DUTY", "KEEP_CONFIDENTIALITY"} <= result
    assert not result & {"AVERT_DUTY", "AVERT_WATCH", "TELL_PATIENT", "SHARE_WITHOUT_CONSENT"}


def test_a_sexual_act_without_intercourse_with_a_child_under_14_is_a_watch_under_section_299(
    codes, facts
):
    result = codes(sexual(facts, "other_sexual_act", "child_under_14", peers=False))
    assert "AVERT_WATCH" in result
    assert not result & {"AVERT_DUTY", "NO_AVERT_DUTY"}


@pytest.mark.parametrize("consent", rules.CONSENTS)
@pytest.mark.parametrize("likelihood", rules.LIKELIHOODS)
@pytest.mark.parametrize("age", rules.PERSON_AGES)
def test_a_sexual_act_not_yet_clear_is_a_watch_never_a_duty_and_never_silence(
    codes, facts, age, likelihood, consent
):
    result = codes(
        sexual(facts, "unclear", age, likelihood=likelihood, consent=consent, timing="ongoing")
    )
    assert "AVERT_WATCH" in result
    assert not result & {"AVERT_DUTY", "NO_AVERT_DUTY"}
    assert result & SHARING


# --- hpl § 33: a person whose age is in doubt is a possible child ---------------------------


@pytest.mark.parametrize(
    "concern, more",
    [
        ("forced_marriage", {}),
        ("fgm", {}),
        ("trafficking", {}),
        ("child_maltreatment", {}),
        ("threat_to_life", {}),
        ("sexual_violence", {"sexual_act": "intercourse_without_consent"}),
        ("partner_family_violence", {"serious_or_repeated": True}),
        ("negative_social_control", {"serious_or_repeated": True}),
    ],
    ids=[
        "forced_marriage",
        "fgm",
        "trafficking",
        "child_maltreatment",
        "threat_to_life",
        "rape",
        "serious_partner_violence",
        "serious_honour_violence",
    ],
)
@pytest.mark.parametrize("likelihood", [CERTAIN, "reason_to_believe"])
def test_a_person_whose_age_is_in_doubt_is_reported_under_section_33_as_a_child_would_be(
    codes, facts, concern, more, likelihood
):
    # A girl who says she is 18 but looks 15; no children at home, so only her age can count.
    as_a_child = codes(
        facts(
            concerns=[concern],
            person_age="child_16_17",
            likelihood=likelihood,
            timing="expected",
            consent="refuses",
            children_in_household="no",
            **more,
        )
    )
    in_doubt = codes(
        facts(
            concerns=[concern],
            person_age="unknown",
            likelihood=likelihood,
            timing="expected",
            consent="refuses",
            children_in_household="no",
            **more,
        )
    )
    assert "NOTIFY_CHILD_WELFARE" in as_a_child
    assert "NOTIFY_CHILD_WELFARE" in in_doubt
    assert "KEEP_CONFIDENTIALITY" not in in_doubt


# --- hpl § 33: children who live with the violence -----------------------------------------

LIVING_WITH = [
    ("partner_family_violence", {"serious_or_repeated": True}),
    ("negative_social_control", {"serious_or_repeated": True}),
    ("elder_abuse", {"serious_or_repeated": True}),
    ("child_maltreatment", {}),
    ("threat_to_life", {}),
]
LIVING_WITH_IDS = [concern for concern, _ in LIVING_WITH]


@pytest.mark.parametrize("timing", ["ongoing", "expected"])
@pytest.mark.parametrize("likelihood", [CERTAIN, "reason_to_believe"])
@pytest.mark.parametrize("concern, more", LIVING_WITH, ids=LIVING_WITH_IDS)
def test_children_who_live_with_the_violence_are_reported_under_section_33(
    codes, facts, concern, more, likelihood, timing
):
    # The patient is an adult: the report is for the children at home.
    at_home = facts(
        concerns=[concern],
        person_age="adult",
        likelihood=likelihood,
        timing=timing,
        consent="refuses",
        children_in_household="yes",
        **more,
    )
    assert "NOTIFY_CHILD_WELFARE" in codes(at_home)
    assert "KEEP_CONFIDENTIALITY" not in codes(at_home)


@pytest.mark.parametrize("concern, more", LIVING_WITH, ids=LIVING_WITH_IDS)
def test_violence_only_in_the_past_gives_no_report_for_the_children_at_home(
    codes, facts, concern, more
):
    result = codes(
        facts(
            concerns=[concern],
            person_age="adult",
            likelihood=CERTAIN,
            timing="past_only",
            consent="refuses",
            children_in_household="yes",
            **more,
        )
    )
    assert "NOTIFY_CHILD_WELFARE" not in result
    assert "CHILDREN_AS_RELATIVES" in result


# --- hpl § 33: the matter must be serious enough --------------------------------------------


def test_a_single_minor_incident_between_teenage_partners_is_not_reported_under_section_33(
    codes, facts, ruleset
):
    # A 17-year-old slapped once by her 18-year-old boyfriend at a party; she asks for silence.
    raw = facts(
        concerns=["partner_family_violence"],
        serious_or_repeated=False,
        person_age="child_16_17",
        likelihood=CERTAIN,
        timing="ongoing",
        consent="refuses",
        children_in_household="no",
    )
    result = codes(raw)
    assert {"SHARE_WITHOUT_CONSENT", "NO_AVERT_DUTY"} <= result
    assert not result & {"NOTIFY_CHILD_WELFARE", "AVERT_DUTY", "KEEP_CONFIDENTIALITY"}
    assert "barneverntjenesten" in contacts(ruleset, raw)


@pytest.mark.parametrize("age", CHILD_AGES)
def test_violence_by_a_parent_or_carer_is_always_reported_under_section_33(codes, facts, age):
    result = codes(
        facts(
            concerns=["child_maltreatment"],
            serious_or_repeated=False,
            person_age=age,
            likelihood=CERTAIN,
            timing="ongoing",
            consent="refuses",
        )
    )
    assert "NOTIFY_CHILD_WELFARE" in result
    assert "KEEP_CONFIDENTIALITY" not in result


@pytest.mark.parametrize(
    "concern, more",
    [
        ("child_maltreatment", {"serious_or_repeated": True}),
        ("sexual_violence", {"sexual_act": "intercourse_without_consent"}),
    ],
    ids=["beaten", "raped"],
)
@pytest.mark.parametrize("age", CHILD_AGES)
def test_a_childs_past_abuse_may_be_shared_under_section_23_with_child_protection_at_hand(
    codes, facts, ruleset, age, concern, more
):
    # A 10-year-old beaten with a belt many times last year by a father who has moved out.
    raw = facts(
        concerns=[concern],
        person_age=age,
        likelihood=CERTAIN,
        timing="past_only",
        consent="refuses",
        **more,
    )
    result = codes(raw)
    assert "SHARE_WITHOUT_CONSENT" in result
    assert "KEEP_CONFIDENTIALITY" not in result
    assert "barneverntjenesten" in contacts(ruleset, raw)


# --- § 282 and elder abuse ------------------------------------------------------------------


def test_financial_exploitation_of_an_older_person_alone_is_not_listed_and_stays_confidential(
    codes, facts
):
    # An 80-year-old with full capacity whose son takes money from her account; she refuses.
    result = codes(
        facts(
            concerns=["elder_abuse"],
            serious_or_repeated=False,
            person_age="adult",
            likelihood=CERTAIN,
            timing="ongoing",
            consent="refuses",
            children_in_household="no",
        )
    )
    assert {"NO_AVERT_DUTY", "KEEP_CONFIDENTIALITY", "REFER_ELDER_ABUSE"} <= result
    assert not result & {"AVERT_DUTY", "AVERT_WATCH", "TELL_PATIENT"}


def test_serious_or_repeated_abuse_of_an_older_person_is_a_duty_under_section_282(codes, facts):
    result = codes(
        facts(
            concerns=["elder_abuse"],
            serious_or_repeated=True,
            person_age="adult",
            likelihood=CERTAIN,
            timing="ongoing",
            consent="refuses",
            children_in_household="no",
        )
    )
    assert {"AVERT_DUTY", "TELL_PATIENT"} <= result
    assert not result & {"AVERT_WATCH", "NO_AVERT_DUTY", "KEEP_CONFIDENTIALITY"}


# --- §§ 257-259: trafficking of an adult ----------------------------------------------------


@pytest.mark.parametrize("likelihood", [CERTAIN, "reason_to_believe"])
def test_trafficking_of_an_adult_not_aggravated_is_a_watch_for_sections_291_255_and_259(
    codes, facts, likelihood
):
    # A 23-year-old made to have sex with "customers" to pay off a travel debt.
    result = codes(
        facts(
            concerns=["trafficking"],
            aggravated=False,
            person_age="adult",
            likelihood=likelihood,
            consent="refuses",
            children_in_household="no",
        )
    )
    assert {"AVERT_WATCH", "REFER_TRAFFICKING"} <= result
    assert not result & {"AVERT_DUTY", "NO_AVERT_DUTY"}


def test_trafficking_of_an_adult_on_a_vague_feeling_is_no_duty_under_section_257(codes, facts):
    result = codes(
        facts(
            concerns=["trafficking"],
            aggravated=False,
            person_age="adult",
            likelihood="unclear",
            consent="refuses",
            children_in_household="no",
        )
    )
    assert {"NO_AVERT_DUTY", "REFER_TRAFFICKING"} <= result
    assert not result & {"AVERT_DUTY", "AVERT_WATCH"}


# --- hpl § 22 and pbrl § 4-4: who consents --------------------------------------------------


@pytest.mark.parametrize(
    "age, own, proxy",
    [
        ("child_under_14", False, True),
        ("child_14_15", False, True),
        ("child_16_17", True, False),
        ("adult", True, False),
        ("unknown", True, True),
    ],
)
def test_a_person_consents_from_16_and_the_parents_below_under_section_22(
    codes, facts, age, own, proxy
):
    result = codes(facts(person_age=age, consent="agrees", children_in_household="no"))
    assert ("SHARE_WITH_CONSENT" in result) is own
    assert ("SHARE_WITH_PROXY_CONSENT" in result) is proxy
    assert not result & {"KEEP_CONFIDENTIALITY", "TELL_PATIENT"}


@pytest.mark.parametrize("timing", rules.TIMINGS)
@pytest.mark.parametrize("likelihood", rules.LIKELIHOODS)
@pytest.mark.parametrize("age", rules.PERSON_AGES)
def test_a_person_who_cannot_decide_has_a_proxy_under_section_22_and_is_never_kept_silent(
    codes, facts, age, likelihood, timing
):
    result = codes(
        facts(
            concerns=["elder_abuse"],
            person_age=age,
            likelihood=likelihood,
            timing=timing,
            consent="lacks_capacity",
        )
    )
    assert "SHARE_WITH_PROXY_CONSENT" in result
    assert not result & {"KEEP_CONFIDENTIALITY", "SHARE_WITH_CONSENT"}


def test_the_proxy_consent_text_warns_that_the_one_who_consents_may_be_the_abuser(ruleset):
    proxy = ruleset.outcomes["SHARE_WITH_PROXY_CONSENT"]
    assert "overgriperen" in proxy.body("nb")
    assert "abuser" in proxy.body("en")
    assert {"hpl § 22", "pbrl § 4-4"} <= set(proxy.legal_basis)


# --- § 196: no duty to avert, and threats ---------------------------------------------------


def test_no_listed_offence_means_no_duty_to_avert_and_the_text_says_what_would_change_it(
    codes, facts, ruleset
):
    # A single slap between adult partners: §§ 271 and 263 are not in the list.
    result = codes(
        facts(
            concerns=["partner_family_violence"],
            serious_or_repeated=False,
            person_age="adult",
            likelihood=CERTAIN,
            children_in_household="no",
        )
    )
    assert "NO_AVERT_DUTY" in result
    assert not result & {"AVERT_DUTY", "AVERT_WATCH"}
    no_duty = ruleset.outcomes["NO_AVERT_DUTY"]
    assert "mest sannsynlig" in no_duty.body("nb")
    assert "most likely" in no_duty.body("en")


def test_a_threat_to_kill_that_is_certain_and_expected_is_a_duty_under_sections_274_and_275(
    codes, facts
):
    result = codes(
        facts(
            concerns=["threat_to_life"],
            person_age="adult",
            likelihood=CERTAIN,
            timing="expected",
            consent="refuses",
            children_in_household="no",
        )
    )
    assert {"AVERT_DUTY", "TELL_PATIENT"} <= result
    assert not result & {"AVERT_WATCH", "NO_AVERT_DUTY", "KEEP_CONFIDENTIALITY"}


def test_the_threat_option_asks_for_harm_at_the_level_of_section_274():
    label = option_label("concerns", "threat_to_life")
    assert "betydelig" in label
    assert "considerable" in option_label("concerns", "threat_to_life", "en")


def test_the_timing_option_ongoing_covers_harm_that_section_196_can_still_avert():
    label = option_label("timing", "ongoing")
    assert "hindres" in label or "begrenses" in label
    assert "prevented" in option_label("timing", "ongoing", "en")


# --- The texts ------------------------------------------------------------------------------


def test_the_duty_text_gives_the_threshold_of_section_282_not_section_283(ruleset):
    body = ruleset.outcomes["AVERT_DUTY"].body("nb")
    assert "alvorlig eller gjentatt" in body
    assert "grov eller gjentatt" not in body


def test_the_elder_abuse_text_names_carers_as_section_282_does(ruleset):
    body = ruleset.outcomes["REFER_ELDER_ABUSE"].body("nb")
    assert "omsorgsperson" in body
    assert "alvorlig eller gjentatt" in body.lower()
    assert "grov eller gjentatt" not in body.lower()


def test_trafficking_of_a_child_is_as_a_rule_aggravated_not_always_under_section_258(ruleset):
    assert "som regel" in ruleset.outcomes["AVERT_DUTY"].body("nb")
    assert "som regel" in question("aggravated").help("nb")
    assert "regnes også som grov" not in question("aggravated").help("nb")


def test_telling_the_person_cites_pbrl_3_6_and_calls_it_good_practice_after_section_23(ruleset):
    tell = ruleset.outcomes["TELL_PATIENT"]
    assert "pbrl § 3-6" in tell.legal_basis
    assert "god praksis" in tell.body("nb")
    assert "good practice" in tell.body("en")


def test_children_as_relatives_rests_on_section_33_first_and_section_10_a_only_besides(ruleset):
    outcome = ruleset.outcomes["CHILDREN_AS_RELATIVES"]
    assert outcome.legal_basis[:2] == ("hpl § 33", "hpl § 10 a")
    # The text goes on in paragraphs that fit the case (the "find out" one only when unknown).
    body = " ".join([outcome.body("nb"), *(p.text("nb") for p in outcome.paragraphs)])
    assert body.index("oppmerksom") < body.index("psykisk lidelse")
    reasoning = models.Rule.objects.get(key="children-as-relatives").reasoning
    assert reasoning.index("§ 33") < reasoning.index("§ 10 a")


def test_a_patient_who_may_harm_someone_is_answered_for_the_person_at_risk():
    # Legal review, finding 23: § 196 and hpl § 31 bind the same way when the patient is the
    # one who intends the offence; the questions are then answered for the person at risk.
    concerns = question("concerns")
    assert "svarer du for den som kan bli utsatt" in concerns.help("nb")
    assert "answer for the person at risk" in concerns.help("en")


def test_the_interpreter_text_does_not_go_stale_with_the_dispensation(ruleset):
    outcome = ruleset.outcomes["QUALIFIED_INTERPRETER"]
    assert "31. desember 2026" not in outcome.body("nb")
    assert "2026" not in outcome.body("en")
    assert "kvalifisert tolk" in outcome.body("nb")


def test_keeping_confidentiality_gives_way_to_section_31(ruleset):
    outcome = ruleset.outcomes["KEEP_CONFIDENTIALITY"]
    assert "hpl § 31" in outcome.legal_basis
    body = outcome.body("nb")
    assert "alvorlig skadet" in body
    assert "varsle politiet" in body


# --- The invariants on every case file --------------------------------------------------------

# conftest's case_files() may or may not list cases-next yet; each file is checked once.
CASES = list(
    dict.fromkeys([*case_files(), *sorted((ROOT.parent / "shared" / "cases-next").glob("*.yaml"))])
)


def test_there_are_version_2_cases_to_check():
    assert any(path.parent.name == "cases-next" for path in CASES)


@pytest.mark.parametrize("path", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_case_file_meets_the_invariants_of_the_contract(ruleset, path: Path):
    case = rules.parse_case(yaml.safe_load(path.read_text(encoding="utf-8")))
    result = rules.evaluate(ruleset, case.facts)
    codes = set(result.codes)
    assert len(codes & AVERT_CODES) == 1, sorted(codes & AVERT_CODES)
    assert codes & SHARING, "the sharing section is empty"
    assert not ("KEEP_CONFIDENTIALITY" in codes and codes & (DUTY_TO_SHARE | RIGHT_TO_SHARE))
    assert ("ACUTE_EMERGENCY" in codes) is result.facts["acute_danger"]
    assert "DOCUMENT" in codes
    assert result.contacts
