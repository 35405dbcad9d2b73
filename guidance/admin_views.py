"""Admin pages of our own: the rule tester and the check of every training case, plus the
warning the rule and outcome pages give when a change breaks a case.

They read the tables as saved (``content.load_ruleset()``, not the cached snapshot) and let
``rules`` do all the reasoning.
"""

from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html, format_html_join

from . import cases, content, models, rules
from .admin_forms import CasePickForm, FactsForm

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
        lines = []
        for label, codes in (
            ("mangler utfall", self.check.missing_outcomes),
            ("gir utfall som ikke skal være der", self.check.unexpected_outcomes),
            ("mangler kontakter", self.check.missing_contacts),
            ("viser kontakter som ikke skal være der", self.check.unexpected_contacts),
        ):
            if codes:
                lines.append(f"{label}: {', '.join(codes)}")
        return lines


def check_cases(ruleset, cases=None):
    """Every training case in the library run against its expectations."""
    known_contacts = set(rules.CONTACT_SLUGS) | {c.slug for c in ruleset.contacts}
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
    }
    return render(request, "admin/guidance/rule_tester.html", context)


def result_tables(result):
    """The result's outcomes, contacts and trace, with labels and links to the rows."""
    rule_links = admin_links(models.Rule, "key")
    contact_links = admin_links(models.Contact, "slug")
    return {
        "outcome_rows": [
            {
                "outcome": o,
                "kind": models.Kind(o.kind).label,
                "section": models.Section(o.section).label,
                "rules": [(t.rule, rule_links.get(t.rule)) for t in result.rules_for(o.code)],
            }
            for o in result.outcomes
        ],
        "contact_rows": [(c, contact_links.get(c.slug)) for c in result.contacts],
        "trace_rows": [(t, rule_links.get(t.rule)) for t in result.trace],
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
    files = MultipleFileField(
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
