"""The clinician's guide: start, a page of questions per topic, review, result.

Every view has one shape: load the content snapshot and the walk, validate, act, redirect
(post/redirect/get). The walk's answers travel in an encrypted token in the URL or form, so the
guide writes nothing to the database and any app server can answer any step.
"""

import functools
import logging
import re
import sys
from urllib.parse import urlencode

import phonenumbers
from django.conf import settings
from django.contrib import messages
from django.db import DatabaseError, connection
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import formats, timezone, translation
from django.utils.translation import get_language, gettext_lazy, ngettext, override
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from avverge.postgresql.base import answer_within

from . import content, rules, sealing
from .forms import page_answers, page_form, per_concern_form
from .logs import is_unavailable
from .vocabulary import FACT_NAMES, KIND_LABELS, SECTION_TITLES
from .walk import BrokenWalk, Walk

logger = logging.getLogger(__name__)

# The county of the clinician's workplace, remembered on the device for the next walk. It holds
# the county number and nothing else (nothing about the patient); "Avslutt" leaves it.
COUNTY_COOKIE = "avverge_county"
COUNTY_COOKIE_AGE = 365 * 24 * 60 * 60

# The sections whose conclusion the top of the result sums up in one line each.
SUMMARY_SECTIONS = ("avert", "sharing", "interpreter", "care", "referral")
# Ages at which the parents as a rule have a right to information (pbrl § 3-4).
UNDER_16 = ("child_under_14", "child_14_15", "unknown")


def clock():
    """Now, in Oslo. A function of its own so tests can freeze it."""
    return timezone.localtime(timezone.now())


def lang():
    return "en" if (get_language() or "nb").startswith("en") else "nb"


@functools.lru_cache(maxsize=1024)
def _path(urlconf, prefix, name, args):
    return reverse(name, urlconf=urlconf, args=args)


def url_of(name, *args):
    """``reverse(name, args=args)``, worked out once: the guide's pages build several URLs a
    request, and the same ones every time. Keyed on the URLconf and script prefix, and on
    nothing about a walk (the arguments are question keys)."""
    return _path(get_urlconf(settings.ROOT_URLCONF), get_script_prefix(), name, args)


def guide_url(name, walk, *args, **params):
    """The URL of a guide step carrying the walk's token (and any extra parameters)."""
    query = {"s": walk.token} if walk.token else {}
    query.update({k: v for k, v in params.items() if v})
    url = url_of(f"guidance:{name}", *args)
    return f"{url}?{urlencode(query)}" if query else url


def page_url(page, walk, **params):
    """The URL of a page of questions: its first question's address."""
    return guide_url("question", walk, page.key, **params)


def step_url(page, walk, **params):
    """The URL of ``page``, or of the review where the walk has no page left (None)."""
    return page_url(page, walk, **params) if page else guide_url("review", walk)


def restart(request, reason):
    if reason == "expired":
        minutes = sealing.max_age() // 60
        text = ngettext(
            "Your answers were more than %(minutes)d minute old, so the guide has started again.",
            "Your answers were more than %(minutes)d minutes old, so the guide has started again.",
            minutes,
        ) % {"minutes": minutes}
    else:
        text = _("Your answers could not be read, so the guide has started again.")
    messages.warning(request, text)
    return HttpResponseRedirect(url_of("guidance:start"))


def walking(view):
    """Load the content and the walk in the request's token (``s``, in the form of a POST) for
    a guide view, which gets them as ``snap`` and ``walk``. A broken token starts the guide
    again."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        snap = content.snapshot()
        token = request.POST.get("s") if request.method == "POST" else request.GET.get("s")
        try:
            walk = Walk.from_token(token, sealing.browser_key(request))
        except BrokenWalk as e:
            return restart(request, str(e))
        return view(request, snap, walk, *args, **kwargs)

    return wrapper


def finished_walk(view):
    """Load the content and a walk with every question answered for the review and the result
    (as ``walking`` does). A walk with a page still to answer goes to that page first."""

    @walking
    @functools.wraps(view)
    def wrapper(request, snap, walk, *args, **kwargs):
        pending = rules.route(snap.questions, walk.answers).pending
        if pending is not None:
            return HttpResponseRedirect(page_url(pending, walk))
        county = walk.answers.get("county")
        if county is not None and county not in dict(snap.counties):
            # The county was renumbered or removed in the admin since it was chosen (security
            # review, D5): ask for it again, then come back to the review.
            messages.warning(
                request, _("The list of counties has changed. Choose the county again.")
            )
            raw = {k: v for k, v in walk.raw.items() if k != "county"}
            walk = Walk(raw, walk.browser, walk.keys)
            question = next(q for q in snap.questions if q.kind == "county")
            page = rules.route(snap.questions, walk.answers).page_of(question)
            return HttpResponseRedirect(page_url(page, walk, **{"return": "review"}))
        return view(request, snap, walk, *args, **kwargs)

    return wrapper


@require_safe
def home(request):
    return render(request, "guidance/home.html", {"trainer_url": reverse("guidance:trainer")})


@require_safe
def start(request):
    snap = content.snapshot()
    if not snap.questions:
        return unavailable("empty")
    browser = sealing.browser_key(request)
    fresh = "" if browser else sealing.new_browser_key()
    # The county this device remembers is the only answer a walk may start with.
    county = remembered_county(request, snap)
    walk = Walk({"county": county} if county else {}, browser or fresh)
    first = rules.route(snap.questions, walk.answers).pending
    response = HttpResponseRedirect(step_url(first, walk))
    if fresh:
        # The walk's tokens are bound to this browser until "Avslutt" or the browser closes.
        sealing.set_browser_cookie(response, fresh)
    return response


def remembered_county(request, snap):
    """The county number this device remembers, if it is still a county."""
    number = request.COOKIES.get(COUNTY_COOKIE, "")
    return number if number in dict(snap.counties) else None


def remember_county(request, response, number):
    """Keep the clinician's county for the next walk on this device: the workplace's county
    number and nothing else, so the county page costs nothing next time."""
    response.set_cookie(
        COUNTY_COOKIE,
        number,
        max_age=COUNTY_COOKIE_AGE,
        secure=request.is_secure() or settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


@require_safe
def quick_exit(request):
    """ "Avslutt": the walk's tokens stop working in this browser, and the guide is left for
    the start page. The page's script replaces the history entry, so Back does not return.
    The remembered county stays: it is the clinician's workplace, not the patient's."""
    response = redirect("guidance:home")
    response.delete_cookie(sealing.WALK_COOKIE, samesite="Lax")
    response["Clear-Site-Data"] = '"cache"'
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@walking
def question(request, snap, walk, key):
    """A page of the walk: the questions of one topic (rules.pages), at the address of its
    first question. Any of its questions' addresses leads to it."""
    route = rules.route(snap.questions, walk.answers)
    page = route.page_of(snap.question(key))
    back_to_review = request.GET.get("return") == "review" or request.POST.get("return") == "review"
    keep = {"return": "review"} if back_to_review else {}
    if not route.reachable(page):
        return HttpResponseRedirect(step_url(route.pending, walk))
    if page.key != key:
        return HttpResponseRedirect(step_url(page, walk, **keep))
    if page.per_concern:
        return per_concern_page(request, snap, walk, route, page, keep)

    language = lang()
    if request.method == "POST":
        data = single_concern_data(request.POST, page.questions, walk.answers)
        given = page_answers(page.questions, snap.counties, data)
        if given is None:  # only a page with errors builds the form, for its messages
            form = page_form(page.questions, language, snap.counties, data=data)
            given = form.cleaned_data if form.is_valid() else None
        if given is not None:
            walk = walk.with_answers(given, snap.questions)
            response = HttpResponseRedirect(next_url(snap, walk, page, keep))
            if "county" in given:
                remember_county(request, response, given["county"])
            return response
        chosen = {q.fact: data.getlist(q.fact) for q in page.questions}
        errors = form.errors
    else:
        # The page shows the walk's answers; a GET builds no form, as it renders none.
        chosen = {q.fact: walk.raw.get(q.fact, []) for q in page.questions}
        errors = {}

    fields = [
        {
            "fact": q.fact,
            "kind": q.kind,
            "text": q.text(language),
            "help": q.help(language),
            "choices": choices(q, chosen[q.fact], snap.counties, language),
            "errors": errors.get(q.fact, []),
        }
        for q in page.questions
    ]
    context = page_context(snap, walk, route, page, keep)
    context["fields"] = fields
    context["error_summary"] = [
        {"text": f["text"], "message": " ".join(f["errors"]), "href": f"#{first_id(f)}"}
        for f in fields
        if f["errors"]
    ]
    return render(request, "guidance/question.html", context)


def page_context(snap, walk, route, page, keep):
    """What every page of questions shows besides its questions: the topic, the progress and
    the way back."""
    before = route.before(page)
    step, steps = rules.progress(page, snap.questions)
    return {
        "page": page,
        "topic": rules.topic_name(page.topic, lang()),
        "walk": walk,
        "step": step,
        "steps": steps,
        "back_url": page_url(before, walk) if before else reverse("guidance:home"),
        "back_to_review": bool(keep),
        "acute": walk.answers.get("acute_danger") is True,
    }


def next_url(snap, walk, page, keep):
    """Where Next leads from ``page`` with the walk's new answers (``rules.Route.after``):
    back to the review when the clinician came from there and nothing is left to answer."""
    following = rules.route(snap.questions, walk.answers).after(page)
    return step_url(following, walk, **keep)


def first_id(field):
    """The id of a field's first control, where the error summary's link leads."""
    return field["fact"] if field["kind"] == "county" else f"{field['fact']}-0"


def single_concern_data(data, questions, answers):
    """With one concern, ``timing:<concern>`` is the same answer as ``timing``, so a tool
    walking a case file may post either."""
    concerns = answers.get("concerns") or ()
    if len(concerns) != 1:
        return data
    concern = next(iter(concerns))
    taken = {}
    for question in questions:
        own = data.get(f"{question.fact}:{concern}")
        if question.fact in rules.PER_CONCERN_FACTS and own and not data.get(question.fact):
            taken[question.fact] = own
    if not taken:
        return data  # as nearly every POST: no copy of the form's data
    data = data.copy()
    for fact, own in taken.items():
        data[fact] = own
    return data


def concern_names(snap):
    q = next((q for q in snap.questions if q.fact == "concerns"), None)
    labels = {o.value: o.label(lang()) for o in q.options} if q else {}
    return {c: labels.get(c, c) for c in rules.CONCERNS}


def per_concern_page(request, snap, walk, route, page, keep):
    """Timing and likelihood for several concerns on one page: "the same for all" first, then a
    fieldset per concern. Field names: ``timing``, ``timing:<concern>``, and so on."""
    answers = walk.answers
    asked = page.questions
    names = concern_names(snap)
    concerns = [(c, names[c]) for c in rules.CONCERNS if c in answers["concerns"]]
    if request.method == "POST":
        form = per_concern_form(asked, concerns, lang(), data=request.POST)
        if form.is_valid():
            walk = walk.with_answers(form.cleaned_data["answers"], snap.questions)
            return HttpResponseRedirect(next_url(snap, walk, page, keep))
        chosen = lambda name: form.data.get(name, "")  # noqa: E731
    else:
        form = per_concern_form(asked, concerns, lang())

        def chosen(name):
            fact, _, concern = name.partition(":")
            value = walk.raw.get(fact)
            if isinstance(value, dict):
                return value.get(concern, "") if concern else ""
            return "" if concern else (value or "")

    def radios(q, name):
        return [
            {
                "value": o.value,
                "label": o.label(lang()),
                "help": o.help(lang()),
                "checked": chosen(name) == o.value,
                "id": f"{control_id(name)}-{i}",
            }
            for i, o in enumerate(q.options)
        ]

    texts = {q.fact: q.text(lang()) for q in asked}
    context = page_context(snap, walk, route, page, keep)
    context.update(
        {
            "same_for_all": [
                {
                    "name": q.fact,
                    "text": q.text(lang()),
                    "help": q.help(lang()),
                    "choices": radios(q, q.fact),
                    "errors": form.errors.get(q.fact, []),
                }
                for q in asked
            ],
            "by_concern": [
                {
                    "code": code,
                    "label": label,
                    "questions": [
                        {
                            "name": f"{q.fact}:{code}",
                            "id": control_id(f"{q.fact}:{code}"),
                            "text": q.text(lang()),
                            "choices": radios(q, f"{q.fact}:{code}"),
                            "errors": form.errors.get(f"{q.fact}:{code}", []),
                        }
                        for q in asked
                    ],
                }
                for code, label in concerns
            ],
            "separately": any(isinstance(walk.raw.get(q.fact), dict) for q in asked)
            or bool(form.errors),
            "error_summary": [
                {
                    "text": texts.get(name.partition(":")[0], name),
                    "message": " ".join(str(e) for e in errors),
                    "href": f"#{control_id(name)}-0",
                }
                for name, errors in form.errors.items()
            ],
        }
    )
    return render(request, "guidance/question_per_concern.html", context)


def control_id(name):
    """An HTML id for a form field name (``timing:fgm`` → ``timing-fgm``)."""
    return name.replace(":", "-")


def choices(question, chosen, counties, language):
    """The answers to offer, with what is selected now: ``chosen``, the posted values or the
    walk's answer."""
    chosen = {str(v) for v in (chosen if isinstance(chosen, (list, tuple)) else [chosen])}
    if question.kind == "county":
        options = [(number, f"{name} ({number})", "") for number, name in counties]
    else:
        options = [(o.value, o.label(language), o.help(language)) for o in question.options]
    return [
        {
            "value": value,
            "label": label,
            "help": help,
            "checked": value in chosen,
            "id": f"{question.fact}-{i}",
        }
        for i, (value, label, help) in enumerate(options)
    ]


@never_cache
@require_safe
@finished_walk
def review(request, snap, walk):
    answers = walk.answers
    counties = dict(snap.counties)
    found = rules.pages(snap.questions, answers)
    names = concern_names(snap)
    remembered = remembered_county(request, snap)
    language = lang()
    # Every row's link carries the same token: quote it once, not once a row.
    back_here = urlencode({"s": walk.token, "return": "review"})
    rows = []
    for page in found:
        url = f"{url_of('guidance:question', page.key)}?{back_here}"
        for q in page.questions:
            value = answers[q.fact]
            if q.kind == "county":
                shown = counties.get(value, value)
            else:
                shown = q.label_of(value, language, names)
            rows.append(
                {
                    "question": q.text(language),
                    "answer": shown,
                    "remembered": q.kind == "county" and value == remembered,
                    "url": url,
                }
            )
    return render(
        request,
        "guidance/review.html",
        {
            "rows": rows,
            "walk": walk,
            "result_url": guide_url("result", walk),
            "back_url": page_url(found[-1], walk),
            "acute": answers.get("acute_danger") is True,
        },
    )


@never_cache
@require_safe
@finished_walk
def result(request, snap, walk):
    outcome = rules.evaluate(snap.ruleset, walk.facts())
    context = result_context(snap, outcome, walk, clock())
    # The record is written in bokmål whatever the page's language; English on request.
    context["note"] = record_note(context, request, "nb")
    context["note_en"] = record_note(context, request, "en")
    return render(request, "guidance/result.html", context)


def record_note(context, request=None, language=None):
    """The plain-text note for the patient record, from ``result_context``'s context, in
    ``language`` (default: the page's)."""
    language = language or context["language"]
    with override(language):
        text = render_to_string("guidance/note.txt", context["record"][language], request=request)
    # The template's tags leave blank lines; the note keeps one between blocks, none doubled.
    lines = [line.rstrip() for line in text.strip().splitlines()]
    kept = [line for i, line in enumerate(lines) if line or (i and lines[i - 1])]
    return "\n".join(kept)


def result_context(snap, outcome, walk, now):
    """Everything the result page and the record note show, in the chosen language."""
    language = lang()
    answers = outcome.facts
    questions = {q.fact: q for q in snap.questions}
    counties = dict(snap.counties)

    def answer_in_words(fact, concern=None):
        return words(snap, answers, fact, concern, language)

    def needed_in_words(condition):
        question = questions.get(condition.fact)
        if not condition.value:  # is_true / is_false
            value = condition.op == "is_true"
            return question.label_of(value, language) if question else str(value)
        labels = [question.label_of(v, language) if question else v for v in condition.value]
        return _(" or ").join(labels)

    codes = {o.code for o in outcome.outcomes}
    avert_links = next((o.legal_links[:1] for o in outcome.outcomes if o.code == "AVERT_DUTY"), ())
    sections = []
    for section in rules.SECTIONS:
        items = []
        for o in outcome.outcomes:
            if o.section != section:
                continue
            why = [
                {
                    "rule": t.name,
                    "answers": [
                        {
                            "question": questions[f].text(language) if f in questions else f,
                            "answer": answer_in_words(f, t.concern),
                        }
                        for f in t.facts
                    ],
                    # For "stay alert": the threshold of the duty that the answers did not meet.
                    "unmet": [
                        {
                            "question": questions[c.fact].text(language)
                            if c.fact in questions
                            else c.fact,
                            "answer": answer_in_words(c.fact, t.concern),
                            "needed": needed_in_words(c),
                        }
                        # Only the duty to avert's absence is explained this way: for the
                        # sharing outcomes the nearest miss would list every other ground.
                        for c in (t.unmet if o.section == "avert" else ())
                    ],
                }
                for t in outcome.rules_for(o.code)
            ]
            fitting = o.fitting(answers, codes)
            paragraphs = [p for p in o.body(language).split("\n\n") if p.strip()]
            paragraphs += [p.text(language) for p in fitting if p.text(language).strip()]
            legal = list(dict.fromkeys(o.legal_links + sum((p.legal_links for p in fitting), ())))
            items.append(
                {
                    "code": o.code,
                    "kind": o.kind,
                    "kind_label": str(KIND_LABELS[o.kind]),
                    "title": o.title(language),
                    "paragraphs": paragraphs,
                    # Long texts show their first paragraph and fold the rest.
                    "lead": paragraphs[:1],
                    "more": paragraphs[1:],
                    "legal": tuple(legal),
                    "why": why,
                }
            )
        crossref = ()
        if section == "sharing":
            # The duty to avert is a duty to share as well: say so under "You must share",
            # where clinicians look for it (legal review, finding 23).
            crossref = avert_links if "AVERT_DUTY" in codes else ()
            kind = "must" if crossref else None
            for item in items:
                # "Also" only follows a heading: alone it would introduce nothing.
                starts = item["kind"] != kind and (item["kind"] != "advice" or kind is not None)
                item["starts_kind"], kind = starts, item["kind"]
        if section == "documentation":
            # Whom to contact comes right before documentation, as clinicians read it.
            sections.append({"key": "contacts", "title": _("Whom to contact"), "items": []})
        if items or crossref:
            sections.append(
                {
                    "key": section,
                    "title": str(SECTION_TITLES[section]),
                    "items": items,
                    "avert_crossref": crossref,
                }
            )

    contacts = [contact_card(c, language, now) for c in outcome.contacts]
    interpreter = answers["needs_interpreter"]
    return {
        "sections": sections,
        "contacts": contacts,
        "do_now": do_now(outcome, language),
        "call_now": call_now(outcome, contacts),
        "summary": summary_lines(snap, outcome, language),
        "record": {lang_: note_context(snap, outcome, lang_, now) for lang_ in ("nb", "en")},
        "answers": [
            {"question": q.text(language), "answer": answer_in_words(q.fact)}
            for q in snap.questions
            if q.fact in walk.raw
        ],
        "outcomes": [
            {"title": o.title(language), "legal_basis": o.legal_basis} for o in outcome.outcomes
        ],
        "language": language,
        "now": now,
        "county": counties.get(answers["county"], answers["county"]),
        "interpreter": interpreter,
        "acute": answers["acute_danger"],
        "walk": walk,
        "review_url": guide_url("review", walk),
    }


def words(snap, answers, fact, concern=None, language="nb"):
    """An answer in words: the county's name, or the answer's label (for ``concern`` only,
    when the fact is answered per concern)."""
    value = answers[fact]
    if fact == "county":
        return dict(snap.counties).get(value, value)
    if concern and fact in rules.PER_CONCERN_FACTS:
        value = rules.value_for(answers, fact, concern)
    elif concern and fact == "concerns":
        value = frozenset((concern,))
    question = next((q for q in snap.questions if q.fact == fact), None)
    names = {}
    if question and fact in rules.PER_CONCERN_FACTS:
        concerns = next((q for q in snap.questions if q.fact == "concerns"), None)
        names = {o.value: o.label(language) for o in concerns.options} if concerns else {}
    return question.label_of(value, language, names) if question else str(value)


def urgent(outcome):
    """The duties and prohibitions of a result, most urgent first: acute, then the duties to
    avert and to report, then the other duties, then what not to do."""
    chosen = [o for o in outcome.outcomes if o.kind in ("must", "must_not")]
    return sorted(chosen, key=lambda o: (o.kind == "must_not", o.sort_key))


def do_now(outcome, language):
    """The "do this now" list: one line and the statute for each duty and prohibition."""
    return [
        {
            "code": o.code,
            "kind": o.kind,
            "text": o.line("now", language) or o.title(language),
            "statute": o.legal_basis[0] if o.legal_basis else "",
        }
        for o in urgent(outcome)
    ]


def call_now(outcome, cards, most=2):
    """The one or two numbers to call now, from the contacts the result shows (never a number
    that is not in the contact table): for each urgent duty in turn, the first contact with a
    phone in its categories. Without such a duty, the first contact with a phone, for advice."""
    with_phone = [c for c in cards if c["phones"]]
    chosen = []
    for o in urgent(outcome):
        if o.kind != "must":
            continue
        card = next((c for c in with_phone if set(c["categories"]) & set(o.categories)), None)
        if card is None:
            continue
        # Acute danger: 112 and 113 both, the two emergency contacts.
        group = [c for c in with_phone if set(c["categories"]) & set(o.categories)]
        for c in group if o.code == "ACUTE_EMERGENCY" else [card]:
            if c not in chosen:
                chosen.append(c)
    advice = not chosen
    if advice:
        chosen = with_phone[:1]
    return [
        {"name": c["name"], "slug": c["slug"], **c["phones"][0], "advice": advice}
        for c in chosen[:most]
    ]


def unmet_in_words(snap, outcome, code, language):
    """What kept a duty away, in words ("Likelihood: Reason to believe"), for ``code``'s rules."""
    seen = []
    for t in outcome.rules_for(code):
        for c in t.unmet:
            answer = words(snap, outcome.facts, c.fact, t.concern, language)
            line = f"{FACT_NAMES.get(c.fact, c.fact)} ({answer})"
            if line not in seen:
                seen.append(line)
    return seen


def summary_lines(snap, outcome, language):
    """One line per section: its conclusion, from the outcomes' own summary lines."""
    titles = {"sharing": _("Sharing"), "avert": _("Duty to avert")}
    lines = []
    for section in SUMMARY_SECTIONS:
        texts = [
            o.line("summary", language)
            for o in outcome.outcomes
            if o.section == section and o.line("summary", language)
        ]
        unmet = []
        if section == "avert" and "AVERT_WATCH" in outcome.codes:
            unmet = unmet_in_words(snap, outcome, "AVERT_WATCH", language)
        if section == "interpreter" and not texts:
            texts = [_("No interpreter needed on your answers.")]
        if section == "sharing" and "AVERT_DUTY" in outcome.codes:
            # The duty to avert is a duty to share as well (as the sharing section says).
            texts.insert(0, _("Share what is needed to avert it, also without consent."))
        if texts:
            lines.append(
                {
                    "key": section,
                    "title": str(titles.get(section, SECTION_TITLES[section])),
                    "text": " ".join(texts),
                    "unmet": unmet,
                }
            )
    return lines


def lowered(labels):
    """Labels in a running sentence: every label after the first starts in lower case."""
    return [label if i == 0 else label[:1].lower() + label[1:] for i, label in enumerate(labels)]


def note_context(snap, outcome, language, now):
    """What the record note says, in ``language``: the assessment in the third person, the
    conclusions with their legal basis, the contacts with a way to reach each once, and a
    line with blanks for each thing to be done."""
    with override(language):
        answers = outcome.facts
        concerns_q = next((q for q in snap.questions if q.fact == "concerns"), None)
        concerns = [
            o.label(language)
            for o in (concerns_q.options if concerns_q else ())
            if o.value in answers["concerns"]
        ]
        assessed = [
            (str(FACT_NAMES["person_age"]), words(snap, answers, "person_age", None, language)),
            (str(FACT_NAMES["timing"]), words(snap, answers, "timing", None, language)),
            (str(FACT_NAMES["likelihood"]), words(snap, answers, "likelihood", None, language)),
        ]
        groups = []
        for heading, sections in (
            (_("Duty to avert"), ("acute", "avert")),
            (_("Sharing of information"), ("sharing",)),
            (_("Interpreter"), ("interpreter",)),
            (_("Conversation and follow-up"), ("care", "referral", "documentation")),
        ):
            lines = []
            for o in outcome.outcomes:
                text = o.line("note", language)
                if o.section not in sections or not text:
                    continue
                if o.legal_basis:
                    text = f"{text} ({o.legal_basis[0]})"
                if o.code == "AVERT_WATCH":
                    unmet = unmet_in_words(snap, outcome, o.code, language)
                    if unmet:
                        text += " " + _("Not met: %(what)s.") % {"what": "; ".join(unmet)}
                lines.append(text)
            if lines:
                groups.append({"heading": heading, "lines": lines})
        contacts, seen = [], set()
        for c in outcome.contacts:
            card = contact_card(c, language, now)
            reach = [p["number"] for p in card["phones"][:1]]
            reach += [card["website_label"]] if card["website"] and not reach else []
            reach += [card["email"]] if card["email"] and not reach else []
            if not reach:
                continue  # a contact nobody can reach is no help in a record
            digits = "".join(ch for ch in reach[0] if ch.isdigit())
            named = digits and digits == "".join(ch for ch in card["name"] if ch.isdigit())
            # "Politiet 02800" and "menneskertilsalgs.no" already say how to reach them.
            named = named or reach[0].lower() in card["name"].lower()
            entry = card["name"] if named else f"{card['name']}: {reach[0]}"
            if entry not in seen:
                seen.add(entry)
                contacts.append(entry)
        done = list(dict.fromkeys(o.line("done", language) for o in outcome.outcomes))
        if not any(
            o.section == "sharing" and o.kind in ("may", "must_not") and o.line("done", language)
            for o in outcome.outcomes
        ):
            # No outcome asks what was shared on its own: blanks for with whom, or why not.
            done.insert(
                1, _("Information given to: ___, date ___, basis: ___ / not shared because: ___")
            )
        return {
            "now": now,
            "concerns": concerns,
            "concerns_text": ", ".join(lowered(concerns)),
            "assessed": assessed,
            "groups": groups,
            "contacts": contacts,
            "done": [line for line in done if line],
            "child": answers["person_age"] in UNDER_16,
            "age_unknown": answers["person_age"] == "unknown",
        }


def contact_card(c, language, now):
    """A contact as the result page, the record note and the JSON API show it, with whether it
    answers at ``now`` and, when it is closed, when it opens next."""
    # Its words (weekdays, "opens tomorrow") in ``language`` even where the request's own
    # language is another, as in the JSON API's ?lang=.
    with translation.override(language):
        return _contact_card(c, language, now)


def _contact_card(c, language, now):
    extra = c.extra
    hours = extra.get("hours", ())
    phones = [
        phone_card(n, labels.get(language, ""), c.name(language))
        for n, labels in extra.get("phones", ())
    ]
    hours_note = extra.get("hours_note", {}).get(language, "")
    opens_next = rules.next_opening(c, now)
    return {
        "slug": c.slug,
        "name": c.name(language),
        "description": extra.get("descriptions", {}).get(language, ""),
        "serves": extra.get("serves", {}).get(language, ""),
        "phones": phones,
        "website": extra.get("website"),
        "email": extra.get("email"),
        "always_open": extra.get("always_open"),
        "hours": [{"day": day, "opens": opens, "closes": closes} for day, opens, closes in hours],
        "hours_text": hours_text(hours),
        # "Not confirmed" only where there is a phone to call and nothing else says when.
        "hours_unknown": bool(phones)
        and not extra.get("always_open")
        and not hours
        and not hours_note,
        "website_label": website_label(extra.get("website") or ""),
        "hours_note": hours_note,
        "open_now": rules.is_open(c, now),
        "opens_next": opens_next,
        "opens_text": opens_text(opens_next, now) if opens_next else "",
        "holiday": bool(hours) and rules.is_holiday(now.date()),
        "last_verified": extra.get("last_verified"),
        "needs_review": extra.get("needs_review"),
        "regional": c.counties is not None,
        "categories": list(c.categories),
        "counties": sorted(c.counties) if c.counties is not None else None,
    }


# The harmonised European numbers of social value, written as the services write them.
HARMONISED_116 = re.compile(r"116(\d{3})")


def phone_card(number, label, name):
    """A phone number written one way: Norwegian numbers in national format ("22 33 11 60"),
    short numbers as the services write them ("112", "02800", "116 006"), others with their
    country code; ``tel`` is what the phone dials. ``in_name`` says that the contact's name
    already carries the number (so the record note need not repeat it)."""
    digits = re.sub(r"\D", "", number)
    shown, tel = number.strip(), digits
    try:
        parsed = phonenumbers.parse(number, "NO")
    except phonenumbers.NumberParseException:
        parsed = None
    if HARMONISED_116.fullmatch(digits):
        shown = "116 " + digits[3:]
    elif len(digits) <= 5 and not number.strip().startswith("+"):
        shown = digits  # 112, 113, 02800: short numbers are dialled as they are
    elif parsed and phonenumbers.is_valid_number(parsed):
        norwegian = parsed.country_code == 47
        style = phonenumbers.PhoneNumberFormat
        shown = phonenumbers.format_number(
            parsed, style.NATIONAL if norwegian else style.INTERNATIONAL
        )
        tel = phonenumbers.format_number(parsed, style.E164)
    return {
        "number": shown,
        "tel": tel,
        "label": label,
        "in_name": bool(digits) and digits in re.sub(r"\D", "", name),
    }


WEEKDAYS = [
    gettext_lazy("Mon"),
    gettext_lazy("Tue"),
    gettext_lazy("Wed"),
    gettext_lazy("Thu"),
    gettext_lazy("Fri"),
    gettext_lazy("Sat"),
    gettext_lazy("Sun"),
]


def clock_time(t):
    """09.00 in bokmål (Språkrådet's clock), 09:00 in English."""
    return f"{t:%H.%M}" if lang() == "nb" else f"{t:%H:%M}"


def hours_text(hours):
    """Weekly hours in words, consecutive days with the same times joined: "Mon–Fri 09:00–15:00"."""
    spans = []  # [first day, last day, opens, closes]
    for day, opens, closes in sorted(hours):
        last = spans[-1] if spans else None
        if last and last[1] == day - 1 and (last[2], last[3]) == (opens, closes):
            last[1] = day
        else:
            spans.append([day, day, opens, closes])
    parts = []
    for first, last, opens, closes in spans:
        days = str(WEEKDAYS[first]) if first == last else f"{WEEKDAYS[first]}–{WEEKDAYS[last]}"
        parts.append(f"{days} {clock_time(opens)}–{clock_time(closes)}")
    return ", ".join(parts)


def opens_text(when, now):
    """When a closed service opens next, in words: "opens tomorrow 09:00", "opens Mon 09:00";
    a date as well when it is a week or more away."""
    ahead = (when.date() - now.date()).days
    time = clock_time(when.time())
    if ahead == 0:
        return _("opens today %(time)s") % {"time": time}
    if ahead == 1:
        return _("opens tomorrow %(time)s") % {"time": time}
    day = str(WEEKDAYS[when.weekday()])
    if ahead < 7:
        return _("opens %(day)s %(time)s") % {"day": day, "time": time}
    date = formats.date_format(when, "SHORT_DATE_FORMAT")
    return _("opens %(day)s %(date)s %(time)s") % {"day": day, "date": date, "time": time}


def website_label(url):
    """A web address as people say it: without scheme, "www." or a trailing slash."""
    label = url.split("://", 1)[-1]
    return label.removeprefix("www.").rstrip("/")


@never_cache
@require_safe
def healthz(request):
    """For the container's HEALTHCHECK and load balancers: up only when the database answers
    (within a second) and the content in it compiles."""
    try:
        with answer_within(1), connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
            content.snapshot()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    except content.ContentBroken as e:
        return JsonResponse({"status": "error", "content": str(e)}, status=503)
    problem = content.problem()
    if problem:
        # Clinicians still get the last content that compiled; the operator must hear of it.
        return JsonResponse(
            {"status": "error", "content": f"serving the last good content: {problem}"},
            status=503,
        )
    return JsonResponse({"status": "ok"})


def csrf_failure(request, reason=""):
    """A forged or stale form post: a clear page and 400, never a bare 403 or a 500."""
    return HttpResponseBadRequest(
        render_to_string("guidance/bad_request.html", {"reason": reason}, request=request)
    )


# The 400, 403 and 404 views. Django's own read the form of a POST (requires_csrf_token), so
# a POST with a malformed body to an address that does not exist became a 500 while its 404
# was being rendered (found by tests/test_fuzz.py). These only render the page.


def bad_request(request, exception):
    return HttpResponseBadRequest(render_to_string("400.html"))


def permission_denied(request, exception):
    return HttpResponse(render_to_string("403.html", request=request), status=403)


def page_not_found(request, exception):
    return HttpResponse(render_to_string("404.html", request=request), status=404)


def server_error(request):
    """handler500. A database that is away, or content that never compiled, is not a bug in
    the page: say so calmly, with the emergency numbers, and 503 (security review, D4). The
    page is rendered without the request, so it needs nothing the failure may have broken."""
    exc = sys.exc_info()[1]
    if is_unavailable(exc):
        return unavailable()
    return HttpResponse(render_to_string("500.html"), status=500)


def unavailable(reason="fault"):
    response = HttpResponse(
        render_to_string("guidance/unavailable.html", {"reason": reason}), status=503
    )
    response["Retry-After"] = "30"
    return response


def permissions_policy(get_response):
    """Middleware: the browser features no Avverge page uses are switched off (D16)."""

    def middleware(request):
        response = get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response

    return middleware
