"""Forms for the clinician's guide: a page of questions, each field named after the contract's
fact. The walk's state (the answers so far, in their token) is ``guidance.walk``.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

__all__ = ["page_answers", "page_form", "per_concern_form"]


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


def page_answers(questions, counties, data):
    """The answers posted for one page, as ``page_form`` cleans them, when every one is among
    its question's choices; None when any is missing or not a choice, and then the form says
    what is wrong. Building the form costs a POST more than checking a few values does, and
    nearly every POST is valid."""
    given = {}
    for question in questions:
        if question.kind == "county":
            allowed = {number for number, _name in counties}
        else:
            allowed = {o.value for o in question.options}
        if question.kind == "list":
            values = data.getlist(question.fact)
            if not values or any(v not in allowed for v in values):
                return None
            given[question.fact] = values
        else:
            value = data.get(question.fact)
            if not value or value not in allowed:
                return None
            given[question.fact] = value
    return given


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
