"""The read path from the database into the engine: a fixed number of queries."""

import pytest

from guidance import content, models, rules


@pytest.mark.django_db
def test_loading_the_rule_set_takes_a_fixed_number_of_queries(django_assert_num_queries):
    with django_assert_num_queries(content.RULESET_QUERIES):
        content.load_ruleset()


@pytest.mark.django_db
def test_the_query_count_does_not_grow_with_the_tables(django_assert_num_queries):
    outcome = models.Outcome.objects.get(code="DOCUMENT")
    county = models.County.objects.get(number="03")
    category = models.ContactCategory.objects.first()
    for i in range(60):
        rule = models.Rule.objects.create(key=f"extra-{i}", name=f"Extra {i}")
        rule.outcomes.add(outcome)
        models.RuleCondition.objects.create(
            rule=rule, fact="likelihood", operator="equals", value="unclear"
        )
        contact = models.Contact.objects.create(
            slug=f"extra-{i}",
            name_nb="X",
            name_en="X",
            description_nb="X",
            description_en="X",
            scope="regional",
        )
        contact.categories.add(category)
        contact.counties.add(county)
        models.ContactPhone.objects.create(contact=contact, number="22 00 00 00")
    with django_assert_num_queries(content.RULESET_QUERIES):
        ruleset = content.load_ruleset()
    assert len(ruleset.rules) >= 60


@pytest.mark.django_db
def test_disabled_rules_are_not_loaded():
    models.Rule.objects.filter(key="document").update(enabled=False)
    ruleset = content.load_ruleset()
    assert "document" not in {r.key for r in ruleset.rules}
    result = rules.evaluate(ruleset, {"concerns": ["fgm"], "timing": "expected", "county": "03"})
    assert "DOCUMENT" not in result.codes


@pytest.mark.django_db
def test_a_regional_contact_carries_its_counties_and_a_national_one_none(ruleset):
    contacts = {c.slug: c for c in ruleset.contacts}
    assert contacts["rvts-nord"].counties == frozenset({"18", "55", "56"})
    assert contacts["rosa"].counties is None
