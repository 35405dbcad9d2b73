"""Forms for the admin: drop-downs that offer only the contract's facts and values, and the
checks that need more than one row (a duty needs a legal source, a contact must be reachable,
a rule must not wait on its own outcome). The facts form of the rule tester is here too.

Every message is written for the editor, in bokmål, and says what to do.
"""

import json

from django import forms
from django.core.exceptions import ValidationError
from django.forms.fields import InvalidJSONInput, JSONString
from django.forms.models import BaseInlineFormSet

from . import content, models, rules

UNIQUE_MESSAGE = (
    "%(field_label)s er allerede brukt av en annen rad i tabellen «%(model_name)s». "
    "Nøkler må være unike: velg en annen, eller rediger raden som finnes."
)


class EditorForm(forms.ModelForm):
    """Base of every admin form: a clear message for a duplicate key, and a flag set when the
    form restores an earlier version (simple-history's revert page has no inline rows)."""

    reverting = False

    class Meta:
        error_messages = {
            name: {"unique": UNIQUE_MESSAGE} for name in ("slug", "key", "code", "number", "fact")
        }


class LabelledFormSet(BaseInlineFormSet):
    """Inline rows whose inputs carry their column's name and the row number, for screen
    readers: Django's tabular inline shows the label only once, in the column heading."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        row = "ny rad" if index is None else f"rad {index + 1}"
        for name, field in form.fields.items():
            label = "slett" if name == "DELETE" else field.label or name
            field.widget.attrs.setdefault("aria-label", f"{label} ({row})")


# --- Conditions ---------------------------------------------------------------------------


def condition_value_choices():
    """Every value a condition may name, grouped by fact, as "fact:value" so that a value two
    facts share (adult, unknown) stays tied to its fact."""
    labels = {
        (fact, value): label
        for fact, value, label in models.QuestionOption.objects.values_list(
            "question__fact", "value", "label_nb"
        )
    }
    groups = []
    for name, spec in rules.FACTS.items():
        if spec.kind == "bool":
            continue  # "er ja" and "er nei" take no value
        if spec.kind == "county":
            options = [
                (f"{name}:{number}", f"{number} {county}")
                for number, county in models.County.objects.values_list("number", "name")
            ]
        else:
            options = [
                (f"{name}:{v}", f"{v} ({labels[name, v]})" if (name, v) in labels else v)
                for v in spec.values
            ]
        groups.append((name, options))
    outcome_titles = dict(models.Outcome.objects.values_list("code", "title_nb"))
    groups.append(
        (
            rules.OUTCOMES_FACT,
            [
                (f"{rules.OUTCOMES_FACT}:{code}", f"{code} ({outcome_titles.get(code, '')})")
                for code in rules.OUTCOME_CODES
            ],
        )
    )
    return groups


class ConditionForm(EditorForm):
    value = forms.MultipleChoiceField(
        label="verdi",
        required=False,
        help_text="Velg verdiene under faktumet du valgte (hold Ctrl eller ⌘ for flere). "
        "Ingen verdi for «er ja» og «er nei».",
    )

    class Meta(EditorForm.Meta):
        fields = ["fact", "operator", "value"]

    class Media:
        js = ["guidance/admin/conditions.js"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["value"].choices = condition_value_choices()
        self.fields["value"].widget.attrs.update(size=6, **{"data-condition-values": ""})
        self.fields["fact"].widget.attrs["data-condition-fact"] = ""
        self.fields["operator"].choices = [("", "---------")] + [
            (op, models.OPERATOR_LABELS_NB[op]) for op in rules.OPERATORS
        ]
        if self.instance.pk:
            self.initial["value"] = [f"{self.instance.fact}:{v}" for v in self.instance.values]

    def clean(self):
        cleaned = super().clean()
        if "value" not in cleaned:
            return cleaned
        fact, picked = cleaned.get("fact"), cleaned["value"]
        foreign = [p.replace(":", ": ", 1) for p in picked if fact and p.split(":", 1)[0] != fact]
        if foreign:
            self.add_error(
                "value",
                ValidationError(
                    "Verdiene må høre til faktumet %(fact)s. Disse hører til et annet faktum: "
                    "%(foreign)s.",
                    code="foreign_value",
                    params={"fact": fact, "foreign": ", ".join(foreign)},
                ),
            )
        else:
            cleaned["value"] = ",".join(p.split(":", 1)[1] for p in picked)
        return cleaned


class OutcomeParagraphForm(ConditionForm):
    """A paragraph with an optional "show only when" condition in the rules' own terms; the
    model's clean() lets the engine check the condition, as for a rule's conditions."""

    class Meta(ConditionForm.Meta):
        fields = ["order", "fact", "operator", "value", "text_nb", "text_en", "legal_sources"]


def cycle_error(rule, conditions, outcome_codes):
    """A message when saving ``rule`` with these conditions and outcomes would make the rule
    table wait on itself (the engine refuses such a table, and the guide would stop)."""
    if not rule.enabled:
        return None
    others = models.Rule.objects.filter(enabled=True).exclude(pk=rule.pk)
    others = others.prefetch_related("conditions", "outcomes")
    candidate = rules.Rule(
        key=rule.key or "(ny regel)",
        name=rule.name,
        conditions=tuple(conditions),
        outcomes=tuple(outcome_codes),
    )
    try:
        rules.order_rules([content.to_rule(r) for r in others] + [candidate])
    except rules.RuleError:
        return ValidationError(
            "Regelen tester et utfall den selv gir, direkte eller gjennom andre regler, og "
            "regeltabellen ville gå i sirkel. Fjern betingelsen på «outcomes» som peker "
            "tilbake, eller utfallet som lukker sirkelen.",
            code="rule_cycle",
        )
    return None


class RuleForm(EditorForm):
    def clean(self):
        cleaned = super().clean()
        outcomes = cleaned.get("outcomes")
        if outcomes is None:
            return cleaned
        codes = [o.code for o in outcomes]
        # The conditions are checked against these outcomes by the inline formset, which
        # Django validates after this form and which can reach them only through the instance.
        self.instance.pending_outcome_codes = codes
        if self.reverting and self.instance.pk:
            saved = [c.as_condition() for c in self.instance.conditions.all()]
            error = cycle_error(self.instance, saved, codes)
            if error:
                self.add_error("outcomes", error)
        return cleaned


class RuleConditionFormSet(LabelledFormSet):
    def clean(self):
        super().clean()
        codes = getattr(self.instance, "pending_outcome_codes", None)
        if any(self.errors) or codes is None:
            return
        kept = [
            f.instance.as_condition()
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        error = cycle_error(self.instance, kept, codes)
        if error:
            raise error


# --- Questions ----------------------------------------------------------------------------


class QuestionOptionForm(EditorForm):
    value = forms.ChoiceField(
        label="verdi",
        help_text="Verdien fra kontrakten som svaret gir (for ja/nei-spørsmål: true eller false).",
    )

    class Meta(EditorForm.Meta):
        fields = ["value", "label_nb", "label_en", "help_nb", "help_en", "order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        question = self.instance.question if self.instance.question_id else None
        if question is not None:
            choices = [(v, v) for v in rules.FACTS[question.fact].values]
        else:  # a new question: its fact is not known until it is saved
            choices = [
                (name, [(v, v) for v in spec.values])
                for name, spec in rules.FACTS.items()
                if spec.values
            ]
        self.fields["value"].choices = [("", "---------"), *choices]


class QuestionOptionFormSet(LabelledFormSet):
    def clean(self):
        super().clean()
        fact = self.instance.fact
        if any(self.errors) or fact not in rules.FACTS:
            return
        allowed = rules.FACTS[fact].values
        for form in self.forms:
            value = form.cleaned_data.get("value")
            if value and not form.cleaned_data.get("DELETE") and value not in allowed:
                form.add_error(
                    "value",
                    ValidationError(
                        "«%(value)s» er ikke en verdi for %(fact)s. Mulige verdier: %(allowed)s.",
                        code="invalid_option",
                        params={"value": value, "fact": fact, "allowed": ", ".join(allowed)},
                    ),
                )


# --- Outcomes, contacts -------------------------------------------------------------------


# The problems rules.validate and rules.check_contact find (rules.PROBLEMS), in the editor's
# words: what is wrong and what to do. The forms show them on the field to change; the
# warning after a save names the item first (admin_views.warn_about_table).
PROBLEMS_NB = {
    "duty_without_source": "Plikter og forbud (typen «Må» og «Må ikke») må ha minst ett "
    "rettsgrunnlag: velg paragrafen plikten eller forbudet bygger på.",
    "unreachable": "Kontakten må kunne nås: legg inn minst ett telefonnummer, en nettside eller "
    "en e-postadresse.",
    "regional_without_counties": "En regional kontakt må dekke minst ett fylke; ellers vises "
    "den aldri. Velg fylkene, eller sett dekningsområdet til hele landet.",
    "unknown_outcome": "Regelen gir et utfall som ikke finnes i utfallstabellen.",
    "rule_cycle": "Regelen tester et utfall den selv gir, direkte eller gjennom andre regler, og "
    "regeltabellen går i sirkel. Fjern betingelsen på «outcomes» som peker tilbake, eller "
    "utfallet som lukker sirkelen.",
    "option_leads_nowhere": "Ingen regel, ingen avsnitt og ingen andre spørsmål skiller "
    "svarene på spørsmålet fra hverandre, så svaret endrer ingenting. Legg inn en betingelse "
    "på faktumet, eller fjern spørsmålet.",
    "value_not_offered": "En betingelse tester svaret «%(value)s» på %(fact)s, men spørsmålet "
    "tilbyr ikke det svaret. Legg svaret tilbake på spørsmålet, eller endre betingelsen.",
}


def problem_error(problem):
    """A rules.Problem as a ValidationError in bokmål, with its code."""
    return ValidationError(
        PROBLEMS_NB[problem.code],
        code=problem.code,
        params={"fact": problem.fact, "value": problem.value},
    )


def contact_errors(slug, *, phones, website, email, regional, counties):
    """The one contact check (rules.check_contact) for the contact as edited or imported:
    {problem code: ValidationError}. ``phones`` None when the numbers are checked elsewhere;
    ``regional`` False skips the county check."""
    found = rules.check_contact(
        slug or "(ny kontakt)",
        phones=phones,
        website=website or "",
        email=email or "",
        counties=list(counties) if regional else None,
    )
    return {p.code: problem_error(p) for p in found}


class OutcomeForm(EditorForm):
    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind in rules.SOURCED_KINDS and not cleaned.get("legal_sources"):
            self.add_error(
                "legal_sources",
                ValidationError(PROBLEMS_NB["duty_without_source"], code="duty_without_source"),
            )
        primary = cleaned.get("primary_source")
        if primary and "legal_sources" in cleaned and primary not in cleaned["legal_sources"]:
            self.add_error(
                "primary_source",
                ValidationError(
                    "«%(source)s» er ikke blant rettsgrunnlagene: velg den også der, eller "
                    "la feltet stå tomt.",
                    code="primary_not_listed",
                    params={"source": primary.citation},
                ),
            )
        return cleaned


class ContactForm(EditorForm):
    def clean(self):
        cleaned = super().clean()
        # On the change page the phone formset checks reachability with the numbers being
        # saved; restoring an earlier version keeps the phones that are there now.
        phones = [p.number for p in self.instance.phones.all()] if self.reverting else None
        errors = contact_errors(
            cleaned.get("slug") or self.instance.slug,
            phones=phones,
            website=cleaned.get("website"),
            email=cleaned.get("email"),
            regional=cleaned.get("scope") == models.Scope.REGIONAL,
            counties=cleaned.get("counties") or (),
        )
        if "regional_without_counties" in errors:
            self.add_error("counties", errors["regional_without_counties"])
        if "unreachable" in errors:
            raise errors["unreachable"]
        return cleaned


class ContactPhoneFormSet(LabelledFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [
            f.cleaned_data.get("number", "")
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        errors = contact_errors(
            self.instance.slug,
            phones=kept,
            website=self.instance.website,
            email=self.instance.email,
            regional=False,  # the contact form checks the counties
            counties=(),
        )
        if "unreachable" in errors:
            raise errors["unreachable"]


# --- The rule tester ----------------------------------------------------------------------

BOOL_CHOICES = [("false", "nei"), ("true", "ja")]
RULE_SETS = [
    ("active", "Reglene som er slått på – det klinikerne får nå"),
    ("all", "Alle regler, også de som er slått av – for å prøve en regel før den slås på"),
]


class CasePickForm(forms.Form):
    case = forms.ModelChoiceField(
        label="Kurssak",
        queryset=models.Case.objects.all(),
        to_field_name="slug",
        empty_label="– velg en sak –",
        help_text="Henter fakta fra saken og sammenligner resultatet med det saken forventer.",
    )


class FactsForm(forms.Form):
    """One field per contract fact, with the guide's own words for questions and answers."""

    rule_set = forms.ChoiceField(
        label="Regler",
        choices=RULE_SETS,
        initial="active",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, questions=(), counties=(), **kwargs):
        super().__init__(*args, **kwargs)
        asked = {q.fact: q for q in questions}
        for name, spec in rules.FACTS.items():
            question = asked.get(name)
            label = f"{question.text('nb')} ({name})" if question else name

            def word(value, question=question):
                for option in question.options if question else ():
                    if option.value == value:
                        return f"{option.label('nb')} ({value})"
                return value

            if spec.kind == "list":
                field = forms.MultipleChoiceField(
                    choices=[(v, word(v)) for v in spec.values],
                    widget=forms.CheckboxSelectMultiple,
                )
            elif spec.kind == "bool":
                field = forms.ChoiceField(choices=BOOL_CHOICES, initial="false")
            elif spec.kind == "county":
                field = forms.ChoiceField(
                    choices=[("", "– velg fylke –")] + [(n, f"{n} {c}") for n, c in counties]
                )
            else:
                empty = [] if spec.default else [("", "– velg –")]
                field = forms.ChoiceField(
                    choices=empty + [(v, word(v)) for v in spec.values], initial=spec.default
                )
            field.label = label
            self.fields[name] = field

    @staticmethod
    def initial_from(facts):
        """Form values for a case's facts (booleans as the form's "true"/"false")."""
        initial = {}
        for name, value in facts.items():
            if isinstance(value, bool):
                value = "true" if value else "false"
            elif isinstance(value, int):
                value = f"{value:02d}"  # a county number YAML read as an integer
            initial[name] = value
        return initial

    def facts(self):
        return {name: self.cleaned_data[name] for name in rules.FACTS}


# --- Cases --------------------------------------------------------------------------------


def _no_constant(name):
    raise ValueError(f"{name} is not a value a case can hold")


class CaseJSONField(forms.JSONField):
    """JSON as the contract writes it: no NaN or Infinity, and a number of thousands of digits
    or a nesting deeper than Python's stack is a form error, not a 500 (security review D10).
    The shape is checked by ``Case.clean`` against the contract."""

    default_error_messages = {
        "invalid": "Ugyldig JSON: %(value)s",
    }

    def _loads(self, value):
        return json.loads(value, parse_constant=_no_constant)

    def to_python(self, value):
        if self.disabled or value in self.empty_values:
            return super().to_python(value)
        if isinstance(value, (list, dict, int, float, JSONString)):
            return value
        try:
            converted = self._loads(value)
        except (ValueError, RecursionError) as e:
            raise ValidationError(
                self.error_messages["invalid"], code="invalid", params={"value": str(e)[:200]}
            ) from None
        return JSONString(converted) if isinstance(converted, str) else converted

    def bound_data(self, data, initial):
        if self.disabled:
            return initial
        if data is None:
            return None
        try:
            return self._loads(data)
        except (ValueError, RecursionError):
            return InvalidJSONInput(data)
