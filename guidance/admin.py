"""The admin, where editors keep the guide's tables current (README, "Administration").

Every table keeps its history (django-simple-history): who changed what and when, with any
earlier version restorable. Rows edited inline under a parent (phone numbers, opening hours,
conditions, answer options) show their history on the parent's history page, each version
with a restore link. Contacts import and export as CSV and XLSX (django-import-export).
Saving a rule or an outcome runs every training case and the proof over every answer set, and
warns about the cases that now fail and the contract's invariants the change breaks.
"""

import functools
from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import BadRequest, ObjectDoesNotExist, PermissionDenied
from django.db import models as db
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from import_export.admin import ImportExportModelAdmin
from import_export.formats import base_formats
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from . import admin_views, cases, content, models, rules
from .admin_forms import (
    CaseJSONField,
    ConditionForm,
    ContactForm,
    ContactPhoneFormSet,
    EditorForm,
    LabelledFormSet,
    OutcomeForm,
    OutcomeParagraphForm,
    QuestionOptionForm,
    QuestionOptionFormSet,
    RuleConditionFormSet,
    RuleForm,
)
from .admin_resources import ContactExportForm, ContactImportForm, ContactResource
from .presenting import phone_card

admin.site.site_header = "Avverge – forvaltning"
admin.site.site_title = "Avverge forvaltning"
admin.site.index_title = "Innholdet i veiviseren"


# --- History ------------------------------------------------------------------------------


REASON_HELP = (
    "Valgfritt. Vises i historikken, for eksempel «Nytt nummer fra tjenestens nettside» "
    "eller «Rettet etter juridisk gjennomgang»."
)


@functools.cache
def with_reason(form):
    """``form`` with the optional "Årsak til endringen", which the history keeps as the
    version's change reason (history_change_reason, at most 100 characters)."""
    reason = forms.CharField(
        label="Årsak til endringen", required=False, max_length=100, help_text=REASON_HELP
    )
    return type(form.__name__, (form,), {"change_reason": reason})


class HistoryAdmin(SimpleHistoryAdmin):
    """A table with history. ``history_parts`` names the inline tables (model, foreign key,
    heading) whose history shows on this table's history page."""

    form = EditorForm
    history_parts: Sequence[tuple[type[db.Model], str, str]] = ()
    object_history_template = "admin/guidance/object_history.html"
    object_history_form_template = "admin/guidance/object_history_form.html"
    object_history_list_template = "admin/guidance/object_history_list.html"
    # Short related tables: a list of checkboxes is clearer than a picker, and works without
    # JavaScript.
    formfield_overrides: dict[type[db.Field], dict[str, Any]] = {
        db.ManyToManyField: {
            "widget": forms.CheckboxSelectMultiple(attrs={"class": "avverge-checkboxes"})
        },
        db.URLField: {"assume_scheme": "https"},
    }

    class Media:
        css = {"all": ["guidance/admin/admin.css"]}

    def get_form(self, request, obj=None, **kwargs):
        kwargs.setdefault("form", with_reason(self.form))
        form = super().get_form(request, obj, **kwargs)
        record = getattr(obj, "_history", None)  # set by simple-history on a restored version
        if record is None:
            return form
        # simple-history restores fields but shows the related rows as they are now; fill them
        # in from the version instead, so restoring a rule brings back its outcomes too.
        initial = {
            field.name: [
                getattr(row, field.m2m_reverse_field_name() + "_id")
                for row in getattr(record, field.name).all()
            ]
            for field in record._history_m2m_fields
        }

        class VersionForm(form):
            reverting = True

            def __init__(self, *args, **kwargs):
                kwargs["initial"] = {**initial, **(kwargs.get("initial") or {})}
                super().__init__(*args, **kwargs)
                # The old version is shown, not edited: restoring saves it as it was (a
                # disabled field keeps its initial value whatever is posted). Only the reason
                # for restoring it can be written.
                for name, field in self.fields.items():
                    if name != "change_reason":
                        field.disabled = True

            def _post_clean(self):
                super()._post_clean()
                if not self.errors:
                    problem = table_after(self)
                    if problem:
                        self.add_error(None, problem)

        return VersionForm

    def save_model(self, request, obj, form, change):
        reason = form.cleaned_data.get("change_reason")
        if reason:
            obj._change_reason = reason  # django-simple-history's history_change_reason
        super().save_model(request, obj, form, change)

    # After a save (a restore comes through response_change too) and a delete, the whole
    # table is checked: the form guarded the row, not what the change did elsewhere.
    checks_table = True

    def response_add(self, request, obj, post_url_continue=None):
        if self.checks_table:
            admin_views.warn_about_table(request)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if self.checks_table:
            admin_views.warn_about_table(request)
        return super().response_change(request, obj)

    def response_delete(self, request, obj_display, obj_id):
        if self.checks_table:
            admin_views.warn_about_table(request)
        return super().response_delete(request, obj_display, obj_id)

    def save_formset(self, request, form, formset, change):
        # The inline rows (phone numbers, hours, conditions) changed for the same reason.
        reason = form.cleaned_data.get("change_reason")
        if reason:
            for row in formset.forms:
                row.instance._change_reason = reason
        super().save_formset(request, form, formset, change)

    def check_ids(self, request, *ids):
        """Permission first, then the ids: a user who may not see the table learns nothing,
        and an id that is not a number is a 404, not a 500."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        if not all(str(i).isdigit() for i in ids):
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self.check_ids(request, object_id)
        parts = [
            (heading, self.part_history(request, model, fk, object_id))
            for model, fk, heading in self.history_parts
        ]
        context = {"history_parts": parts, **(extra_context or {})}
        return super().history_view(request, object_id, extra_context=context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self.check_ids(request, object_id, version_id)
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied  # a user who may only look can never save through "restore"
        return super().history_form_view(request, object_id, version_id, extra_context)

    def part_history(self, request, model, fk, object_id):
        """Every version of the parent's inline rows, newest first, with what changed since
        the row's previous version and a restore link."""
        records = list(
            model.history.filter(**{f"{fk}_id": object_id})
            .select_related("history_user")
            .order_by("history_date", "history_id")
        )
        can_restore = request.user.has_perm(f"guidance.change_{model._meta.model_name}")
        previous, rows = {}, []
        for record in records:
            before = previous.get(record.id)
            changes = []
            if before is not None and record.history_type == "~":
                # Worded as simple-history words the parent's own versions (related rows by
                # name, long values cut), not as raw values.
                helper = HistoricalRecordContextHelper(model, record)
                delta = record.diff_against(
                    before, excluded_fields=[fk], foreign_keys_are_objs=True
                )
                for change in delta.changes:
                    shown = helper.format_delta_change(change)
                    changes.append((shown.field, shown.old, shown.new))
            previous[record.id] = record
            url = reverse(
                f"admin:guidance_{model._meta.model_name}_simple_history",
                args=[record.id, record.history_id],
            )
            rows.append({"record": record, "changes": changes, "url": url if can_restore else ""})
        return rows[::-1]


class _TrialOnly(Exception):
    """Rolls back the trial save in ``table_after``."""


def table_after(form):
    """The reason the guide could not run after saving ``form``, or None. The form is saved
    for real inside a transaction that is rolled back, and the content is built from it, as
    the guide would build it: so restoring an old version can never leave a rule cycle, an
    unknown value or a broken question behind (security review D1)."""
    try:
        with transaction.atomic():
            form.save()
            try:
                content.load_ruleset()
                content.load_questions()
            except (rules.RuleError, rules.FactError) as e:
                problem = e
            else:
                problem = None
            raise _TrialOnly
    except _TrialOnly:
        pass
    if problem is None:
        return None
    if getattr(problem, "code", "") == "rule_cycle":
        return forms.ValidationError(
            "Versjonen kan ikke gjenopprettes: regeltabellen ville gå i sirkel, fordi en "
            "regel da tester et utfall den selv gir, direkte eller gjennom andre regler. "
            "Endre regelen som lukker sirkelen først.",
            code="rule_cycle",
        )
    return forms.ValidationError(
        "Versjonen kan ikke gjenopprettes: veiviseren ville ikke lenger kunne lese "
        "regeltabellen (%(problem)s).",
        code="broken_table",
        params={"problem": problem},
    )


class PartAdmin(HistoryAdmin):
    """An inline table, registered only so its versions can be restored; it is edited under
    its parent and not listed on the admin's front page."""

    parent = ""

    def has_module_permission(self, request):
        return False

    def has_add_permission(self, request):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [self.parent]

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self.check_ids(request, object_id, version_id)
        # Lead the editor back to the parent's history, where they came from.
        record = get_object_or_404(self.model.history, id=object_id, history_id=version_id)
        try:
            owner = getattr(record, self.parent)
        except ObjectDoesNotExist:
            raise Http404("the row this version belongs to has been deleted") from None
        context = {
            "owner": owner,
            "owner_opts": owner._meta,
            "history_url": reverse(
                f"admin:guidance_{owner._meta.model_name}_history", args=[owner.pk]
            ),
            **(extra_context or {}),
        }
        return super().history_form_view(request, object_id, version_id, context)

    def response_change(self, request, obj):
        self.message_user(request, f"«{obj}» er lagret.", messages.SUCCESS)
        admin_views.warn_about_table(request)
        owner = getattr(obj, self.parent)
        return redirect(f"admin:guidance_{owner._meta.model_name}_history", owner.pk)


# --- Freshness ----------------------------------------------------------------------------


def year_before(day):
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


class FreshnessFilter(admin.SimpleListFilter):
    title = "bekreftet siste 12 måneder"
    parameter_name = "fersk"
    date_field = ""

    def lookups(self, request, model_admin):
        return [("ja", "Ja"), ("nei", "Nei, eldre eller aldri")]

    def queryset(self, request, queryset):
        since = year_before(timezone.localdate())
        fresh = db.Q(**{f"{self.date_field}__gte": since})
        if self.value() == "ja":
            return queryset.filter(fresh)
        if self.value() == "nei":
            return queryset.exclude(fresh)
        return queryset


class ContactFreshness(FreshnessFilter):
    date_field = "last_verified"


class SourceFreshness(FreshnessFilter):
    title = "kontrollert siste 12 måneder"
    date_field = "last_checked"


def freshness(day, today=None):
    """The date with a visible mark when it is more than 12 months old, or missing."""
    today = today or timezone.localdate()
    if day is None:
        return mark_safe('<strong class="avverge-stale">⚠ aldri</strong>')
    if day < year_before(today):
        return format_html(
            '<strong class="avverge-stale">⚠ {} – over 12 måneder siden</strong>',
            day.strftime("%d.%m.%Y"),
        )
    return day.strftime("%d.%m.%Y")


def mark_today(modeladmin, request, queryset, field):
    """Set the date field to today, one save per row so each keeps a history entry and the
    guide's content version changes."""
    today = timezone.localdate()
    for row in queryset:
        setattr(row, field, today)
        row._change_reason = f"{row._meta.get_field(field).verbose_name.capitalize()} i dag"
        row.save(update_fields=[field])
    modeladmin.message_user(
        request, f"{queryset.count()} rader er merket med dagens dato.", messages.SUCCESS
    )


# --- Tables -------------------------------------------------------------------------------


@admin.register(models.County)
class CountyAdmin(HistoryAdmin):
    list_display = ["number", "name", "health_region", "needs_review"]
    list_filter = ["health_region", "needs_review"]
    search_fields = ["number", "name"]


@admin.register(models.LegalSource)
class LegalSourceAdmin(HistoryAdmin):
    list_display = ["key", "citation", "title_nb", "checked"]
    list_filter = ["law", SourceFreshness]
    search_fields = ["key", "section", "title_nb", "title_en"]
    readonly_fields = ["freshness_mark"]
    actions = ["checked_today"]

    @admin.display(description="sist kontrollert", ordering="last_checked")
    def checked(self, obj):
        return freshness(obj.last_checked)

    @admin.display(description="kontrollert siste 12 måneder")
    def freshness_mark(self, obj):
        return freshness(obj.last_checked)

    @admin.action(description="Kontrollert i dag", permissions=["change"])
    def checked_today(self, request, queryset):
        mark_today(self, request, queryset, "last_checked")


@admin.register(models.ContactCategory)
class ContactCategoryAdmin(HistoryAdmin):
    list_display = ["slug", "name_nb", "name_en"]
    search_fields = ["slug", "name_nb", "name_en"]


class ChecksAfterSave:
    """Run every training case and the proof after a save and warn about what fails (the
    state before the save tells which failures are new). Restoring a version comes through
    here too: simple-history's revert calls save_model and response_change."""

    def save_model(self, request, obj, form, change):
        request.cases_failing_before = admin_views.failing_cases()
        try:
            request.proof_before = admin_views.proof_input()
        except rules.RuleError:
            request.proof_before = None
        super().save_model(request, obj, form, change)

    def warn(self, request):
        admin_views.warn_about_cases(request, getattr(request, "cases_failing_before", {}))
        admin_views.warn_about_proof(request, getattr(request, "proof_before", None))

    def response_add(self, request, obj, post_url_continue=None):
        self.warn(request)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        self.warn(request)
        return super().response_change(request, obj)


class OutcomeParagraphInline(admin.StackedInline):
    model = models.OutcomeParagraph
    form = OutcomeParagraphForm
    extra = 0
    fields = ["order", "fact", "operator", "value", "text_nb", "text_en", "legal_sources"]
    formfield_overrides = HistoryAdmin.formfield_overrides


@admin.register(models.Outcome)
class OutcomeAdmin(ChecksAfterSave, HistoryAdmin):
    form = OutcomeForm
    inlines = [OutcomeParagraphInline]
    history_parts = [(models.OutcomeParagraph, "outcome", "Avsnitt som passer saken")]
    # Kind and section show the result page's words (models.Kind and Section take them from
    # vocabulary.py), in the lists, the filters and the form alike.
    list_display = ["code", "title_nb", "kind", "section", "priority", "sources"]
    list_filter = ["kind", "section", "categories"]
    search_fields = ["code", "title_nb", "title_en", "body_nb"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("legal_sources")

    @admin.display(description="rettsgrunnlag")
    def sources(self, obj):
        return ", ".join(s.citation for s in obj.legal_sources.all()) or "–"


class RuleConditionInline(admin.TabularInline):
    model = models.RuleCondition
    form = ConditionForm
    formset = RuleConditionFormSet
    extra = 1


@admin.register(models.Rule)
class RuleAdmin(ChecksAfterSave, HistoryAdmin):
    form = RuleForm
    inlines = [RuleConditionInline]
    history_parts = [(models.RuleCondition, "rule", "Betingelser")]
    list_display = ["key", "name", "enabled", "gives", "last_reviewed"]
    list_filter = ["enabled", "outcomes", "categories"]
    search_fields = ["key", "name", "reasoning", "outcomes__code"]
    fields = [
        *("key", "name", "enabled", "outcomes", "categories", "reasoning", "last_reviewed"),
        "change_reason",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("outcomes")

    @admin.display(description="gir utfall")
    def gives(self, obj):
        return ", ".join(o.code for o in obj.outcomes.all())

    def get_urls(self):
        tester = self.admin_site.admin_view(lambda r: admin_views.rule_tester(r, self))
        return [path("test/", tester, name="guidance_rule_tester"), *super().get_urls()]


class QuestionOptionInline(admin.TabularInline):
    model = models.QuestionOption
    form = QuestionOptionForm
    formset = QuestionOptionFormSet
    extra = 0


class QuestionConditionInline(admin.TabularInline):
    formset = LabelledFormSet
    model = models.QuestionCondition
    form = ConditionForm
    extra = 0


@admin.register(models.Question)
class QuestionAdmin(HistoryAdmin):
    inlines = [QuestionOptionInline, QuestionConditionInline]
    history_parts = [
        (models.QuestionOption, "question", "Svaralternativer"),
        (models.QuestionCondition, "question", "Vis bare når"),
    ]
    list_display = ["order", "key", "topic", "fact", "text_nb"]
    list_display_links = ["key"]
    list_filter = ["topic"]
    search_fields = ["key", "fact", "text_nb", "text_en"]


class ContactPhoneInline(admin.TabularInline):
    model = models.ContactPhone
    formset = ContactPhoneFormSet
    extra = 1


class OpeningHoursInline(admin.TabularInline):
    formset = LabelledFormSet
    model = models.OpeningHours
    extra = 0


@admin.register(models.Contact)
class ContactAdmin(ImportExportModelAdmin, HistoryAdmin):
    form = ContactForm
    resource_classes = [ContactResource]
    formats = [base_formats.CSV, base_formats.XLSX]
    import_form_class = ContactImportForm
    export_form_class = ContactExportForm
    import_template_name = "admin/guidance/contact/import.html"
    export_template_name = "admin/guidance/contact/export.html"

    def get_export_queryset(self, request):
        # The list's filters travel to the export in the query string; one the list does not
        # know is a bad request, as on the list itself, not a 500 (found by the fuzz).
        try:
            return super().get_export_queryset(request)
        except IncorrectLookupParameters:
            raise BadRequest("unknown filter in the export's query string") from None

    import_export_change_list_template = "admin/guidance/contact/change_list.html"
    inlines = [ContactPhoneInline, OpeningHoursInline]
    history_parts = [
        (models.ContactPhone, "contact", "Telefonnumre"),
        (models.OpeningHours, "contact", "Åpningstider"),
    ]
    # The key sits under the name, so that every column fits a 1280 px screen with the side
    # menu and the filters open (UX review, finding 16).
    list_display = ["name_and_key", "scope", "main_phone", "verified", "needs_review"]
    list_display_links = ["name_and_key"]
    list_filter = [ContactFreshness, "needs_review", "scope", "categories", "counties"]
    search_fields = ["slug", "name_nb", "name_en", "phones__number"]
    readonly_fields = ["freshness_mark"]
    actions = ["verified_today"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("phones")

    def process_result(self, result, request):
        response = super().process_result(result, request)
        # Each row passed the contact check; the whole table is checked as after a save.
        admin_views.warn_about_table(request)
        return response

    def has_import_permission(self, request):
        # An import can add contacts as well as change them.
        return request.user.has_perms(["guidance.add_contact", "guidance.change_contact"])

    @admin.display(description="navn (bokmål) og nøkkel", ordering="name_nb")
    def name_and_key(self, obj):
        return format_html('{}<br><span class="avverge-key">{}</span>', obj.name_nb, obj.slug)

    @admin.display(description="hovednummer")
    def main_phone(self, obj):
        phones = list(obj.phones.all())
        return phone_card(phones[0].number, "", "")["number"] if phones else "–"

    @admin.display(description="sist bekreftet", ordering="last_verified")
    def verified(self, obj):
        return freshness(obj.last_verified)

    @admin.display(description="bekreftet siste 12 måneder")
    def freshness_mark(self, obj):
        return freshness(obj.last_verified)

    @admin.action(description="Bekreftet i dag", permissions=["change"])
    def verified_today(self, request, queryset):
        mark_today(self, request, queryset, "last_verified")


@admin.register(models.Case)
class CaseAdmin(HistoryAdmin):
    checks_table = False  # a training case is not part of the table the guide runs
    formfield_overrides = {
        **HistoryAdmin.formfield_overrides,
        db.JSONField: {"form_class": CaseJSONField},
    }
    list_display = ["title", "slug"]
    search_fields = ["slug", "title", "title_en", "summary"]
    actions = ["export_case_files"]

    def get_urls(self):
        check = self.admin_site.admin_view(lambda r: admin_views.case_check(r, self))
        load = self.admin_site.admin_view(lambda r: admin_views.case_import(r, self))
        return [
            path("check/", check, name="guidance_case_check"),
            path("import-files/", load, name="guidance_case_import"),
            *super().get_urls(),
        ]

    @admin.action(description="Last ned som saksfiler (YAML)", permissions=["view"])
    def export_case_files(self, request, queryset):
        name, data = cases.export_many(queryset.order_by("slug"))
        content_type = "application/zip" if name.endswith(".zip") else "application/yaml"
        response = HttpResponse(data, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class SessionCaseInline(admin.TabularInline):
    model = models.SessionCase
    extra = 1
    autocomplete_fields = ["case"]
    fields = ["order", "case"]


@admin.register(models.Session)
class SessionAdmin(admin.ModelAdmin):
    """A session is a short ordered list of cases; it travels as one case file
    (``dumpcases --session``), so no history of its own is kept."""

    list_display = ["title", "slug", "case_count"]
    search_fields = ["slug", "title"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [SessionCaseInline]
    actions = ["export_session_files"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(cases=db.Count("items"))

    @admin.display(description="saker", ordering="cases")
    def case_count(self, obj):
        return obj.cases

    @admin.action(description="Last ned som saksfil (YAML, sakene i rekkefølge)")
    def export_session_files(self, request, queryset):
        sessions = list(queryset)
        text = "---\n".join(cases.export_session(s) for s in sessions)
        name = f"{sessions[0].slug}.yaml" if len(sessions) == 1 else "avverge-sessions.yaml"
        response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


@admin.register(models.ContactPhone)
class ContactPhoneAdmin(PartAdmin):
    parent = "contact"


@admin.register(models.OpeningHours)
class OpeningHoursAdmin(PartAdmin):
    parent = "contact"


@admin.register(models.RuleCondition)
class RuleConditionAdmin(PartAdmin):
    parent = "rule"
    form = ConditionForm


@admin.register(models.QuestionOption)
class QuestionOptionAdmin(PartAdmin):
    parent = "question"
    form = QuestionOptionForm


@admin.register(models.QuestionCondition)
class QuestionConditionAdmin(PartAdmin):
    parent = "question"
    form = ConditionForm


@admin.register(models.OutcomeParagraph)
class OutcomeParagraphAdmin(PartAdmin):
    parent = "outcome"
    form = OutcomeParagraphForm
