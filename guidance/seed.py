"""Load the seed content of ``fixtures/`` into the database.

``load(force=False)`` adds only rows whose key is missing, so it can run on every start: it
never duplicates a row and never overwrites what an administrator changed. ``load(force=True)``
is the explicit reload behind ``manage.py reseed``: seeded rows are overwritten with the files.
Rows an administrator added (keys not in the files) are left alone either way.
"""

import datetime
from collections import Counter
from pathlib import Path

import yaml
from django.conf import settings
from django.db import transaction

from . import cases, models, rules

FIXTURES = Path(settings.BASE_DIR) / "fixtures"


class SeedError(ValueError):
    """A seed file is missing or does not fit its format; the message names file and key."""


def read_yaml(path: Path):
    try:
        with open(path, encoding="utf-8") as f:
            return yaml.safe_load(f)
    except FileNotFoundError:
        raise SeedError(f"{path}: file not found") from None
    except yaml.YAMLError as e:
        raise SeedError(f"{path}: not valid YAML ({' '.join(str(e).split())})") from None


def read_case_files(folder: Path):
    """Every case file in ``folder``, read and checked as ``loadcases`` reads and checks them
    (``cases.read_files``), against the counties and contacts in the database: call it once
    the seed's own counties and contacts are in."""
    paths = sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.json"))
    slugs = cases.known_contact_slugs(models.Contact.objects.values_list("slug", flat=True))
    counties = frozenset(models.County.objects.values_list("number", flat=True))
    try:
        return cases.read_files(paths, slugs, counties)
    except cases.CaseFileError as e:
        raise SeedError(str(e)) from None


class Loader:
    def __init__(self, folder: Path, force: bool):
        self.folder = folder
        self.force = force
        self.stats: Counter[str] = Counter()
        self.contact_written = False  # a contact created (or overwritten) by this run

    def upsert(self, model, lookup: dict, fields: dict, fill=()):
        """Create the row, or overwrite it when forced; return (row, written). A row kept as
        it is still gets the ``fill`` fields that are blank in it and given here: fields added
        by a later migration (which leaves them empty), never an editor's text."""
        row = model.objects.filter(**lookup).first()
        label = model._meta.verbose_name_plural
        if row is not None and not self.force:
            blank = {n: fields[n] for n in fill if fields.get(n) and not getattr(row, n)}
            if blank:
                for name, value in blank.items():
                    setattr(row, name, value)
                row.full_clean()
                row.save(update_fields=list(blank))
                self.stats[f"{label}: blank fields filled"] += 1
            else:
                self.stats[f"{label}: kept"] += 1
            return row, False
        if row is None:
            row = model(**lookup)
            self.stats[f"{label}: created"] += 1
        else:
            self.stats[f"{label}: overwritten"] += 1
        for name, value in fields.items():
            setattr(row, name, value)
        row.full_clean()
        row.save()
        return row, True

    def run(self):
        counties = read_yaml(self.folder / "counties.yaml")
        contacts = read_yaml(self.folder / "contacts.yaml")
        sources = read_yaml(self.folder / "legal_sources.yaml")
        outcomes = read_yaml(self.folder / "outcomes.yaml")
        rule_rows = read_yaml(self.folder / "rules.yaml")
        questions = read_yaml(self.folder / "questions.yaml")
        with transaction.atomic():
            rvts_of = self.load_counties(counties)
            self.load_contacts(contacts, rvts_of)
            self.load_legal_sources(sources)
            self.load_outcomes(outcomes)
            self.load_rules(rule_rows)
            self.load_questions(questions)
            # Checked against the counties and contacts just loaded, as loadcases would.
            self.load_cases(read_case_files(self.folder / "cases"))
        return self.stats

    def load_counties(self, rows):
        rvts_of = {}
        for item in rows:
            number = str(item["number"]).zfill(2)
            _, written = self.upsert(
                models.County,
                {"number": number},
                {
                    "name": item["name"],
                    "health_region": item["health_region"],
                    "review_note": item.get("review_note") or "",
                    "needs_review": bool(item.get("review_note")),
                },
            )
            rvts_of[number] = (item["rvts"], written)
        return rvts_of

    def load_contacts(self, data, rvts_of):
        categories = {}
        for item in data["categories"]:
            row, _ = self.upsert(
                models.ContactCategory,
                {"slug": item["slug"]},
                {"name_nb": item["name_nb"], "name_en": item["name_en"]},
            )
            categories[row.slug] = row
        for item in data["contacts"]:
            row, written = self.upsert(
                models.Contact,
                {"slug": item["slug"]},
                {
                    "name_nb": item["name_nb"],
                    "name_en": item["name_en"],
                    "description_nb": item["description_nb"].strip(),
                    "description_en": item["description_en"].strip(),
                    "scope": item.get("scope", "national"),
                    "serves_nb": item.get("serves_nb") or "",
                    "serves_en": item.get("serves_en") or "",
                    "website": item.get("website") or "",
                    "email": item.get("email") or "",
                    "always_open": bool(item.get("always_open")),
                    "hours_note_nb": item.get("hours_note_nb") or "",
                    "hours_note_en": item.get("hours_note_en") or "",
                    "order": item.get("order", 100),
                    "last_verified": item.get("last_verified"),
                    "review_note": (item.get("review_note") or "").strip(),
                    "needs_review": bool(item.get("review_note")),
                },
            )
            self.contact_written |= written
            if written:
                row.categories.set([categories[slug] for slug in item["categories"]])
                row.phones.all().delete()
                for order, phone in enumerate(item.get("phones") or []):
                    models.ContactPhone.objects.create(
                        contact=row,
                        number=str(phone["number"]),
                        label_nb=phone.get("label_nb") or "",
                        label_en=phone.get("label_en") or "",
                        order=order,
                    )
                row.hours.all().delete()
                for block in item.get("hours") or []:
                    for weekday in block["weekdays"]:
                        models.OpeningHours.objects.create(
                            contact=row,
                            weekday=weekday,
                            opens=_time(block["opens"]),
                            closes=_time(block["closes"]),
                        )
        # A county joins its RVTS when either side is new (or on a forced reload).
        contacts = {c.slug: c for c in models.Contact.objects.filter(scope="regional")}
        for number, (slug, county_written) in rvts_of.items():
            contact = contacts.get(slug)
            if contact is None:
                raise SeedError(f"counties.yaml: {number}: unknown RVTS contact '{slug}'")
            if county_written or self.contact_written or self.force:
                contact.counties.add(models.County.objects.get(number=number))

    def load_legal_sources(self, rows):
        for item in rows:
            self.upsert(
                models.LegalSource,
                {"key": item["key"]},
                {
                    "law": item["law"],
                    "section": item["section"],
                    "title_nb": item["title_nb"],
                    "title_en": item["title_en"],
                    "url": item["url"],
                    "last_checked": item.get("last_checked"),
                },
            )

    def load_outcomes(self, rows):
        sources = {s.key: s for s in models.LegalSource.objects.all()}
        categories = {c.slug: c for c in models.ContactCategory.objects.all()}
        line_fields = [f"{line}_{lang}" for line in rules.LINES for lang in ("nb", "en")]
        for item in rows:
            listed = item.get("legal_sources") or []
            try:
                # The first source listed is the one the outcome rests on; it is shown first.
                primary = sources[listed[0]] if listed else None
            except KeyError as e:
                raise SeedError(f"outcomes.yaml: {item['code']}: unknown key {e}") from None
            row, written = self.upsert(
                models.Outcome,
                {"code": item["code"]},
                {
                    "primary_source": primary,
                    "kind": item["kind"],
                    "section": item["section"],
                    "priority": item.get("priority", 100),
                    "title_nb": item["title_nb"],
                    "title_en": item["title_en"],
                    "body_nb": item["body_nb"].strip(),
                    "body_en": item["body_en"].strip(),
                    "last_reviewed": item.get("last_reviewed"),
                    **{name: (item.get(name) or "").strip() for name in line_fields},
                },
                # The one-line texts came with migration 0011, empty in a database seeded
                # before it: filled from the fixtures where they are still blank.
                fill=line_fields,
            )
            if written:
                try:
                    row.legal_sources.set([sources[k] for k in listed])
                    row.categories.set([categories[k] for k in item.get("categories") or []])
                    self.load_paragraphs(row, item.get("paragraphs") or [], sources)
                except KeyError as e:
                    raise SeedError(f"outcomes.yaml: {item['code']}: unknown key {e}") from None

    def load_paragraphs(self, outcome, rows, sources):
        """An outcome's paragraphs that show only when their condition (``when``) holds."""
        outcome.paragraphs.all().delete()
        for order, item in enumerate(rows, start=1):
            when = item.get("when") or {}
            value = when.get("value", "")
            if isinstance(value, (list, tuple)):
                value = ",".join(str(v) for v in value)
            row = models.OutcomeParagraph(
                outcome=outcome,
                order=order,
                fact=when.get("fact", ""),
                operator=when.get("op", ""),
                value=value,
                text_nb=item["text_nb"].strip(),
                text_en=item["text_en"].strip(),
            )
            row.full_clean()
            row.save()
            row.legal_sources.set([sources[k] for k in item.get("legal_sources") or []])

    def load_rules(self, rows):
        outcomes = {o.code: o for o in models.Outcome.objects.all()}
        categories = {c.slug: c for c in models.ContactCategory.objects.all()}
        for item in rows:
            row, written = self.upsert(
                models.Rule,
                {"key": item["key"]},
                {
                    "name": item["name"],
                    "enabled": item.get("enabled", True),
                    "reasoning": (item.get("reasoning") or "").strip(),
                    "last_reviewed": item.get("last_reviewed"),
                },
            )
            if written:
                try:
                    row.outcomes.set([outcomes[code] for code in item["outcomes"]])
                    row.categories.set([categories[k] for k in item.get("contacts") or []])
                except KeyError as e:
                    raise SeedError(f"rules.yaml: {item['key']}: unknown key {e}") from None
                _set_conditions(row, models.RuleCondition, "rule", item.get("conditions"))

    def load_questions(self, rows):
        for item in rows:
            row, written = self.upsert(
                models.Question,
                {"key": item["key"]},
                {
                    "fact": item["fact"],
                    "order": item["order"],
                    "topic": item.get("topic") or "",
                    "text_nb": item["text_nb"].strip(),
                    "text_en": item["text_en"].strip(),
                    "help_nb": (item.get("help_nb") or "").strip(),
                    "help_en": (item.get("help_en") or "").strip(),
                },
            )
            if written:
                row.options.all().delete()
                for order, option in enumerate(item.get("options") or []):
                    opt = models.QuestionOption(
                        question=row,
                        value=str(option["value"]).lower()
                        if isinstance(option["value"], bool)
                        else str(option["value"]),
                        label_nb=option["label_nb"],
                        label_en=option["label_en"],
                        help_nb=option.get("help_nb") or "",
                        help_en=option.get("help_en") or "",
                        order=order,
                    )
                    opt.full_clean()
                    opt.save()
                _set_conditions(row, models.QuestionCondition, "question", item.get("show_when"))

    def load_cases(self, docs):
        for doc in docs:
            self.upsert(models.Case, {"slug": doc["slug"]}, cases.case_fields(doc))
        # A case file may place its case in a session (the webinar's, for one).
        for doc in docs:
            block = doc.get("session")
            if not block:
                continue
            session, _ = self.upsert(
                models.Session,
                {"slug": block["slug"]},
                {"title": block.get("title") or block["slug"]},
            )
            self.upsert(
                models.SessionCase,
                {"session": session, "case": models.Case.objects.get(slug=doc["slug"])},
                {"order": block["order"]},
            )


def _set_conditions(owner, model, owner_field, conditions):
    model.objects.filter(**{owner_field: owner}).delete()
    for cond in conditions or []:
        value = cond.get("value", "")
        if isinstance(value, (list, tuple)):
            value = ",".join(str(v) for v in value)
        row = model(**{owner_field: owner}, fact=cond["fact"], operator=cond["op"], value=value)
        row.full_clean()
        row.save()


def _time(value):
    if isinstance(value, int):  # YAML 1.1 reads a bare 09:00 as a sexagesimal number
        return datetime.time(value // 60, value % 60)
    return datetime.time.fromisoformat(str(value))


def load(force=False, folder=FIXTURES):
    """Seed the database from ``folder``; return counts per table and action."""
    return Loader(Path(folder), force).run()
