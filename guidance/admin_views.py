"""Admin pages of our own: the rule tester (with the proof over every answer set) and the
check of every training case, plus the warnings the rule and outcome pages give when a change
breaks a case or one of the contract's invariants.

They read the tables as saved (``content.load_ruleset()``, not the cached snapshot) and let
``rules`` and ``proof`` do all the reasoning.
"""

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from . import cases, content, models, proof, rules
from .admin_forms import CasePickForm, FactsForm, problem_error
from .vocabulary import KIND_LABELS, SECTION_TITLES

RULE_SET_CHOICES = ("active", "all")


def admin_in_bokmal(get_response):
    """Middleware: the admin in bokmål whatever language the browser asks for. Its help texts,
    messages and our pages are written in bokmål only, and Django's own words would otherwise
    follow the browser (LocaleMiddleware serves the guide in English when asked)."""
    prefix = "/" + settings.ADMIN_URL

    def middleware(request):
        if request.path_info.startswith(prefix):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = translation.get_language()
        return get_response(request)

    return middleware


def ruleset_for(rule_set="active"):
    """The rules as clinicians get them now, or ("all") with the switched-off rules too, so an
    editor can try a new rule before switching it on. Raises RuleError for a broken table."""
    ruleset = content.load_ruleset()
    if rule_set != "all":
        return ruleset
    rows = models.Rule.objects.prefetch_related(
        Prefetch("conditions", queryset=models.RuleCondition.objects.order_by("id")),
        Prefetch("outcomes", queryset=models.Outcome.objects.only("code")),
        Prefetch("categories", queryset=models.ContactCategory.objects.only("slug")),
    )
    return rules.RuleSet.build(
        rules=[content.to_rule(r) for r in rows],
        outcomes=list(ruleset.outcomes.values()),
        contacts=ruleset.contacts,
        counties=ruleset.counties,
    )


@dataclass(frozen=True)
class CaseCheck:
    case: models.Case
    check: rules.CheckResult | None = None
    error: str = ""

    @property
    def passed(self):
        return self.check is not None and self.check.passed

    def problems(self):
        """What falls short, in the editor's words."""
        if self.error:
            return [f"Saken passer ikke med kontrakten: {self.error}"]
        return self.check.problems("nb")


def contact_slugs(ruleset):
    return cases.ruleset_contact_slugs(ruleset)


def check_cases(ruleset, cases=None):
    """Every training case in the library run against its expectations."""
    known_contacts = contact_slugs(ruleset)
    checks = []
    for row in models.Case.objects.all() if cases is None else cases:
        try:
            case = rules.parse_case(row.as_document(), contact_slugs=known_contacts)
            checks.append(CaseCheck(row, check=rules.check_case(ruleset, case)))
        except (rules.CaseError, rules.FactError) as e:
            checks.append(CaseCheck(row, error=str(e)))
    return checks


def failing_cases():
    """Titles of the cases that fail with the rules as saved, by slug; None for a broken
    table."""
    try:
        ruleset = content.load_ruleset()
    except rules.RuleError:
        return None
    return {c.case.slug: c.case.title for c in check_cases(ruleset) if not c.passed}


def warn_about_cases(request, before):
    """After a save: name the cases that no longer give what they expect. Message storage is
    a cookie, so the list is kept short and the check page has the rest."""
    after = failing_cases()
    link = reverse("admin:guidance_case_check")
    if after is None:
        messages.error(request, "Regeltabellen kan ikke brukes slik den er lagret nå.")
        return
    new = [title for slug, title in after.items() if slug not in (before or {})]
    old = [title for slug, title in after.items() if slug in (before or {})]
    if new:
        messages.warning(
            request,
            format_html(
                "Endringen gjør at {} ikke lenger gir forventet resultat: {}. "
                '<a href="{}">Se kontrollen av alle saker</a>.',
                "1 kurssak" if len(new) == 1 else f"{len(new)} kurssaker",
                short_list(new),
                link,
            ),
        )
    if old:
        messages.warning(
            request,
            format_html(
                "Disse kurssakene feilet også før endringen: {}. "
                '<a href="{}">Se kontrollen av alle saker</a>.',
                short_list(old),
                link,
            ),
        )
    fixed = [title for slug, title in (before or {}).items() if slug not in after]
    if fixed:
        messages.success(
            request, f"Disse kurssakene gir nå forventet resultat: {short_list(fixed)}."
        )


def short_list(titles, limit=5):
    shown = ", ".join(f"«{t}»" for t in titles[:limit])
    return shown + (f" og {len(titles) - limit} til" if len(titles) > limit else "")


# --- The whole table ----------------------------------------------------------------------

# How a problem's item is named in the warning, by the kind rules.PROBLEMS gives it.
PROBLEM_ITEMS_NB = {
    "outcome": "Utfallet",
    "contact": "Kontakten",
    "rule": "Regelen",
    "question": "Spørsmålet",
    "condition": "Betingelsen i",
}
TABLE_PROBLEMS_SHOWN = 3  # message storage is a cookie: a few, and how many more


def table_problems():
    """``rules.validate`` over the tables as saved now: the problems, or None when the rules do
    not load at all (warn_about_cases reports that on the rule and outcome pages)."""
    try:
        return rules.validate(content.load_ruleset(), content.load_questions())
    except rules.RuleError:
        return None


def problem_text(problem):
    """A problem in the editor's words, naming the item: «Kontakten «rosa»: …»."""
    text = " ".join(problem_error(problem).messages)
    return f"{PROBLEM_ITEMS_NB[rules.PROBLEMS[problem.code]]} «{problem.where}»: {text}"


def warn_about_table(request):
    """After a save, a restore or a delete: the problems the whole table now has, if any. The
    form checks guard the row saved; this catches what the change broke elsewhere (deleting
    the only legal source of a duty, or a county a regional contact covered)."""
    found = table_problems()
    if not found:
        return
    shown = " ".join(problem_text(p) for p in found[:TABLE_PROBLEMS_SHOWN])
    more = len(found) - TABLE_PROBLEMS_SHOWN
    messages.warning(
        request,
        "Innholdet har nå "
        + ("ett problem" if len(found) == 1 else f"{len(found)} problemer")
        + f" som veiviseren ikke stopper for, men som bør rettes: {shown}"
        + (f" Og {more} til av samme slag." if more > 0 else ""),
    )


# --- The proof over every answer set ------------------------------------------------------

PROOF_CACHE_SECONDS = 7 * 24 * 3600
TESTER_PROOF = "?prove=1#kontroll"

# The proof's invariant messages in bokmål, matched on what follows "the result". A message no
# pattern knows is shown as the proof wrote it, so a new wording is never lost.
INVARIANT_WORDS = [
    (r"gives none of (.+)", r"gir ingen av \1"),
    (r"gives KEEP_CONFIDENTIALITY together with (.+)", r"gir KEEP_CONFIDENTIALITY sammen med \1"),
    (r"gives ACUTE_EMERGENCY without acute danger", "gir ACUTE_EMERGENCY uten akutt fare"),
    (r"does not give ACUTE_EMERGENCY for acute danger", "gir ikke ACUTE_EMERGENCY ved akutt fare"),
    (r"does not give (\w+)", r"gir ikke \1"),
    (r"gives (.+) of (.+)", r"gir \1, ikke nøyaktig én av \2"),
    (r"says nothing about sharing", "sier ingenting om å dele opplysninger"),
    (r"lists no contact", "viser ingen kontakt"),
    (
        r"(\w+) shows no contact from (.+) that serves county (\d+)",
        r"\1 viser ingen kontakt fra \2 som dekker fylke \3",
    ),
]


def library_cases(ruleset):
    """The library's cases that fit the contract (the case check reports the others)."""
    known = contact_slugs(ruleset)
    parsed = []
    for row in models.Case.objects.all():
        try:
            parsed.append(rules.parse_case(row.as_document(), contact_slugs=known))
        except (rules.CaseError, rules.FactError):
            continue
    return parsed


def proof_input(rule_set="active"):
    """What the proof reads: the rule table as saved, the questions and the library's cases.
    Raises RuleError for a broken table."""
    ruleset = ruleset_for(rule_set)
    return ruleset, content.load_questions(), library_cases(ruleset)


def prove(ruleset, questions, cases):
    """``proof.prove``, remembered by everything it reads. A proof takes seconds, and the
    table before a save is usually the one proved after the previous save or on the tester
    page. The key is a digest of the inputs' repr (frozen dataclasses all the way down), so
    any change to a rule, outcome, contact, county, question or case makes a new key."""
    digest = hashlib.sha256(repr((ruleset, tuple(questions), tuple(cases))).encode()).hexdigest()
    key = f"avverge-proof-{digest}"
    report = cache.get(key)
    if report is None:
        report = proof.prove(ruleset, questions, cases)
        cache.set(key, report, PROOF_CACHE_SECONDS)
    return report


def finding_text(finding):
    """An invariant violation in bokmål; other findings as the proof wrote them."""
    found = re.fullmatch(r"invariant (\w+): the result (.+)", finding.message)
    if found:
        for pattern, words in INVARIANT_WORDS:
            hit = re.fullmatch(pattern, found[2])
            if hit:
                said = hit.expand(words).replace(" and ", " og ")
                return f"invariant {found[1]}: resultatet {said}"
    return finding.message


def shown_value(value):
    if isinstance(value, bool):
        return "ja" if value else "nei"
    if isinstance(value, Mapping):  # one answer per concern: once when they all agree
        if len(set(value.values())) == 1:
            return shown_value(next(iter(value.values())))
        return ", ".join(f"{c}: {shown_value(v)}" for c, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(sorted(value))
    return str(value)


def readable_example(example, short=False):
    """An answer set as "fact = value" lines in the contract's order; ``short`` leaves out the
    answers that are at their default."""
    lines = []
    for fact, spec in rules.FACTS.items():
        if fact not in (example or {}):
            continue
        value = example[fact]
        if short and spec.default is not None and value == spec.default:
            continue
        lines.append(f"{fact} = {shown_value(value)}")
    return lines


def tester_url(example, rule_set="active"):
    """The tester's address that runs this answer set, or "" when the facts form cannot hold
    it (concerns with different timings: the form takes one timing for them all)."""
    query = [("run", "1"), ("rule_set", rule_set)]
    for fact, spec in rules.FACTS.items():
        value = example.get(fact, spec.default)
        if isinstance(value, Mapping):
            if len(set(value.values())) != 1:
                return ""
            value = next(iter(value.values()))
        if value is None:
            return ""
        if isinstance(value, bool):
            value = "true" if value else "false"
        if isinstance(value, (list, tuple, set, frozenset)):
            query += [(fact, v) for v in sorted(value)]
        else:
            query.append((fact, value))
    return reverse("admin:guidance_rule_tester") + "?" + urlencode(query) + "#resultat"


def thousands(n):
    """1234567 as "1 234 567", with narrow no-break spaces: a number never breaks a line."""
    return f"{n:,}".replace(",", "\u202f")


def findings_html(findings, examples=True, limit=3):
    """At most ``limit`` findings for a message (a cookie), with short examples."""
    lines = []
    for finding in findings[:limit]:
        if examples and finding.example:
            example = "; ".join(readable_example(finding.example, short=True))
            lines.append(format_html("– {}. For eksempel: {}.", finding_text(finding), example))
        else:
            lines.append(format_html("– {}.", finding_text(finding)))
    if len(findings) > limit:
        lines.append(format_html("og {} til.", len(findings) - limit))
    return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines))


def warn_about_proof(request, before):
    """After a save: prove the active rules as saved and warn about broken invariants and
    rules that no answer set fires any longer. ``before`` is ``proof_input()`` from before the
    save (None for a table that was broken); it is proved only when something is wrong now, to
    tell what the change broke from what was broken already."""
    try:
        report = prove(*proof_input())
    except rules.RuleError:
        return  # warn_about_cases has said that the table cannot be used
    except proof.ProofError as e:
        messages.warning(request, f"Spørreskjemaet kan ikke kontrolleres for alle svar: {e}.")
        return
    dead = report.of("dead_rule")
    if not report.violations and not dead:
        return
    earlier = findings_before(before)
    link = format_html(
        '<a href="{}">Se kontrollen av alle svar</a>.',
        reverse("admin:guidance_rule_tester") + TESTER_PROOF,
    )
    new = [f for f in report.violations if (f.kind, f.message) not in earlier]
    old = [f for f in report.violations if (f.kind, f.message) in earlier]
    if new:
        messages.warning(
            request,
            format_html(
                "Endringen gjør at reglene bryter kontrakten (avsnitt 6) for noen svar:<br>"
                "{}<br>{}",
                findings_html(new),
                link,
            ),
        )
    if old:
        messages.warning(
            request,
            format_html(
                "Disse bruddene på kontrakten finnes også fra før:<br>{}<br>{}",
                findings_html(old, examples=False),
                link,
            ),
        )
    newly_dead = [f.subject for f in dead if (f.kind, f.message) not in earlier]
    if newly_dead:
        messages.warning(
            request,
            format_html(
                "Endringen gjør at {} ikke slår til for noen svar: {}. {}",
                "regelen" if len(newly_dead) == 1 else f"{len(newly_dead)} regler",
                short_list(newly_dead, limit=3),
                link,
            ),
        )


def findings_before(before):
    """What the proof found before a save, as (kind, message); nothing when the table was
    broken or could not be checked then, so that all that is wrong now counts as new."""
    if before is None:
        return set()
    try:
        return {(f.kind, f.message) for f in prove(*before).findings}
    except proof.ProofError:
        return set()


def proof_tables(rule_set):
    """The proof's report for the tester page, with links to the rows it names."""
    try:
        ruleset, questions, library = proof_input(rule_set)
        report = prove(ruleset, questions, library)
    except (rules.RuleError, proof.ProofError) as e:
        return {"proof_error": str(e)}
    rule_links = admin_links(models.Rule, "key")
    outcome_links = admin_links(models.Outcome, "code")
    question_links = admin_links(models.Question, "key")
    given_by_a_rule = {code for rule in ruleset.rules for code in rule.outcomes}
    return {
        "report": report,
        "answer_sets": thousands(report.answer_sets),
        "library_size": len(library),
        "violation_rows": [
            {
                "text": finding_text(f),
                "example": readable_example(f.example),
                "try_url": tester_url(f.example, rule_set) if f.example else "",
            }
            for f in report.violations
        ],
        "dead_rows": [(f.subject, rule_links.get(f.subject)) for f in report.of("dead_rule")],
        "unused_rows": [
            (
                f.subject,
                outcome_links.get(f.subject),
                "ingen regel gir det" if f.subject not in given_by_a_rule else "ingen svar gir det",
            )
            for f in report.of("unused_outcome")
        ],
        "hidden_rows": [
            (f.subject, question_links.get(f.subject)) for f in report.of("hidden_question")
        ],
        "unexercised_rows": [
            (f.subject, rule_links.get(f.subject)) for f in report.of("unexercised")
        ],
    }


# --- Views --------------------------------------------------------------------------------


def admin_links(model, field):
    """Change-page URLs of a table's rows, by key, for the result tables to link to."""
    name = f"admin:guidance_{model._meta.model_name}_change"
    return {key: reverse(name, args=[pk]) for pk, key in model.objects.values_list("pk", field)}


def rule_tester(request, model_admin):
    if not request.user.has_perm("guidance.view_rule"):
        raise PermissionDenied
    rule_set = request.GET.get("rule_set")
    rule_set = rule_set if rule_set in RULE_SET_CHOICES else "active"
    questions = content.load_questions()
    counties = list(models.County.objects.values_list("number", "name"))
    pick = CasePickForm(request.GET if "case" in request.GET else None)
    facts_form = FactsForm(questions=questions, counties=counties, initial={"rule_set": rule_set})
    facts, case, error, check, result = None, None, "", None, None
    if pick.is_bound and pick.is_valid():
        case = pick.cleaned_data["case"]
        facts = case.facts
        facts_form.initial.update(FactsForm.initial_from(case.facts))
    elif "run" in request.GET:
        facts_form = FactsForm(request.GET, questions=questions, counties=counties)
        if facts_form.is_valid():
            facts = facts_form.facts()
    if facts is not None:
        try:
            ruleset = ruleset_for(rule_set)
            if case is not None:
                check = check_cases(ruleset, [case])[0]
                error = check.error
                result = check.check.result if check.check else None
            else:
                result = rules.evaluate(ruleset, facts)
        except (rules.RuleError, rules.FactError) as e:
            error = str(e)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Prøv reglene",
        "opts": model_admin.model._meta,
        "pick": pick,
        "facts_form": facts_form,
        "case": case,
        "check": check,
        "result": result,
        "error": error,
        "rule_set": rule_set,
        **(result_tables(result) if result else {}),
        # The proof takes seconds: only when the editor asks for it.
        "prove": "prove" in request.GET,
        **(proof_tables(rule_set) if "prove" in request.GET else {}),
    }
    return render(request, "admin/guidance/rule_tester.html", context)


# rules.Condition.describe writes "fact = value (operator value…)" with the engine's English
# operator names; the editor reads the admin's own bokmål ones (longest first, as "contains"
# begins "contains any of").
_LONGEST_FIRST = sorted((v[0] for v in rules.OPERATORS.values()), key=len, reverse=True)
ENGLISH_OPERATORS = re.compile(r"\((" + "|".join(map(re.escape, _LONGEST_FIRST)) + ") ")
OPERATOR_BY_LABEL = {label: op for op, (label, _, _) in rules.OPERATORS.items()}


def reason_in_bokmal(reason):
    """One line of the trace with the operator in the editor's words: "timing = ongoing (er en
    av ongoing, expected)"; "concern = x" becomes "bekymring = x"."""
    if reason.startswith("concern = "):
        return "bekymring = " + reason.removeprefix("concern = ")
    return ENGLISH_OPERATORS.sub(
        lambda m: f"({models.OPERATOR_LABELS_NB[OPERATOR_BY_LABEL[m.group(1)]]} ", reason, count=1
    )


def result_tables(result):
    """The result's outcomes, contacts and trace, with labels and links to the rows. Kinds
    and sections carry the public result page's names (vocabulary.KIND_LABELS, SECTION_TITLES)."""
    rule_links = admin_links(models.Rule, "key")
    contact_links = admin_links(models.Contact, "slug")
    with translation.override("nb"):
        return {
            "outcome_rows": [
                {
                    "outcome": o,
                    "kind": str(KIND_LABELS[o.kind]),
                    "section": str(SECTION_TITLES[o.section]),
                    "rules": [(t.rule, rule_links.get(t.rule)) for t in result.rules_for(o.code)],
                }
                for o in result.outcomes
            ],
            "contact_rows": [(c, contact_links.get(c.slug)) for c in result.contacts],
            "trace_rows": [
                (t, rule_links.get(t.rule), [reason_in_bokmal(r) for r in t.because])
                for t in result.trace
            ],
        }


def case_check(request, model_admin):
    if not request.user.has_perm("guidance.view_case"):
        raise PermissionDenied
    rule_set = request.GET.get("rule_set")
    rule_set = rule_set if rule_set in RULE_SET_CHOICES else "active"
    checks, error = [], ""
    try:
        checks = check_cases(ruleset_for(rule_set))
    except rules.RuleError as e:
        error = str(e)
    failed = [c for c in checks if not c.passed]
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Kontroll av alle kurssaker",
        "opts": model_admin.model._meta,
        "checks": sorted(checks, key=lambda c: (c.passed, c.case.slug)),
        "failed": failed,
        "passed_count": len(checks) - len(failed),
        "error": error,
        "rule_set": rule_set,
        "tester_url": reverse("admin:guidance_rule_tester"),
        "disabled": format_html_join(
            ", ", "{}", models.Rule.objects.filter(enabled=False).values_list("key")
        ),
    }
    return render(request, "admin/guidance/case_check.html", context)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field, as Django's documentation shows."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return super().clean(data, initial)


class CaseFilesForm(forms.Form):
    # A declared field is moved into base_fields, so at run time self.files is still the
    # uploaded files; the stubs see the class attribute only.
    files = MultipleFileField(  # type: ignore[assignment]
        label="Saksfiler",
        help_text="YAML- eller JSON-filer i kontraktens format, eller en zip med slike filer. "
        "Saker med samme nøkkel (slug) oppdateres, nye opprettes.",
    )


def case_import(request, model_admin):
    """Import case files shared by another trainer: every case is checked before any is saved."""
    if not (
        request.user.has_perm("guidance.add_case") and request.user.has_perm("guidance.change_case")
    ):
        raise PermissionDenied
    form = CaseFilesForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            saved = cases.import_files(request.FILES.getlist("files"))
        except cases.CaseFileError as e:
            form.add_error("files", f"Ingenting ble lagret: {e}")
        else:
            created = sum(1 for _, new in saved if new)
            updated = len(saved) - created
            messages.success(
                request, f"{len(saved)} kurssaker lest inn: {created} nye, {updated} oppdatert."
            )
            return redirect("admin:guidance_case_changelist")
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Les inn saksfiler",
        "opts": model_admin.model._meta,
        "form": form,
    }
    return render(request, "admin/guidance/case_import.html", context)
