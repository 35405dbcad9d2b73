"""Forms for the clinician's guide: a page of questions, each field named after the contract's
fact.

Answers travel in an encrypted token (``Walk``, sealed by ``guidance.sealing``), never in the
database or a session.
"""

from functools import cached_property

from django import forms
from django.utils.translation import gettext_lazy as _

from . import rules
from .sealing import BrokenWalk, seal, unseal

__all__ = ["BrokenWalk", "Walk", "page_form", "per_concern_form"]


class Walk:
    """The answers given so far, as raw contract values, carried between requests in an
    encrypted token so that nothing is stored on the server and any app server can continue
    the walk. ``browser`` is the walk cookie's value the token is bound to ("" for none)."""

    def __init__(self, raw=None, browser=""):
        self.raw = dict(raw or {})
        self.browser = browser

    @classmethod
    def from_token(cls, token, questions, browser=""):
        if not token:
            return cls(browser=browser)
        walk = cls(unseal(token, browser), browser)
        try:
            walk.answers()
        except rules.FactError:
            raise BrokenWalk("tampered") from None
        return walk

    @cached_property
    def token(self):
        """Sealed once per walk: every link on a page carries the same token."""
        return seal(self.raw, self.browser) if self.raw else ""

    def answers(self):
        """The answers as typed facts (bools, frozensets, per-concern mappings), for
        conditions and the engine."""
        typed = {}
        for fact, value in self.raw.items():
            spec = rules.FACTS.get(fact)
            if spec is None:
                raise rules.FactError(fact, "unknown fact")
            if spec.per_concern:
                if isinstance(value, dict) and "concerns" not in self.raw:
                    raise rules.FactError(fact, "a per-concern answer needs the concerns")
                concerns = (
                    rules._normalize_value(
                        rules.FACTS["concerns"],
                        self.raw.get("concerns") or list(value),
                        frozenset(),
                    )
                    if isinstance(value, dict)
                    else frozenset()
                )
                typed[fact] = rules.normalize_per_concern(spec, value, concerns)
            else:
                typed[fact] = rules._normalize_value(spec, value, frozenset())
        return typed

    def facts(self):
        """Every contract fact, with neutral values for questions that were not asked."""
        return rules.normalize_facts(self.raw)

    def with_answer(self, fact, value, questions):
        return self.with_answers({fact: value}, questions)

    def with_answers(self, values, questions):
        """The walk with these answers given (raw contract values), and the answers that no
        longer apply dropped."""
        raw = dict(self.raw)
        raw.update(values)
        for fact, value in values.items():
            if isinstance(value, list):  # a forged POST may repeat a value many times
                raw[fact] = list(dict.fromkeys(value))
        if "concerns" in values:
            raw = rules.fit_per_concern(raw, values["concerns"])
        typed = Walk(raw).answers()
        kept = rules.prune_answers(questions, typed)
        return Walk({k: v for k, v in raw.items() if k in kept}, self.browser)


def question_field(question, lang, counties):
    """The form field that asks ``question``, named after its fact by the form, whose values
    are the contract's values (bools as "true"/"false")."""
    if question.kind == "county":
        choices = [(number, f"{name} ({number})") for number, name in counties]
    else:
        choices = [(o.value, o.label(lang)) for o in question.options]
    messages = {
        "required": _("Choose an answer to go on."),
        "invalid_choice": _("That answer is not one of the choices. Choose one of them."),
        "invalid_list": _("That answer is not one of the choices. Choose one of them."),
    }
    if question.kind == "list":
        messages["required"] = _("Choose at least one answer to go on.")
        return forms.MultipleChoiceField(
            choices=choices,
            widget=forms.CheckboxSelectMultiple,
            error_messages=messages,
            label=question.text(lang),
        )
    if question.kind == "county":
        return forms.ChoiceField(
            choices=[("", _("Choose a county"))] + choices,
            error_messages=messages,
            label=question.text(lang),
        )
    return forms.ChoiceField(
        choices=choices,
        widget=forms.RadioSelect,
        error_messages=messages,
        label=question.text(lang),
    )


def page_form(questions, lang, counties, data=None, initial=None):
    """A form for one page of the walk: a field per question, named after its fact."""
    form = forms.Form(data=data, initial=initial or {}, prefix=None)
    for question in questions:
        form.fields[question.fact] = question_field(question, lang, counties)
    return form


def per_concern_form(questions, concerns, lang, data=None, initial=None):
    """The page that asks timing and likelihood for several concerns at once.

    Fields: the plain ``timing`` / ``likelihood`` ("the same for all") and one
    ``timing:<concern>`` / ``likelihood:<concern>`` per concern. A concern's own answer wins; a
    concern with neither gets an error naming it. ``concerns`` is [(code, label)] in order.
    """
    return PerConcernForm(questions, concerns, lang, data=data, initial=initial or {})


class PerConcernForm(forms.Form):
    def __init__(self, questions, concerns, lang, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        self.concerns = concerns
        self.lang_code = lang
        invalid = _("That answer is not one of the choices. Choose one of them.")
        for q in questions:
            choices = [(o.value, o.label(lang)) for o in q.options]
            self.fields[q.fact] = forms.ChoiceField(
                choices=choices,
                required=False,
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": invalid},
            )
            for code, _label in concerns:
                self.fields[f"{q.fact}:{code}"] = forms.ChoiceField(
                    choices=choices,
                    required=False,
                    widget=forms.RadioSelect,
                    error_messages={"invalid_choice": invalid},
                )

    def clean(self):
        data = super().clean()
        answers = {}
        for q in self.questions:
            values = {}
            for code, label in self.concerns:
                value = data.get(f"{q.fact}:{code}") or data.get(q.fact)
                if not value:
                    self.add_error(
                        f"{q.fact}:{code}",
                        forms.ValidationError(
                            _("Answer “%(question)s” for %(concern)s, or once for all.")
                            % {"question": q.text(self.lang_code), "concern": label},
                            code="required",
                        ),
                    )
                    continue
                values[code] = value
            if len(values) == len(self.concerns):
                distinct = set(values.values())
                answers[q.fact] = next(iter(distinct)) if len(distinct) == 1 else values
        data["answers"] = answers
        return data
