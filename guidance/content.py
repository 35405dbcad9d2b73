"""The one read path from the database into ``guidance.rules``.

``load_ruleset()`` and ``load_questions()`` read the tables in a fixed number of queries,
whatever the number of rules, outcomes, contacts or questions (pinned by
tests/test_content.py). ``snapshot()`` keeps the compiled content in memory and reloads it
only when the ContentVersion token has changed. It reads that token at most once every
CONTENT_CHECK_SECONDS per process, so a guide page makes no query at all: an edit in the admin
reaches the other app servers (and the other workers) within that many seconds, and the
process that saved it at once, because the save signal calls ``forget()``.

If the content in the database ever fails to compile (a rule cycle that slipped past the
admin's checks, say), ``snapshot()`` keeps serving the last content that did, logs the error
once, and ``problem()`` tells ``/healthz`` why, so the operator hears of it and no clinician
gets an error page.
"""

import logging
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Prefetch

from . import models, rules

RULESET_QUERIES = 15
QUESTION_QUERIES = 3


@dataclass(frozen=True)
class Snapshot:
    version: str | None
    ruleset: rules.RuleSet
    questions: tuple[rules.Question, ...]
    counties: tuple[tuple[str, str], ...]  # (number, name)

    def question(self, key: str) -> rules.Question | None:
        return next((q for q in self.questions if q.key == key), None)


logger = logging.getLogger(__name__)

_lock = threading.Lock()
_cached: Snapshot | None = None
_failed: tuple[str | None, str] | None = None  # (version, why) of the last build that failed
_checked_at = float("-inf")  # time.monotonic() of the last version check
_forgotten = 0  # how many times forget() was called: a check racing a save must not count


class ContentBroken(Exception):
    """The content does not compile and there is no earlier content to serve instead."""


def current_version() -> str | None:
    token = models.ContentVersion.objects.filter(pk=1).values_list("token", flat=True).first()
    return str(token) if token else None


def forget() -> None:
    """Check the content version on the next ``snapshot()``: the content has just changed in
    this process (the save signals call this), so its own pages show the edit at once."""
    global _checked_at, _forgotten
    _forgotten += 1
    _checked_at = float("-inf")


def snapshot() -> Snapshot:
    """The content as it is in the database now, compiled; reloaded only after a change.

    The version is read at most once every CONTENT_CHECK_SECONDS (and after ``forget()``).
    Content that does not compile is tried once per version; until the next change the last
    good snapshot is served (ContentBroken if there is none)."""
    global _cached, _failed, _checked_at
    now = time.monotonic()
    cached = _cached
    if cached is not None and now - _checked_at < settings.CONTENT_CHECK_SECONDS:
        return cached
    forgotten = _forgotten
    version = current_version()
    if forgotten == _forgotten:
        _checked_at = now
    cached, failed = _cached, _failed
    if cached is not None and cached.version == version:
        if failed is not None:
            _failed = None  # the content went back to what is being served
        return cached
    if failed is None or failed[0] != version:
        with _lock:
            try:
                fresh = Snapshot(
                    version=version,
                    ruleset=load_ruleset(),
                    questions=load_questions(),
                    counties=tuple(models.County.objects.values_list("number", "name")),
                )
            except DatabaseError:
                raise  # the database is away, not the content broken: the 503 page
            except Exception as e:
                failed = _failed = (version, f"{type(e).__name__}: {e}")
                logger.exception(
                    "content version %s does not compile, still serving version %s",
                    version,
                    cached.version if cached else "(none)",
                )
            else:
                _cached, _failed = fresh, None
                return fresh
    if cached is None:
        raise ContentBroken(failed[1])
    return cached


def problem() -> str | None:
    """Why the content now in the database is not the content being served, or None."""
    failed = _failed
    return failed[1] if failed is not None else None


def load_ruleset() -> rules.RuleSet:
    """Load the enabled rules, all outcomes, contacts and counties into a RuleSet."""
    outcome_rows = models.Outcome.objects.prefetch_related(
        "legal_sources",
        Prefetch("categories", queryset=models.ContactCategory.objects.only("slug")),
        Prefetch(
            "paragraphs",
            queryset=models.OutcomeParagraph.objects.order_by("order", "id").prefetch_related(
                "legal_sources"
            ),
        ),
    )
    return rules.RuleSet.build(
        rules=enabled_rules(),
        outcomes=[to_outcome(o) for o in outcome_rows],
        contacts=all_contacts(),
        counties=list(models.County.objects.values_list("number", flat=True)),
    )


# Rules and contacts are the tables that grow. They are read as plain rows (values_list) and
# grouped here, rather than as model instances with prefetch_related: at ten times the seed
# content that cut the reload every worker pays after a save from 0.2 s to a fraction
# (benchmarks/growth.py). The result is the same as to_rule() and a plain to_contact() of the model
# instances give (tests/test_content.py compares them).


def _grouped(rows: Iterable[Sequence[Any]]) -> dict[Any, list[Any]]:
    """{first column: [the rest of each row, in order]}."""
    grouped: dict[Any, list[Any]] = {}
    for first, *rest in rows:
        grouped.setdefault(first, []).append(rest[0] if len(rest) == 1 else rest)
    return grouped


def both(row: Any, name: str) -> dict[str, str]:
    """A text's bokmål and English columns (``<name>_nb``, ``<name>_en``), of a model instance
    or a plain row read as a dict, as the engine's {language: text}."""
    if isinstance(row, dict):
        return {"nb": row[f"{name}_nb"], "en": row[f"{name}_en"]}
    return {"nb": getattr(row, f"{name}_nb"), "en": getattr(row, f"{name}_en")}


def _values(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())  # as ConditionBase.values


def enabled_rules() -> list[rules.Rule]:
    enabled = models.Rule.objects.filter(enabled=True)
    conditions = _grouped(
        models.RuleCondition.objects.filter(rule__enabled=True)
        .order_by("rule_id", "id")
        .values_list("rule_id", "fact", "operator", "value")
    )
    outcomes = _grouped(
        models.Rule.outcomes.through.objects.filter(rule__enabled=True).values_list(
            "rule_id", "outcome__code"
        )
    )
    categories = _grouped(
        models.Rule.categories.through.objects.filter(rule__enabled=True).values_list(
            "rule_id", "contactcategory__slug"
        )
    )
    return [
        rules.Rule(
            key=key,
            name=name,
            conditions=tuple(
                rules.Condition(fact, operator, _values(value))
                for fact, operator, value in conditions.get(pk, ())
            ),
            outcomes=tuple(sorted(outcomes.get(pk, ()))),
            categories=tuple(sorted(categories.get(pk, ()))),
        )
        for pk, key, name in enabled.values_list("pk", "key", "name")
    ]


CONTACT_FIELDS = (
    "pk", "slug", "name_nb", "name_en", "scope", "order", "description_nb", "description_en",
    "serves_nb", "serves_en", "website", "email", "always_open", "hours_note_nb",
    "hours_note_en", "last_verified", "needs_review",
)  # fmt: skip


def all_contacts() -> list[rules.Contact]:
    categories = _grouped(
        models.Contact.categories.through.objects.order_by(
            "contact_id", "contactcategory__slug"
        ).values_list("contact_id", "contactcategory__slug")
    )
    counties = _grouped(
        models.Contact.counties.through.objects.values_list("contact_id", "county__number")
    )
    phones = _grouped(
        models.ContactPhone.objects.order_by("contact_id", "order", "id").values_list(
            "contact_id", "number", "label_nb", "label_en"
        )
    )
    hours = _grouped(
        models.OpeningHours.objects.order_by("contact_id", "weekday", "opens").values_list(
            "contact_id", "weekday", "opens", "closes"
        )
    )
    made = []
    for row in models.Contact.objects.values_list(*CONTACT_FIELDS):
        c = dict(zip(CONTACT_FIELDS, row, strict=True))
        pk = c["pk"]
        own_phones = phones.get(pk, ())
        made.append(
            rules.Contact(
                slug=c["slug"],
                names=both(c, "name"),
                categories=tuple(categories.get(pk, ())),
                counties=None
                if c["scope"] == models.Scope.NATIONAL
                else frozenset(counties.get(pk, ())),
                phone=own_phones[0][0] if own_phones else None,
                order=c["order"],
                extra={
                    "descriptions": both(c, "description"),
                    "serves": both(c, "serves"),
                    "phones": tuple(
                        (number, {"nb": nb, "en": en}) for number, nb, en in own_phones
                    ),
                    "website": c["website"],
                    "email": c["email"],
                    "always_open": c["always_open"],
                    "hours": tuple(tuple(h) for h in hours.get(pk, ())),
                    "hours_note": both(c, "hours_note"),
                    "last_verified": c["last_verified"],
                    "needs_review": c["needs_review"],
                },
            )
        )
    return made


def load_questions() -> tuple[rules.Question, ...]:
    rows = models.Question.objects.prefetch_related(
        Prefetch("options", queryset=models.QuestionOption.objects.order_by("order", "id")),
        Prefetch("conditions", queryset=models.QuestionCondition.objects.order_by("id")),
    )
    return tuple(
        rules.Question(
            key=q.key,
            fact=q.fact,
            order=q.order,
            topic=q.topic,
            texts=both(q, "text"),
            helps=both(q, "help"),
            options=tuple(
                rules.Option(
                    value=o.value,
                    labels=both(o, "label"),
                    helps=both(o, "help"),
                )
                for o in q.options.all()
            ),
            show_when=tuple(c.as_condition() for c in q.conditions.all()),
        )
        for q in rows
    )


def to_rule(row: models.Rule) -> rules.Rule:
    return rules.Rule(
        key=row.key,
        name=row.name,
        conditions=tuple(c.as_condition() for c in row.conditions.all()),
        outcomes=tuple(sorted(o.code for o in row.outcomes.all())),
        categories=tuple(sorted(c.slug for c in row.categories.all())),
    )


def to_outcome(row: models.Outcome) -> rules.Outcome:
    # The source the outcome rests on first, then the others by law and section.
    sources = sorted(
        row.legal_sources.all(), key=lambda s: (s.pk != row.primary_source_id, s.law, s.key)
    )
    return rules.Outcome(
        code=row.code,
        kind=row.kind,
        section=row.section,
        priority=row.priority,
        titles=both(row, "title"),
        bodies=both(row, "body"),
        legal_basis=tuple(s.citation for s in sources),
        legal_links=tuple((s.citation, s.url) for s in sources),
        categories=tuple(c.slug for c in row.categories.all()),
        paragraphs=tuple(
            rules.Paragraph(
                texts=both(p, "text"),
                condition=p.as_condition(),  # type: ignore[no-untyped-call]
                legal_links=tuple(
                    (s.citation, s.url) for s in sorted(p.legal_sources.all(), key=source_order)
                ),
            )
            for p in row.paragraphs.all()
        ),
        lines={name: both(row, name) for name in rules.LINES},
    )


def source_order(source: models.LegalSource) -> tuple[str, str]:
    return (source.law, source.key)
