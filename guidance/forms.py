"""Forms for the clinician's guide: one question per page, named after the contract's fact.

Answers travel in a signed token (``Walk``), never in the database or a session.
"""

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

from . import rules

TOKEN_SALT = "avverge.guide.walk"
TOKEN_MAX_AGE = 12 * 60 * 60  # a walk older than a working shift starts again


class BrokenWalk(Exception):
    """The state token was tampered with, expired, or holds answers that do not fit."""


class Walk:
    """The answers given so far, as raw contract values, carried between requests in a signed
    token so that nothing is stored on the server and any app server can continue the walk."""

    def __init__(self, raw=None):
        self.raw = dict(raw or {})

    @classmethod
    def from_token(cls, token, questions):
        if not token:
            return cls()
        try:
            data = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
        except signing.SignatureExpired:
            raise BrokenWalk("expired") from None
        except signing.BadSignature:
            raise BrokenWalk("tampered") from None
        if not isinstance(data, dict):
            raise BrokenWalk("tampered")
        walk = cls(data)
        try:
            walk.answers()
        except rules.FactError:
            raise BrokenWalk("tampered") from None
        return walk

    @property
    def token(self):
        return signing.dumps(self.raw, salt=TOKEN_SALT, compress=True) if self.raw else ""

    def answers(self):
        """The answers as typed facts (bools, frozensets), for conditions and the engine."""
        typed = {}
        for fact, value in self.raw.items():
            spec = rules.FACTS.get(fact)
            if spec is None:
                raise rules.FactError(fact, "unknown fact")
            typed[fact] = rules._normalize_value(spec, value, frozenset())
        return typed

    def facts(self):
        """Every contract fact, with neutral values for questions that were not asked."""
        return rules.normalize_facts(self.raw)

    def with_answer(self, fact, value, questions):
        raw = dict(self.raw)
        raw[fact] = value
        typed = Walk(raw).answers()
        kept = rules.prune_answers(questions, typed)
        return Walk({k: v for k, v in raw.items() if k in kept})


def question_form(question, lang, counties, data=None, initial=None):
    """A form with one field, named after the question's fact, whose values are the
    contract's values (bools as "true"/"false")."""
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
        field = forms.MultipleChoiceField(
            choices=choices,
            widget=forms.CheckboxSelectMultiple,
            error_messages=messages,
            label=question.text(lang),
        )
    elif question.kind == "county":
        field = forms.ChoiceField(
            choices=[("", _("Choose a county"))] + choices,
            error_messages=messages,
            label=question.text(lang),
        )
    else:
        field = forms.ChoiceField(
            choices=choices,
            widget=forms.RadioSelect,
            error_messages=messages,
            label=question.text(lang),
        )
    form = forms.Form(data=data, initial=initial or {}, prefix=None)
    form.fields[question.fact] = field
    return form
