"""The read path from the database into the engine: a fixed number of queries."""

import uuid

import pytest
from django.db.models import Prefetch

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


# --- How often a process asks whether the content changed (CONTENT_CHECK_SECONDS) ------------


@pytest.fixture
def clock(monkeypatch):
    """content.py's monotonic clock, moved by hand."""
    now = [1000.0]
    monkeypatch.setattr(content.time, "monotonic", lambda: now[0])
    return now


@pytest.mark.django_db
def test_the_version_is_read_at_most_once_per_window(clock, settings, django_assert_num_queries):
    settings.CONTENT_CHECK_SECONDS = 5
    content.snapshot()
    with django_assert_num_queries(0):
        clock[0] += 4.9
        content.snapshot()
    with django_assert_num_queries(1):
        clock[0] += 0.2
        content.snapshot()


@pytest.mark.django_db
def test_an_edit_in_another_process_shows_within_the_window(clock, settings):
    """Another server's save: the rows and the version change without this process's signals."""
    settings.CONTENT_CHECK_SECONDS = 5
    before = content.snapshot()
    models.Question.objects.filter(key="acute_danger").update(text_en="Changed elsewhere?")
    models.ContentVersion.objects.filter(pk=1).update(token=uuid.uuid4())
    clock[0] += 4
    assert content.snapshot() is before
    clock[0] += 2
    assert content.snapshot().question("acute_danger").text("en") == "Changed elsewhere?"


@pytest.mark.django_db
def test_an_edit_saved_in_this_process_shows_at_once(clock, settings, client):
    settings.CONTENT_CHECK_SECONDS = 3600
    client.get("/guide/q/acute_danger/", HTTP_ACCEPT_LANGUAGE="en")
    question = models.Question.objects.get(key="acute_danger")
    question.text_en = "Is anyone in danger this very minute?"
    question.save()
    page = client.get("/guide/q/acute_danger/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Is anyone in danger this very minute?" in page


@pytest.mark.django_db
def test_a_check_that_raced_a_save_does_not_hide_it(clock, settings, monkeypatch):
    """A thread that read the old version while the save was being made must not make the
    saving process wait a whole window for its own edit."""
    settings.CONTENT_CHECK_SECONDS = 3600
    old = content.snapshot()
    read = content.current_version

    def read_then_save():
        version = read()
        content.forget()  # the save's signal, in another thread, between read and record
        return version

    monkeypatch.setattr(content, "current_version", read_then_save)
    content.forget()
    content.snapshot()
    monkeypatch.setattr(content, "current_version", read)
    models.ContentVersion.objects.filter(pk=1).update(token=uuid.uuid4())
    assert content.snapshot() is not old


@pytest.mark.django_db
def test_the_row_read_gives_the_same_rules_and_contacts_as_the_model_instances():
    """enabled_rules() and all_contacts() read plain rows for speed; they must build exactly
    what to_rule() and this file's to_contact() build from the model instances."""
    by_model = [
        content.to_rule(r)
        for r in models.Rule.objects.filter(enabled=True).prefetch_related(
            "conditions", "outcomes", "categories"
        )
    ]
    assert content.enabled_rules() == by_model
    assert content.all_contacts() == [to_contact(c) for c in contact_queryset()]
    assert len(by_model) > 30


def contact_queryset():
    """The contacts as model instances with what a card needs, prefetched."""
    return models.Contact.objects.prefetch_related(
        Prefetch("categories", queryset=models.ContactCategory.objects.only("slug")),
        Prefetch("counties", queryset=models.County.objects.only("number")),
        "phones",
        "hours",
    )


def to_contact(row):
    """The engine's Contact built from a model instance the plain way: the oracle the row read
    (content.all_contacts) is compared with."""
    phones = list(row.phones.all())
    national = row.scope == models.Scope.NATIONAL
    return rules.Contact(
        slug=row.slug,
        names={"nb": row.name_nb, "en": row.name_en},
        categories=tuple(c.slug for c in row.categories.all()),
        counties=None if national else frozenset(c.number for c in row.counties.all()),
        phone=phones[0].number if phones else None,
        order=row.order,
        extra={
            "descriptions": {"nb": row.description_nb, "en": row.description_en},
            "serves": {"nb": row.serves_nb, "en": row.serves_en},
            "phones": tuple((p.number, {"nb": p.label_nb, "en": p.label_en}) for p in phones),
            "website": row.website,
            "email": row.email,
            "always_open": row.always_open,
            "hours": tuple((h.weekday, h.opens, h.closes) for h in row.hours.all()),
            "hours_note": {"nb": row.hours_note_nb, "en": row.hours_note_en},
            "last_verified": row.last_verified,
            "needs_review": row.needs_review,
        },
    )
