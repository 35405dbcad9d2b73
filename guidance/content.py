"""The one read path from the database into ``guidance.rules``.

``load_ruleset()`` reads every table the engine needs in a fixed number of queries, whatever
the number of rules, outcomes or contacts (pinned by tests/test_content.py).
"""

from django.db.models import Prefetch

from . import models, rules

RULESET_QUERIES = 12


def load_ruleset() -> rules.RuleSet:
    """Load the enabled rules, all outcomes, contacts and counties into a RuleSet."""
    rule_rows = models.Rule.objects.filter(enabled=True).prefetch_related(
        Prefetch("conditions", queryset=models.RuleCondition.objects.order_by("id")),
        Prefetch("outcomes", queryset=models.Outcome.objects.only("code")),
    )
    outcome_rows = models.Outcome.objects.prefetch_related(
        "legal_sources",
        Prefetch("categories", queryset=models.ContactCategory.objects.only("slug")),
    )
    return rules.RuleSet.build(
        rules=[to_rule(r) for r in rule_rows],
        outcomes=[to_outcome(o) for o in outcome_rows],
        contacts=[to_contact(c) for c in contact_queryset()],
        counties=list(models.County.objects.values_list("number", flat=True)),
    )


def contact_queryset():
    return models.Contact.objects.prefetch_related(
        Prefetch("categories", queryset=models.ContactCategory.objects.only("slug")),
        Prefetch("counties", queryset=models.County.objects.only("number")),
        "phones",
        "hours",
    )


def to_rule(row: models.Rule) -> rules.Rule:
    return rules.Rule(
        key=row.key,
        name=row.name,
        conditions=tuple(c.as_condition() for c in row.conditions.all()),
        outcomes=tuple(sorted(o.code for o in row.outcomes.all())),
    )


def to_outcome(row: models.Outcome) -> rules.Outcome:
    sources = sorted(row.legal_sources.all(), key=lambda s: (s.law, s.key))
    return rules.Outcome(
        code=row.code,
        kind=row.kind,
        section=row.section,
        priority=row.priority,
        titles={"nb": row.title_nb, "en": row.title_en},
        bodies={"nb": row.body_nb, "en": row.body_en},
        legal_basis=tuple(s.citation for s in sources),
        legal_links=tuple((s.citation, s.url) for s in sources),
        categories=tuple(c.slug for c in row.categories.all()),
    )


def to_contact(row: models.Contact) -> rules.Contact:
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
