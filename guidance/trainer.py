"""Trainer mode: the case library, the presenter view and "what if", on the live rules.

Every page is a public GET that runs a case's facts through the same questions, rule table and
result context as the clinician's guide, so what a trainer teaches is what the guide says.
Nothing is written to the database, and every step is a plain link: the arrow keys
(static/js/trainer.js) only follow the rel="prev"/rel="next" links.
"""

import functools
from collections.abc import Mapping
from dataclasses import dataclass

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from . import cases, content, models, rules
from .forms import Walk
from .views import KIND_LABELS, clock, lang, result_context


def localized(case, field):
    """A case text in the interface language, and the language to mark it with when it is
    not: English when the case has it, otherwise the bokmål text marked lang="nb"."""
    if lang() == "en":
        english = getattr(case, f"{field}_en")
        return (english, "") if english else (getattr(case, field), "nb")
    return getattr(case, field), ""


def concern_labels(snap):
    """Concern codes in words, in the order the guide's question offers them."""
    question = next((q for q in snap.questions if q.fact == "concerns"), None)
    labels = {o.value: o.label(lang()) for o in question.options} if question else {}
    return labels | {c: c for c in rules.CONCERNS if c not in labels}


def card(case, snap, labels):
    """What the library shows of a case. Tolerant of odd facts, so one bad case cannot take
    the library down; the presenter reports it."""
    facts = cases.tidy_facts(case.facts if isinstance(case.facts, dict) else {})
    title, title_lang = localized(case, "title")
    summary, summary_lang = localized(case, "summary")
    codes = facts.get("concerns") or []
    county = facts.get("county", "")
    return {
        "slug": case.slug,
        "title": title,
        "title_lang": title_lang,
        "summary": summary,
        "summary_lang": summary_lang,
        "concern_codes": codes,
        "concerns": [label for code, label in labels.items() if code in codes],
        "county": dict(snap.counties).get(county, county),
        "present_url": reverse("guidance:present", args=[case.slug]),
        "file_url": reverse("guidance:case_file", args=[case.slug]),
    }


class ConcernFilter(forms.Form):
    concern = forms.ChoiceField(
        required=False,
        error_messages={
            "invalid_choice": gettext_lazy(
                "«%(value)s» is not one of the concerns. Choose one from the list."
            )
        },
    )

    def __init__(self, labels, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["concern"].choices = [("", _("All concerns")), *labels.items()]


@require_safe
def library(request):
    snap = content.snapshot()
    labels = concern_labels(snap)
    form = ConcernFilter(labels, request.GET)
    concern = form.cleaned_data["concern"] if form.is_valid() else ""
    shown = [card(c, snap, labels) for c in models.Case.objects.all()]
    if concern:
        shown = [c for c in shown if concern in c["concern_codes"]]
    context = {
        "cases": shown,
        "concern": concern,
        "concern_label": labels.get(concern, ""),
        "errors": form.errors.get("concern", []),
        "options": labels.items(),
    }
    return render(
        request, "guidance/trainer/library.html", context, status=400 if form.errors else 200
    )


# ---------------------------------------------------------------------------------------------
# The presenter: the story, one step per question the guide would ask, then the result


@dataclass(frozen=True)
class Presented:
    """A case ready to present: its facts as written (JSON) and as the engine reads them, and
    the questions the guide would ask for them."""

    snap: content.Snapshot
    case: models.Case
    raw: dict
    facts: Mapping
    questions: list


def presenting(view):
    """Load the case named in the URL for a presenter view. A case whose facts no longer fit
    (say, its county was removed) gets a page saying so, not a 500."""

    @functools.wraps(view)
    def wrapper(request, slug, **kwargs):
        snap = content.snapshot()
        case = get_object_or_404(models.Case, slug=slug)
        raw = cases.tidy_facts(case.facts if isinstance(case.facts, dict) else {})
        try:
            facts = rules.normalize_facts(raw, snap.ruleset.counties)
        except rules.FactError as e:
            context = {"slug": slug, "error": str(e)}
            return render(request, "guidance/trainer/broken.html", context, status=409)
        questions = rules.visible_questions(snap.questions, facts)
        return view(request, Presented(snap, case, raw, facts, questions), **kwargs)

    return wrapper


def present_url(slug, number=0):
    if number == 0:
        return reverse("guidance:present", args=[slug])
    return reverse("guidance:present_step", args=[slug, number])


def presenter_context(p, number):
    title, title_lang = localized(p.case, "title")
    return {
        "case": p.case,
        "title": title,
        "title_lang": title_lang,
        "number": number,
        "steps": len(p.questions),
        "library_url": reverse("guidance:trainer"),
        "reveal_url": reverse("guidance:reveal", args=[p.case.slug]),
        "prompt_lang": "nb" if lang() == "en" else "",
    }


@require_safe
@presenting
def story(request, p):
    summary, summary_lang = localized(p.case, "summary")
    context = presenter_context(p, 0)
    context.update(
        {
            "summary": summary,
            "summary_lang": summary_lang,
            "card": card(p.case, p.snap, concern_labels(p.snap)),
            "next_url": present_url(p.case.slug, 1) if p.questions else context["reveal_url"],
        }
    )
    return render(request, "guidance/trainer/story.html", context)


@require_safe
@presenting
def step(request, p, number):
    if number == 0:
        return redirect(present_url(p.case.slug))
    if number > len(p.questions):
        raise Http404("no such step")
    question = p.questions[number - 1]
    last = number == len(p.questions)
    prompts = p.case.prompts if isinstance(p.case.prompts, dict) else {}
    context = presenter_context(p, number)
    context.update(
        {
            "question": question,
            "text": question.text(lang()),
            "help": question.help(lang()),
            "options": answer_options(question, p.facts[question.fact], p.snap),
            # A fact the case leaves out takes its neutral value; say so rather than pretend.
            "stated": question.fact in p.raw,
            "prompt": prompts.get(question.fact, ""),
            "prev_url": present_url(p.case.slug, number - 1),
            "next_url": context["reveal_url"] if last else present_url(p.case.slug, number + 1),
            "next_is_reveal": last,
        }
    )
    return render(request, "guidance/trainer/question.html", context)


def answer_options(question, value, snap):
    """The question's answers, the case's marked. For the county, only the case's county."""
    if question.kind == "county":
        return [{"label": f"{dict(snap.counties).get(value, value)} ({value})", "chosen": True}]
    if isinstance(value, bool):
        value = "true" if value else "false"
    names = concern_labels(snap)
    if isinstance(value, Mapping):  # a per-concern answer: say which concern chose what
        return [
            {
                "label": o.label(lang()),
                "help": o.help(lang()),
                "chosen": o.value in value.values(),
                "concerns": [names[c] for c, v in value.items() if v == o.value],
            }
            for o in question.options
        ]
    chosen = set(value) if isinstance(value, frozenset) else {value}
    return [
        {"label": o.label(lang()), "help": o.help(lang()), "chosen": o.value in chosen}
        for o in question.options
    ]


# ---------------------------------------------------------------------------------------------
# The reveal and "what if"


def what_if_choices(questions, facts, snap):
    """One change per choice, grouped by question: every other answer to each question the
    case was asked, as "fact=value". A concern is added or removed (at least one stays)."""
    groups = []
    for q in questions:
        current = facts[q.fact]
        if isinstance(current, bool):
            current = "true" if current else "false"
        if q.fact == "concerns":
            choices = [
                (
                    f"concerns={o.value}",
                    _("Remove: %(concern)s") % {"concern": o.label(lang())}
                    if o.value in current
                    else _("Add: %(concern)s") % {"concern": o.label(lang())},
                )
                for o in q.options
                if o.value not in current or len(current) > 1
            ]
        elif q.kind == "county":
            choices = [
                (f"county={number}", f"{name} ({number})")
                for number, name in snap.counties
                if number != current
            ]
        else:
            choices = [
                (f"{q.fact}={o.value}", o.label(lang())) for o in q.options if o.value != current
            ]
            if q.fact in rules.PER_CONCERN_FACTS and len(facts["concerns"]) > 1:
                # Each concern's own answer can change too: "timing:fgm=expected".
                names = concern_labels(snap)
                for concern in [c for c in rules.CONCERNS if c in facts["concerns"]]:
                    own = rules.value_for(facts, q.fact, concern)
                    choices += [
                        (
                            f"{q.fact}:{concern}={o.value}",
                            f"{names[concern]}: {o.label(lang())}",
                        )
                        for o in q.options
                        if o.value != own
                    ]
        if choices:
            groups.append({"question": q.text(lang()), "fact": q.fact, "choices": choices})
    return groups


def apply_change(raw, change):
    """The case's facts with one answer changed (a concern toggled)."""
    fact, value = change.split("=", 1)
    fact, _, concern = fact.partition(":")
    changed = dict(raw)
    if fact == "concerns":
        concerns = list(raw["concerns"])
        changed["concerns"] = (
            [c for c in concerns if c != value] if value in concerns else [*concerns, value]
        )
        # A per-concern answer follows the concerns; an added concern takes the value the
        # other concerns share, or the first one's, so the case stays complete.
        for name in rules.PER_CONCERN_FACTS:
            old = raw.get(name)
            if isinstance(old, Mapping):
                kept = {c: v for c, v in old.items() if c in changed["concerns"]}
                for c in changed["concerns"]:
                    kept.setdefault(c, next(iter(old.values())))
                changed[name] = kept
    elif concern:
        old = raw.get(fact)
        mapping = dict(old) if isinstance(old, Mapping) else dict.fromkeys(raw["concerns"], old)
        mapping[concern] = value
        changed[fact] = mapping
    else:
        changed[fact] = value
    return changed


@require_safe
@presenting
def reveal(request, p):
    groups = what_if_choices(p.questions, p.facts, p.snap)
    labels = {value: (g["question"], label) for g in groups for value, label in g["choices"]}
    base = rules.evaluate(p.snap.ruleset, p.raw)
    change = request.GET.get("change", "")
    error = ""
    shown, shown_raw = base, p.raw
    if change and change not in labels:
        # Only the offered changes are accepted: a hand-made URL gets a message, not a 500.
        error = _("That change is not one of the choices. Choose one from the list.")
        change = ""
    elif change:
        shown_raw = apply_change(p.raw, change)
        shown = rules.evaluate(p.snap.ruleset, shown_raw)

    # The guide's own result context, so the outcomes, reasons and contacts read the same.
    context = result_context(p.snap, shown, Walk(shown_raw), clock())
    context.update(presenter_context(p, len(p.questions) + 1))
    context.update(
        {
            "groups": groups,
            "change": change,
            "change_question": labels[change][0] if change else "",
            "change_answer": labels[change][1] if change else "",
            "error": error,
            "prev_url": present_url(p.case.slug, len(p.questions)),
        }
    )
    if change:
        mark_changes(context, base, shown)
    return render(request, "guidance/trainer/reveal.html", context, status=400 if error else 200)


def mark_changes(context, base, shown):
    """Mark what the change added, and list what it took away, outcomes and contacts."""
    new_codes, old_codes = set(shown.codes), set(base.codes)
    for section in context["sections"]:
        for item in section["items"]:
            item["added"] = item["code"] not in old_codes
    new_slugs, old_slugs = set(shown.contact_slugs), set(base.contact_slugs)
    for contact in context["contacts"]:
        contact["added"] = contact["slug"] not in old_slugs
    context["added_outcomes"] = [
        {"code": o.code, "title": o.title(lang()), "kind_label": KIND_LABELS[o.kind]}
        for o in shown.outcomes
        if o.code not in old_codes
    ]
    context["removed_outcomes"] = [
        {"code": o.code, "title": o.title(lang()), "kind_label": KIND_LABELS[o.kind]}
        for o in base.outcomes
        if o.code not in new_codes
    ]
    context["added_contacts"] = [
        {"slug": c.slug, "name": c.name(lang())} for c in shown.contacts if c.slug not in old_slugs
    ]
    context["removed_contacts"] = [
        {"slug": c.slug, "name": c.name(lang())} for c in base.contacts if c.slug not in new_slugs
    ]


@require_safe
def case_file(request, slug):
    """The case as a case file, for a trainer to share or load on another instance."""
    case = get_object_or_404(models.Case, slug=slug)
    response = HttpResponse(cases.export(case), content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{case.slug}.yaml"'
    return response
