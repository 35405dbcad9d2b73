"""The clinician's guide: start, one question per page, review, result.

Every view has one shape: load the content snapshot and the walk, validate, act, redirect
(post/redirect/get). The walk's answers travel in an encrypted token in the URL or form, so the
guide writes nothing to the database and any app server can answer any step.
"""

import logging
import re
import sys
from urllib.parse import urlencode

import phonenumbers
from django.conf import settings
from django.contrib import messages
from django.db import DatabaseError, connection
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from avverge.postgresql.base import answer_within

from . import content, rules, sealing
from .forms import BrokenWalk, Walk, per_concern_form, question_form
from .logs import is_unavailable

logger = logging.getLogger(__name__)

# The result's sections, in reading order, with their headings.
SECTION_TITLES = {
    "acute": gettext_lazy("Acute: act now"),
    "avert": gettext_lazy("Duty to avert"),
    "sharing": gettext_lazy("Confidentiality and sharing"),
    "interpreter": gettext_lazy("Interpreter"),
    "care": gettext_lazy("The conversation and care"),
    "referral": gettext_lazy("Referrals and advice"),
    "documentation": gettext_lazy("Documentation"),
}
KIND_LABELS = {
    "must": gettext_lazy("Must"),
    "may": gettext_lazy("May"),
    "must_not": gettext_lazy("Must not"),
    "advice": gettext_lazy("Advice"),
}


def clock():
    """Now, in Oslo. A function of its own so tests can freeze it."""
    return timezone.localtime(timezone.now())


def lang():
    return "en" if (get_language() or "nb").startswith("en") else "nb"


def guide_url(name, walk, *args, **params):
    """The URL of a guide step carrying the walk's token (and any extra parameters)."""
    query = {"s": walk.token} if walk.token else {}
    query.update({k: v for k, v in params.items() if v})
    url = reverse(f"guidance:{name}", args=args)
    return f"{url}?{urlencode(query)}" if query else url


def question_url(question, walk, **params):
    return guide_url("question", walk, question.key, **params)


def load_walk(request, snap):
    """The walk from the request's token; a broken token starts the guide again."""
    token = request.POST.get("s") if request.method == "POST" else request.GET.get("s")
    return Walk.from_token(token, snap.questions, sealing.browser_key(request))


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
    return redirect("guidance:start")


@require_safe
def home(request):
    return render(request, "guidance/home.html", {"trainer_url": reverse("guidance:trainer")})


@require_safe
def start(request):
    snap = content.snapshot()
    if not snap.questions:
        return unavailable("empty")
    response = redirect(question_url(snap.questions[0], Walk()))
    if not sealing.browser_key(request):
        # The walk's tokens are bound to this browser until "Avslutt" or the browser closes.
        sealing.set_browser_cookie(response, sealing.new_browser_key())
    return response


@require_safe
def quick_exit(request):
    """ "Avslutt": the walk's tokens stop working in this browser, and the guide is left for
    the start page. The page's script replaces the history entry, so Back does not return."""
    response = redirect("guidance:home")
    response.delete_cookie(sealing.WALK_COOKIE, samesite="Lax")
    response["Clear-Site-Data"] = '"cache"'
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def question(request, key):
    snap = content.snapshot()
    try:
        walk = load_walk(request, snap)
    except BrokenWalk as e:
        return restart(request, str(e))
    answers = walk.answers()
    current = snap.question(key)
    pages = rules.pages(snap.questions, answers)
    pending = rules.first_unanswered(snap.questions, answers)
    pending = pending and rules.page_of(pending, snap.questions, answers)
    # A question that no answer calls for, or one beyond the first unanswered, is not
    # reachable yet: go to the first question still to answer. A question asked on another
    # question's page (likelihood, per concern) goes to that page.
    if (
        current is not None
        and current not in pages
        and current in rules.visible_questions(snap.questions, answers)
    ):
        return redirect(question_url(rules.page_of(current, snap.questions, answers), walk))
    if (
        current is None
        or current not in pages
        or (pending is not None and pages.index(current) > pages.index(pending))
    ):
        if pending is None:
            return redirect(guide_url("review", walk))
        return redirect(question_url(pending, walk))

    back_to_review = request.GET.get("return") == "review" or request.POST.get("return") == "review"
    position = pages.index(current)
    previous = pages[position - 1] if position else None
    context = {
        "question": current,
        "text": current.text(lang()),
        "help": current.help(lang()),
        "walk": walk,
        "step": position + 1,
        "steps": len(pages),
        "back_url": question_url(previous, walk) if previous else reverse("guidance:home"),
        "back_to_review": back_to_review,
        "acute": answers.get("acute_danger") is True,
    }
    asked = rules.questions_on(current, snap.questions, answers)
    if len(asked) > 1 or (
        current.fact in rules.PER_CONCERN_FACTS and rules.asks_per_concern(answers)
    ):
        return per_concern_page(request, snap, walk, current, asked, context)

    if request.method == "POST":
        form = question_form(
            current, lang(), snap.counties, data=single_concern_data(request.POST, current, answers)
        )
        if form.is_valid():
            walk = walk.with_answer(current.fact, form.cleaned_data[current.fact], snap.questions)
            return redirect(next_step(snap, walk, current, back_to_review))
    else:
        initial = {}
        if current.fact in walk.raw:
            initial[current.fact] = walk.raw[current.fact]
        form = question_form(current, lang(), snap.counties, initial=initial)

    context["choices"] = choices(current, form, snap.counties)
    context["errors"] = form.errors.get(current.fact, [])
    return render(request, "guidance/question.html", context)


def single_concern_data(data, question, answers):
    """With one concern, ``timing:<concern>`` is the same answer as ``timing``, so a tool
    walking a case file may post either."""
    if question.fact not in rules.PER_CONCERN_FACTS or data.get(question.fact):
        return data
    concerns = answers.get("concerns") or ()
    if len(concerns) != 1:
        return data
    own = data.get(f"{question.fact}:{next(iter(concerns))}")
    if not own:
        return data
    data = data.copy()
    data[question.fact] = own
    return data


def concern_names(snap):
    q = next((q for q in snap.questions if q.fact == "concerns"), None)
    labels = {o.value: o.label(lang()) for o in q.options} if q else {}
    return {c: labels.get(c, c) for c in rules.CONCERNS}


def per_concern_page(request, snap, walk, current, asked, context):
    """Timing and likelihood for several concerns on one page: "the same for all" first, then a
    fieldset per concern. Field names: ``timing``, ``timing:<concern>``, and so on."""
    answers = walk.answers()
    names = concern_names(snap)
    concerns = [(c, names[c]) for c in rules.CONCERNS if c in answers["concerns"]]
    if request.method == "POST":
        form = per_concern_form(asked, concerns, lang(), data=request.POST)
        if form.is_valid():
            walk = walk.with_answers(form.cleaned_data["answers"], snap.questions)
            return redirect(next_step(snap, walk, current, context["back_to_review"]))
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
                "id": f"{name.replace(':', '-')}-{i}",
            }
            for i, o in enumerate(q.options)
        ]

    errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
    context.update(
        {
            "same_for_all": [
                {
                    "name": q.fact,
                    "text": q.text(lang()),
                    "help": q.help(lang()),
                    "choices": radios(q, q.fact),
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
            "errors": errors,
        }
    )
    return render(request, "guidance/question_per_concern.html", context)


def choices(question, form, counties):
    """The answers to offer, with what is selected now (posted data, or the walk's answer)."""
    if form.is_bound:
        chosen = form.data.getlist(question.fact)
    else:
        chosen = form.initial.get(question.fact, [])
    chosen = {str(v) for v in (chosen if isinstance(chosen, (list, tuple)) else [chosen])}
    if question.kind == "county":
        options = [(number, f"{name} ({number})", "") for number, name in counties]
    else:
        options = [(o.value, o.label(lang()), o.help(lang())) for o in question.options]
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


def next_step(snap, walk, current, back_to_review):
    answers = walk.answers()
    pending = rules.first_unanswered(snap.questions, answers)
    if pending is None and back_to_review:
        return guide_url("review", walk)
    pages = rules.pages(snap.questions, answers)
    later = pages[pages.index(current) + 1 :] if current in pages else pages
    if later:
        return question_url(later[0], walk, **({"return": "review"} if back_to_review else {}))
    if pending is not None:
        return question_url(rules.page_of(pending, snap.questions, answers), walk)
    return guide_url("review", walk)


def finished_walk(request):
    """The content and a walk with every question answered, or the response that sends the
    clinician where they need to go first (a fresh start, or the first unanswered question)."""
    snap = content.snapshot()
    try:
        walk = load_walk(request, snap)
    except BrokenWalk as e:
        return snap, None, restart(request, str(e))
    answers = walk.answers()
    pending = rules.first_unanswered(snap.questions, answers)
    if pending is not None:
        page = rules.page_of(pending, snap.questions, answers)
        return snap, None, redirect(question_url(page, walk))
    county = answers.get("county")
    if county is not None and county not in dict(snap.counties):
        # The county was renumbered or removed in the admin since it was chosen (security
        # review, D5): ask for it again, then come back to the review.
        messages.warning(request, _("The list of counties has changed. Choose the county again."))
        walk = Walk({k: v for k, v in walk.raw.items() if k != "county"}, walk.browser)
        question = next(q for q in snap.questions if q.kind == "county")
        return snap, None, redirect(question_url(question, walk, **{"return": "review"}))
    return snap, walk, None


@never_cache
@require_safe
def review(request):
    snap, walk, detour = finished_walk(request)
    if detour:
        return detour
    answers = walk.answers()
    counties = dict(snap.counties)
    visible = rules.visible_questions(snap.questions, answers)
    names = concern_names(snap)
    rows = []
    for q in visible:
        value = answers[q.fact]
        if q.kind == "county":
            shown = counties.get(value, value)
        else:
            shown = q.label_of(value, lang(), names)
        page = rules.page_of(q, snap.questions, answers)
        rows.append(
            {
                "question": q.text(lang()),
                "answer": shown,
                "url": question_url(page, walk, **{"return": "review"}),
            }
        )
    return render(
        request,
        "guidance/review.html",
        {
            "rows": rows,
            "walk": walk,
            "result_url": guide_url("result", walk),
            "back_url": question_url(visible[-1], walk),
            "acute": answers.get("acute_danger") is True,
        },
    )


@never_cache
@require_safe
def result(request):
    snap, walk, detour = finished_walk(request)
    if detour:
        return detour
    outcome = rules.evaluate(snap.ruleset, walk.facts())
    context = result_context(snap, outcome, walk, clock())
    context["note"] = record_note(context, request)
    return render(request, "guidance/result.html", context)


def record_note(context, request=None):
    """The plain-text note for the patient record, from ``result_context``'s context."""
    return render_to_string("guidance/note.txt", context, request=request).strip()


def result_context(snap, outcome, walk, now):
    """Everything the result page and the record note show, in the chosen language."""
    language = lang()
    answers = outcome.facts
    questions = {q.fact: q for q in snap.questions}
    counties = dict(snap.counties)
    names = concern_names(snap)

    def answer_in_words(fact, concern=None):
        value = answers[fact]
        if fact == "county":
            return counties.get(value, value)
        if concern and fact in rules.PER_CONCERN_FACTS:
            value = rules.value_for(answers, fact, concern)
        elif concern and fact == "concerns":
            value = frozenset((concern,))
        question = questions.get(fact)
        return question.label_of(value, language, names) if question else str(value)

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
                }
                for t in outcome.rules_for(o.code)
            ]
            items.append(
                {
                    "code": o.code,
                    "kind": o.kind,
                    "kind_label": str(KIND_LABELS[o.kind]),
                    "title": o.title(language),
                    "paragraphs": [p for p in o.body(language).split("\n\n") if p.strip()],
                    "legal": o.legal_links,
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
                item["starts_kind"], kind = item["kind"] != kind, item["kind"]
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
