"""The engine's objections and its check of the whole table (``rules.validate``): each problem
shown to fire on a small hand-made table, and the seed table shown to have none."""

import pytest

from guidance import content, models, rules, vocabulary


def cond(fact, op, *value):
    return rules.Condition(fact, op, tuple(value))


def outcome(code, kind="advice", legal_basis=(), paragraphs=()):
    return rules.Outcome(
        code=code, kind=kind, section="avert", legal_basis=legal_basis, paragraphs=paragraphs
    )


def rule(key, outcomes, *conditions):
    return rules.Rule(key=key, name=key, conditions=tuple(conditions), outcomes=tuple(outcomes))


def contact(slug="rosa", phone="22 33 11 60", counties=None, **extra):
    phones = ((phone, {}),) if phone else ()
    return rules.Contact(
        slug=slug,
        names={},
        categories=("trafficking",),
        counties=counties,
        phone=phone,
        extra={"phones": phones, **extra},
    )


def question(key, fact, *values, show_when=()):
    return rules.Question(
        key=key,
        fact=fact,
        order=1,
        texts={},
        options=tuple(rules.Option(v, {}) for v in values),
        show_when=tuple(show_when),
    )


def table(rule_list=(), outcomes=(), contacts=()):
    """A RuleSet as given, not through RuleSet.build (which refuses some of what is tested)."""
    return rules.RuleSet(
        rules=tuple(rule_list),
        outcomes={o.code: o for o in outcomes},
        contacts=tuple(contacts),
    )


def codes(problems):
    return [(p.code, p.where) for p in problems]


# A small table with nothing wrong: each test below breaks one thing in it.
OK_RULES = [rule("talk", ["TALK_ALONE"], cond("companion", "in", "adult", "child"))]
OK_OUTCOMES = [outcome("TALK_ALONE")]
OK_QUESTIONS = [question("companion", "companion", "none", "adult", "child")]


def test_a_table_with_nothing_wrong_has_no_problems():
    ruleset = table(OK_RULES, OK_OUTCOMES, [contact()])
    assert rules.validate(ruleset, OK_QUESTIONS) == []


# --- The engine's objections carry a field and a code ------------------------------------


@pytest.mark.parametrize(
    "fact, op, value, code, field",
    [
        ("mood", "equals", ("sad",), "unknown_fact", "fact"),
        ("timing", "resembles", ("ongoing",), "unknown_operator", "operator"),
        ("timing", "is_true", (), "operator_mismatch", "operator"),
        ("pregnant", "is_true", ("true",), "value_not_taken", "value"),
        ("concerns", "contains_any", (), "value_missing", "value"),
        ("timing", "equals", ("ongoing", "expected"), "one_value", "value"),
        ("county", "equals", ("3",), "not_county", "value"),
        ("timing", "equals", ("soon",), "unknown_value", "value"),
    ],
)
def test_a_condition_that_does_not_fit_says_which_field_and_why(fact, op, value, code, field):
    with pytest.raises(rules.RuleError) as e:
        rules.Condition(fact, op, value)
    assert (e.value.code, e.value.field) == (code, field)
    assert rules.RULE_ERRORS[code] == field


def test_a_rule_error_names_the_offending_value_and_keeps_its_english_message():
    with pytest.raises(rules.RuleError) as e:
        rules.Condition("timing", "equals", ("soon",))
    assert e.value.value == "soon"
    assert str(e.value).startswith("'soon' is not a value of 'timing'")


def test_a_tables_errors_carry_codes_too():
    with pytest.raises(rules.RuleError) as e:
        rules.RuleSet.build([rule("a", ["NOPE"])], [])
    assert (e.value.code, e.value.field, e.value.value) == ("unknown_outcome", "outcomes", "NOPE")
    loop = [rule("a", ["DOCUMENT"], cond("outcomes", "contains", "TALK_ALONE"))]
    loop.append(rule("b", ["TALK_ALONE"], cond("outcomes", "contains", "DOCUMENT")))
    with pytest.raises(rules.RuleError) as e:
        rules.order_rules(loop)
    assert e.value.code == "rule_cycle"


@pytest.mark.parametrize(
    "fact, op, value, field, words",
    [
        ("mood", "equals", "sad", "fact", "«mood» er ikke et faktum i kontrakten."),
        ("timing", "is_true", "", "operator", "Operatoren passer ikke for faktumet timing"),
        ("pregnant", "is_true", "true", "value", "«er ja» tar ingen verdi. Fjern verdiene."),
        ("concerns", "contains_any", "", "value", "Velg minst én verdi for concerns."),
        ("timing", "equals", "ongoing,expected", "value", "bruk «er en av»"),
        ("county", "equals", "3", "value", "«3» er ikke et fylkesnummer"),
        ("timing", "equals", "soon", "value", "Mulige verdier: ongoing, expected, past_only."),
    ],
)
def test_the_admin_words_each_objection_on_its_field(fact, op, value, field, words):
    row = models.RuleCondition(fact=fact, operator=op, value=value)
    with pytest.raises(rules.RuleError) as e:
        row.as_condition()
    said = row.explain(e.value)
    assert list(said) == [field]
    assert words in said[field]


def test_every_condition_objection_has_words_in_bokmal():
    condition_codes = {c for c, f in rules.RULE_ERRORS.items() if f != "outcomes"}
    assert condition_codes == set(models.CONDITION_ERRORS_NB)


# --- One vocabulary ------------------------------------------------------------------------


def test_the_models_choices_are_the_engines_order_with_the_result_pages_words():
    assert [s.value for s in models.Section] == list(rules.SECTIONS)
    assert [k.value for k in models.Kind] == list(rules.KINDS)
    assert {s.value: s.label for s in models.Section} == vocabulary.SECTION_TITLES
    assert {k.value: k.label for k in models.Kind} == vocabulary.KIND_LABELS


# --- The whole table -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["must", "must_not"])
def test_a_duty_or_prohibition_without_a_legal_source_is_a_problem(kind):
    outcomes = [
        outcome("AVERT_DUTY", kind=kind),
        outcome("DOCUMENT", kind=kind, legal_basis=("x",)),
    ]
    found = rules.validate(table(outcomes=[*outcomes, outcome("CONSULT_EXPERT")]))
    assert codes(found) == [("duty_without_source", "AVERT_DUTY")]


def test_a_contact_without_a_phone_website_or_email_is_a_problem():
    reachable = [contact("rosa"), contact("web", phone=None, website="https://x.no")]
    reachable.append(contact("mail", phone=None, email="a@x.no"))
    found = rules.validate(table(contacts=[*reachable, contact("mute", phone=None)]))
    assert codes(found) == [("unreachable", "mute")]


def test_a_regional_contact_without_a_county_is_a_problem():
    contacts = [contact("rvts-ost", counties=frozenset({"03"})), contact("rvts-nord")]
    found = rules.validate(table(contacts=[*contacts, contact("rvts-sor", counties=frozenset())]))
    assert codes(found) == [("regional_without_counties", "rvts-sor")]


def test_the_contact_check_leaves_out_what_its_caller_checks_elsewhere():
    assert rules.check_contact("x", phones=None) == []
    assert rules.check_contact("x", phones=[], counties=None) != []
    assert codes(rules.check_contact("x", phones=["112"], counties=())) == [
        ("regional_without_counties", "x")
    ]


def test_a_rule_giving_an_unknown_outcome_is_a_problem():
    found = rules.validate(table([*OK_RULES, rule("odd", ["NOPE"])], OK_OUTCOMES))
    assert codes(found) == [("unknown_outcome", "odd")]


def test_a_rule_waiting_on_its_own_outcome_is_a_problem():
    loop = [rule("a", ["DOCUMENT"], cond("outcomes", "contains", "TALK_ALONE"))]
    loop.append(rule("b", ["TALK_ALONE"], cond("outcomes", "contains", "DOCUMENT")))
    found = rules.validate(table(loop, [outcome("DOCUMENT"), outcome("TALK_ALONE")]))
    assert [p.code for p in found] == ["rule_cycle"]
    assert found[0].where in ("a", "b")


def test_a_question_whose_answer_nothing_tells_apart_leads_nowhere():
    questions = [*OK_QUESTIONS, question("pregnant", "pregnant", "true", "false")]
    found = rules.validate(table(OK_RULES, OK_OUTCOMES), questions)
    assert codes(found) == [("option_leads_nowhere", "pregnant")]


def test_a_condition_that_holds_for_every_option_does_not_tell_them_apart():
    always = rule("always", ["TALK_ALONE"], cond("companion", "in", "none", "adult", "child"))
    found = rules.validate(table([always], OK_OUTCOMES), OK_QUESTIONS)
    assert codes(found) == [("option_leads_nowhere", "companion")]


@pytest.mark.parametrize("where", ["paragraph", "question"])
def test_a_paragraph_or_another_question_can_be_where_an_option_leads(where):
    questions = [*OK_QUESTIONS, question("pregnant", "pregnant", "true", "false")]
    outcomes = list(OK_OUTCOMES)
    if where == "paragraph":
        paragraph = rules.Paragraph(texts={}, condition=cond("pregnant", "is_true"))
        outcomes = [outcome("TALK_ALONE", paragraphs=(paragraph,))]
    else:
        # A question without options of its own, shown only to a pregnant patient.
        questions.append(question("later", "consent", show_when=[cond("pregnant", "is_true")]))
    found = rules.validate(table(OK_RULES, outcomes), questions)
    assert codes(found) == []


def test_a_condition_on_an_answer_the_question_no_longer_offers_is_a_problem():
    narrowed = [question("companion", "companion", "none", "adult")]
    found = rules.validate(table(OK_RULES, OK_OUTCOMES), narrowed)
    assert codes(found) == [("value_not_offered", "talk")]
    assert (found[0].fact, found[0].value) == ("companion", "child")


def test_every_problem_code_is_named_and_worded_for_the_admin():
    from guidance import admin_forms, admin_views

    assert set(rules.PROBLEMS) == set(admin_forms.PROBLEMS_NB)
    assert set(rules.PROBLEMS.values()) <= set(admin_views.PROBLEM_ITEMS_NB)


@pytest.mark.django_db
def test_the_seeded_table_has_no_problems(ruleset):
    assert rules.validate(ruleset, content.load_questions()) == []
