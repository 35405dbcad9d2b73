"""Trainer mode: the case library, the presenter view and "what if", on the live rules.

Every page is a public GET that runs a case's facts through the same questions, rule table and
result context as the clinician's guide, so what a trainer teaches is what the guide says.
Nothing is written to the database, and every step is a plain link: the arrow keys
(static/js/trainer.js) only follow the rel="prev"/rel="next" links. A session (an ordered
list of cases) is presented by carrying ?session=<slug> from one step to the next.
"""

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from . import cases, content, models, rules
from .presenting import clock, lang, result_context
from .vocabulary import KIND_LABELS


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
    q = forms.CharField(required=False, strip=True)
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


def matches(case, query):
    """Whether every word of the search is in the case's slug, titles or stories."""
    text = " ".join([case.slug, case.title, case.title_en, case.summary, case.summary_en])
    return all(word in text.casefold() for word in query.casefold().split())


def session_lang():
    """Sessions are named in bokmål only: mark the name in the English interface."""
    return "nb" if lang() == "en" else ""


def session_card(session):
    items = list(session.items.all())
    return {
        "title": session.title,
        "title_lang": session_lang(),
        "slug": session.slug,
        "cases": [localized(item.case, "title") for item in items],
        "start_url": present_url(items[0].case.slug, session=session.slug) if items else "",
        "url": reverse("guidance:session", args=[session.slug]),
    }


LIBRARY_PAGE = 50


@require_safe
def library(request):
    snap = content.snapshot()
    labels = concern_labels(snap)
    form = ConcernFilter(labels, request.GET)
    valid = form.is_valid()
    concern = form.cleaned_data["concern"] if valid else ""
    # A search never fails: an over-long one is cut, as the field's maxlength would.
    query = (form.cleaned_data["q"] if valid else request.GET.get("q", "").strip())[:100]
    found = [c for c in models.Case.objects.all() if matches(c, query)]
    shown = [card(c, snap, labels) for c in found]
    if concern:
        shown = [c for c in shown if concern in c["concern_codes"]]
    # A page at a time, so a library of thousands of cases is not one page of megabytes
    # (security review D15). A page number that is not one shows the nearest page.
    page = Paginator(shown, LIBRARY_PAGE).get_page(request.GET.get("page"))
    keep = {k: v for k, v in (("q", query), ("concern", concern)) if v}

    def page_url(number):
        return "?" + urlencode({**keep, "page": number})

    context = {
        "cases": page.object_list,
        "found": len(shown),
        "page": page,
        "prev_url": page_url(page.previous_page_number()) if page.has_previous() else "",
        "next_url": page_url(page.next_page_number()) if page.has_next() else "",
        "sessions": [
            session_card(s) for s in models.Session.objects.prefetch_related("items__case")
        ],
        "q": query,
        "concern": concern,
        "concern_label": labels.get(concern, ""),
        "errors": form.errors.get("concern", []),
        "options": labels.items(),
    }
    return render(
        request, "guidance/trainer/library.html", context, status=400 if form.errors else 200
    )


# ---------------------------------------------------------------------------------------------
# The presenter: the story, one step per question the guide would ask, "what do you think?",
# then the result. A step shows the question and its answers; the case's answer is in the
# page only once the presenter reveals it (?reveal=1), so the room answers first.


@dataclass(frozen=True)
class Presented:
    """A case ready to present: its facts as written (JSON) and as the engine reads them, the
    questions the guide would ask for them, and the session it is presented in, if any."""

    snap: content.Snapshot
    case: models.Case
    raw: dict
    facts: Mapping
    questions: list
    session: models.Session | None = None
    order: tuple = ()  # the session's case slugs, in order

    @property
    def session_slug(self):
        return self.session.slug if self.session else ""

    def step_url(self, number, reveal=False):
        return present_url(self.case.slug, number, reveal=reveal, session=self.session_slug)

    def ask_url(self):
        return with_query(reverse("guidance:ask", args=[self.case.slug]), session=self.session_slug)

    def reveal_url(self):
        url = reverse("guidance:reveal", args=[self.case.slug])
        return with_query(url, session=self.session_slug)

    def neighbour(self, step):
        """The slug of the case before (-1) or after (+1) this one in the session, or ""."""
        if not self.session:
            return ""
        index = self.order.index(self.case.slug) + step
        return self.order[index] if 0 <= index < len(self.order) else ""


def with_query(url, **params):
    query = urlencode({k: v for k, v in params.items() if v})
    return f"{url}?{query}" if query else url


def present_url(slug, number=0, *, reveal=False, session=""):
    if number == 0:
        url = reverse("guidance:present", args=[slug])
    else:
        url = reverse("guidance:present_step", args=[slug, number])
    return with_query(url, reveal="1" if reveal else "", session=session)


def presenting(view):
    """Load the case named in the URL for a presenter view. A case whose facts no longer fit
    (say, its county was removed) gets a page saying so, not a 500. A ?session= that does not
    hold the case is ignored: the case is presented on its own."""

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
        session = models.Session.objects.filter(
            slug=request.GET.get("session", ""), items__case=case
        ).first()
        order = tuple(session.items.values_list("case__slug", flat=True)) if session else ()
        p = Presented(snap, case, raw, facts, questions, session, order)
        return view(request, p, **kwargs)

    return wrapper


def presenter_context(p, number):
    title, title_lang = localized(p.case, "title")
    return {
        "case": p.case,
        "title": title,
        "title_lang": title_lang,
        "number": number,
        "steps": len(p.questions),
        "library_url": reverse("guidance:trainer"),
        "reveal_url": p.reveal_url(),
        "session": p.session,
        "session_lang": session_lang(),
        "session_url": reverse("guidance:session", args=[p.session.slug]) if p.session else "",
        "session_position": p.order.index(p.case.slug) + 1 if p.session else 0,
        "session_length": len(p.order),
    }


@require_safe
@presenting
def story(request, p):
    summary, summary_lang = localized(p.case, "summary")
    context = presenter_context(p, 0)
    before = p.neighbour(-1)
    context.update(
        {
            "summary": summary,
            "summary_lang": summary_lang,
            "card": card(p.case, p.snap, concern_labels(p.snap)),
            "next_url": p.step_url(1) if p.questions else p.ask_url(),
            "next_label": _("First question") if p.questions else _("Ask the room"),
            "prev_url": with_query(
                reverse("guidance:reveal", args=[before]), session=p.session_slug
            )
            if before
            else "",
        }
    )
    return render(request, "guidance/trainer/story.html", context)


@require_safe
@presenting
def step(request, p, number):
    if number == 0:
        return redirect(p.step_url(0))
    if number > len(p.questions):
        raise Http404("no such step")
    question = p.questions[number - 1]
    last = number == len(p.questions)
    revealed = request.GET.get("reveal") == "1"
    context = presenter_context(p, number)
    if revealed:
        # Forward: the next question, or the room's turn; back: this question, unrevealed.
        next_url, prev_url = (p.ask_url() if last else p.step_url(number + 1)), p.step_url(number)
        next_label = _("Ask the room") if last else _("Next question")
    else:
        next_url, prev_url = p.step_url(number, reveal=True), p.step_url(number - 1, number > 1)
        next_label = _("Show the case's answer")
    context.update(
        {
            "question": question,
            "text": question.text(lang()),
            "help": question.help(lang()),
            "options": answer_options(question, p.facts[question.fact], p.snap, revealed),
            "revealed": revealed,
            # A fact the case leaves out takes its neutral value; say so rather than pretend.
            "stated": question.fact in p.raw,
            "prompt": case_prompt(p.case, question.fact),
            "prev_url": prev_url,
            "next_url": next_url,
            "next_label": next_label,
            "next_is_reveal": not revealed,
            "skip_url": context["reveal_url"] if last and revealed else "",
        }
    )
    return render(request, "guidance/trainer/question.html", context)


def case_prompt(case, fact):
    """The case's discussion prompt for a fact, in English where the case has one, and the
    language to mark it with."""
    bokmal = case.prompts if isinstance(case.prompts, dict) else {}
    english = case.prompts_en if isinstance(case.prompts_en, dict) else {}
    if lang() == "en" and english.get(fact):
        return {"text": english[fact], "lang": ""}
    if bokmal.get(fact):
        return {"text": bokmal[fact], "lang": "nb" if lang() == "en" else ""}
    return None


def answer_options(question, value, snap, revealed=True):
    """The question's answers, the case's marked once revealed. Before that nothing in the
    page tells which one is the case's; for the county every county is offered."""
    if question.kind == "county":
        if not revealed:
            return [
                {"label": f"{name} ({number})", "chosen": False} for number, name in snap.counties
            ]
        return [{"label": f"{dict(snap.counties).get(value, value)} ({value})", "chosen": True}]
    if not revealed:
        return [
            {"label": o.label(lang()), "help": o.help(lang()), "chosen": False}
            for o in question.options
        ]
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


# The three questions the result answers, put to the room before the reveal, and the outcomes
# that answer each (a duty to avert is also a duty to share: invariant 2 of the contract).
ROOM_QUESTIONS = (
    ("avert", gettext_lazy("Does the clinician have a duty to avert?")),
    ("share", gettext_lazy("What may or must be shared, and with whom?")),
    ("interpreter", gettext_lazy("Is an interpreter needed, and who must not interpret?")),
)
ROOM_OUTCOMES = {
    "avert": ("AVERT_DUTY", "AVERT_WATCH", "NO_AVERT_DUTY"),
    "share": (
        "NOTIFY_POLICE",
        "AVERT_DUTY",
        "NOTIFY_CHILD_WELFARE",
        "SHARE_WITH_CONSENT",
        "SHARE_WITH_PROXY_CONSENT",
        "SHARE_WITHOUT_CONSENT",
        "KEEP_CONFIDENTIALITY",
        "TELL_PATIENT",
    ),
    "interpreter": ("QUALIFIED_INTERPRETER", "NO_CHILD_INTERPRETER", "NO_COMPANION_INTERPRETER"),
}


@require_safe
@presenting
def ask(request, p):
    """ "Hva tror dere?": the room answers the result's three questions before the reveal."""
    context = presenter_context(p, len(p.questions) + 1)
    context.update(
        {
            "room_questions": [str(text) for _key, text in ROOM_QUESTIONS],
            "prev_url": p.step_url(len(p.questions), reveal=True) if p.questions else p.step_url(0),
            "next_url": context["reveal_url"],
            "next_label": _("Reveal the result"),
        }
    )
    return render(request, "guidance/trainer/ask.html", context)


def room_answers(sections):
    """Each of the room's questions with the outcomes that answer it, from the result's own
    cards (so the "why" and the what-if marks are the same)."""
    items = {item["code"]: item for section in sections for item in section["items"]}
    answers, shown = [], set()
    for key, text in ROOM_QUESTIONS:
        codes = [code for code in ROOM_OUTCOMES[key] if code in items]
        # An outcome that answers two questions (the duty to avert) gives its why once.
        found = [{"item": items[code], "repeat": code in shown} for code in codes]
        shown.update(codes)
        answers.append({"key": key, "question": str(text), "items": found})
    return answers


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


def answer_in_words(p, question, facts, concern=""):
    """A question's answer in the interface language, for the changed line."""
    if concern:
        return question.label_of(rules.value_for(facts, question.fact, concern), lang())
    value = facts[question.fact]
    if question.kind == "county":
        return f"{dict(p.snap.counties).get(value, value)} ({value})"
    return question.label_of(value, lang(), concern_labels(p.snap))


def changed_line(p, change, shown_raw):
    """The change as the room reads it: the question, the case's answer and the new one
    ("Trenger personen tolk …? Ja → Nei")."""
    fact = change.split("=", 1)[0]
    fact, _, concern = fact.partition(":")
    question = next(q for q in p.questions if q.fact == fact)
    shown = rules.normalize_facts(shown_raw, p.snap.ruleset.counties)
    return {
        "question": question.text(lang()),
        "concern": concern_labels(p.snap)[concern] if concern else "",
        "before": answer_in_words(p, question, p.facts, concern),
        "after": answer_in_words(p, question, shown, concern),
    }


@require_safe
@presenting
def reveal(request, p):
    groups = what_if_choices(p.questions, p.facts, p.snap)
    offered = {value: g["fact"] for g in groups for value, _label in g["choices"]}
    base = rules.evaluate(p.snap.ruleset, p.raw)
    change = request.GET.get("change", "")
    asked = request.GET.get("q", "")
    error = ""
    shown, shown_raw = base, p.raw
    if change and change not in offered:
        # Only the offered changes are accepted: a hand-made URL gets a message, not a 500.
        error = _("That change is not one of the choices. Choose one from the list.")
        change = ""
    elif change:
        asked = offered[change]
        shown_raw = apply_change(p.raw, change)
        shown = rules.evaluate(p.snap.ruleset, shown_raw)
    if asked and asked not in {g["fact"] for g in groups}:
        error = error or _("That question is not one of the choices. Choose one from the list.")
        asked = ""

    # The guide's own result context, so the outcomes, reasons and contacts read the same.
    context = result_context(p.snap, shown, clock(), lang())
    context.update(presenter_context(p, len(p.questions) + 1))
    after = p.neighbour(+1)
    if after:
        next_url, next_label = present_url(after, session=p.session_slug), _("Next case")
    elif p.session:
        next_url, next_label = context["session_url"], _("End of the session")
    else:
        next_url, next_label = "", ""
    context.update(
        {
            "groups": groups,
            "asked": asked,
            "asked_group": next((g for g in groups if g["fact"] == asked), None),
            "change": change,
            "changed": changed_line(p, change, shown_raw) if change else None,
            "error": error,
            "room": room_answers(context["sections"]),
            "prev_url": p.ask_url(),
            "next_url": next_url,
            "next_label": next_label,
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
    # The room's questions lose an answer too: an interpreter outcome gone says so there.
    for answer in context["room"]:
        answer["removed"] = [
            o for o in context["removed_outcomes"] if o["code"] in ROOM_OUTCOMES[answer["key"]]
        ]


@require_safe
def session(request, slug):
    """A session's cases in order, with where to start; the last case's reveal leads here."""
    found = get_object_or_404(models.Session.objects.prefetch_related("items__case"), slug=slug)
    items = []
    for item in found.items.all():
        title, title_lang = localized(item.case, "title")
        items.append(
            {
                "title": title,
                "title_lang": title_lang,
                "url": present_url(item.case.slug, session=slug),
            }
        )
    context = {
        "session": found,
        "session_lang": session_lang(),
        "items": items,
        "library_url": reverse("guidance:trainer"),
    }
    return render(request, "guidance/trainer/session.html", context)


@require_safe
def case_file(request, slug):
    """The case as a case file, for a trainer to share or load on another instance."""
    case = get_object_or_404(models.Case, slug=slug)
    response = HttpResponse(cases.export(case), content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{case.slug}.yaml"'
    return response
