"""The clinician's guide: start, a page of questions per topic, review, result.

Every view has one shape: load the content snapshot and the walk, validate, act, redirect
(post/redirect/get). The walk's answers travel in an encrypted token in the URL or form, so the
guide writes nothing to the database and any app server can answer any step.
"""

import functools
import logging
import sys
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.db import DatabaseError, connection
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import get_template, render_to_string
from django.test.signals import template_rendered
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_safe
from markupsafe import escape

from avverge import csrf
from avverge.postgresql.base import answer_within

from . import cards, content, jinja, presenting, rules, sealing
from .forms import page_answers, page_form, per_concern_form
from .logs import is_unavailable
from .presenting import lang
from .walk import BrokenWalk, Walk

logger = logging.getLogger(__name__)

# The county of the clinician's workplace, remembered on the device for the next walk. It holds
# the county number and nothing else (nothing about the patient); "Avslutt" leaves it.
COUNTY_COOKIE = "avverge_county"
COUNTY_COOKIE_AGE = 365 * 24 * 60 * 60


@functools.lru_cache(maxsize=1024)
def _path(urlconf, prefix, name, args):
    return reverse(name, urlconf=urlconf, args=args)


def url_of(name, *args):
    """``reverse(name, args=args)``, worked out once: the guide's pages build several URLs a
    request, and the same ones every time. Keyed on the URLconf and script prefix, and on
    nothing about a walk (the arguments are question keys)."""
    return _path(get_urlconf(settings.ROOT_URLCONF), get_script_prefix(), name, args)


def urls_of(name):
    """``url_of`` for one name and many arguments, with the URLconf and prefix read once."""
    urlconf, prefix = get_urlconf(settings.ROOT_URLCONF), get_script_prefix()
    return lambda *args: _path(urlconf, prefix, name, args)


def guide_url(name, walk, *args, **params):
    """The URL of a guide step carrying the walk's token (and any extra parameters)."""
    # The token is URL-safe as it is (sealing.TOKEN): quoting its few hundred characters
    # cost more than the rest of the URL.
    query = "&".join(
        part
        for part in (
            f"s={walk.token}" if walk.token else "",
            urlencode({k: v for k, v in params.items() if v}),
        )
        if part
    )
    url = url_of(f"guidance:{name}", *args)
    return f"{url}?{query}" if query else url


def page_url(page, walk, **params):
    """The URL of a page of questions: its first question's address."""
    return guide_url("question", walk, page.key, **params)


def step_url(page, walk, **params):
    """The URL of ``page``, or of the review where the walk has no page left (None)."""
    return page_url(page, walk, **params) if page else guide_url("review", walk)


# What django.utils.cache.add_never_cache_headers writes on a response without headers of its
# own about caching.
NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"


def never_cache(view):
    """Django's never_cache for the walk's pages, which show a walk's answers: its headers
    written at once, rather than parsed and merged twice (a tenth of a question page's own
    work). A response that says something of its own about caching is merged as Django does."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if "Cache-Control" in response or "Expires" in response:
            add_never_cache_headers(response)
        else:
            response.headers["Expires"] = http_date(time.time())
            response.headers["Cache-Control"] = NEVER_CACHE
        return response

    return wrapper


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
        pending = walk.route(snap.questions).pending
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
    route = walk.route(snap.questions)
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
    if request.method != "POST" and not has_messages(request):
        return question_page(request, snap, walk, route, page, keep, language)
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

    context = question_context(snap, walk, route, page, keep, language, chosen, errors)
    return render(request, QUESTION_PAGE, context)


def question_context(snap, walk, route, page, keep, language, chosen, errors):
    """What the page of questions shows: its questions with ``chosen`` (values by fact)
    checked and ``errors`` (messages by fact), and what every page shows (page_context)."""
    fields = [
        {
            "fact": q.fact,
            "kind": q.kind,
            "text": q.text(language),
            "help": q.help(language),
            "choices": choices(q, chosen[q.fact], snap, language),
            "errors": errors.get(q.fact, []),
        }
        for q in page.questions
    ]
    context = page_context(snap, walk, route, page, keep, language)
    context["fields"] = fields
    context["error_summary"] = [
        {"text": f["text"], "message": " ".join(f["errors"]), "href": f"#{first_id(f)}"}
        for f in fields
        if f["errors"]
    ]
    return context


QUESTION_PAGE = "guidance/question.html"


def question_page(request, snap, walk, route, page, keep, language):
    """A page of questions without errors or messages, from its skeleton (jinja.skeleton):
    the page as the content has it, with the walk's token, the CSRF token, the address, the
    Back link and the checked answers filled in for this request. The page's whole context is
    built only where the skeleton is rendered (or the page must be rendered whole)."""

    def context():
        chosen = {q.fact: walk.raw.get(q.fact, []) for q in page.questions}
        return question_context(snap, walk, route, page, keep, language, chosen, {})

    # The questions a page shows depend on earlier answers (show_when): the key names them.
    asked = tuple(q.fact for q in page.questions)
    key = (page.key, asked, is_acute(walk), bool(keep))
    pieces = jinja.skeleton(QUESTION_PAGE, key, lambda: blank_question_page(context()))
    if pieces is None:
        return render(request, QUESTION_PAGE, context())
    values = {
        "token": escape(walk.token),
        "back": escape(back_url(route, page, walk)),
        "path": escape(request.get_full_path()),
        "csrf": csrf.form_input(request),
    }
    chosen = set()
    for q in page.questions:
        picked = picked_values(walk.raw.get(q.fact, []))
        chosen.update(id_ for value, _l, _h, id_ in offered(q, snap, language) if value in picked)
    return skeleton_response(request, QUESTION_PAGE, pieces, values, chosen, context)


def skeleton_response(request, name, pieces, values, chosen, context):
    """The page of template ``name`` from its skeleton's ``pieces`` (jinja.fill); ``context()``
    is what a whole render would have been given (for tests: response.context)."""
    response = HttpResponse(jinja.fill(pieces, values, chosen))
    if template_rendered.receivers:
        template = get_template(name).template
        template_rendered.send(sender=skeleton_response, template=template, context=context())
    return response


class BlankRequest:
    """The request a skeleton is rendered with: its address is a hole, and it has no
    messages (a page with messages is rendered whole)."""

    def get_full_path(self):
        return jinja.hole("path")


def blank_question_page(context):
    """``context`` with a hole for everything that is the walk's or the request's."""
    fields = [
        {**f, "choices": [{**c, "checked": jinja.hole(c["id"])} for c in f["choices"]]}
        for f in context["fields"]
    ]
    return {
        **context,
        "fields": fields,
        "walk": {"token": jinja.hole("token")},
        "back_url": jinja.hole("back"),
        "csrf_input": jinja.hole("csrf"),
        "request": BlankRequest(),
    }


def has_messages(request):
    """Whether the request brings messages to show (without marking them shown)."""
    storage = getattr(request, "_messages", None)
    return bool(storage is not None and len(storage))


def page_context(snap, walk, route, page, keep, language):
    """What every page of questions shows besides its questions: the topic, the progress and
    the way back."""
    # A page's place depends on the questionnaire alone (its first question's order).
    step, steps = presenting.content_memo(
        snap, ("progress", page.key), lambda: rules.progress(page, snap.questions)
    )
    return {
        "page": page,
        "topic": rules.topic_name(page.topic, language),
        "walk": walk,
        "step": step,
        "steps": steps,
        "back_url": back_url(route, page, walk),
        "back_to_review": bool(keep),
        "acute": is_acute(walk),
    }


def back_url(route, page, walk):
    """Where Back leads from ``page``: the page before it, or home from the first."""
    before = route.before(page)
    return page_url(before, walk) if before else reverse("guidance:home")


def is_acute(walk):
    return walk.answers.get("acute_danger") is True


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
    """Every concern's label in the page's language, by code (made once per content)."""
    language = lang()

    def make():
        labels = presenting.concern_names(snap, language)
        return {c: labels.get(c, c) for c in rules.CONCERNS}

    return presenting.content_memo(snap, ("concern names by code", language), make)


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
    context = page_context(snap, walk, route, page, keep, lang())
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


def choices(question, chosen, snap, language):
    """The answers to offer, with what is selected now: ``chosen``, the posted values or the
    walk's answer."""
    chosen = picked_values(chosen)
    return [
        {"value": value, "label": label, "help": help, "checked": value in chosen, "id": id_}
        for value, label, help, id_ in offered(question, snap, language)
    ]


def picked_values(chosen):
    """The values chosen, as the page's controls hold them (strings), from a list or one."""
    return {str(v) for v in (chosen if isinstance(chosen, (list, tuple)) else [chosen])}


def offered(question, snap, language):
    """A question's answers (value, label, help, control id) in ``language``: the same for
    every walk, so made once per content."""

    def make():
        if question.kind == "county":
            options = [(number, f"{name} ({number})", "") for number, name in snap.counties]
        else:
            options = [(o.value, o.label(language), o.help(language)) for o in question.options]
        return [(v, label, h, f"{question.fact}-{i}") for i, (v, label, h) in enumerate(options)]

    return presenting.content_memo(snap, ("offered", question.fact, language), make)


@never_cache
@require_safe
@finished_walk
def review(request, snap, walk):
    answers = walk.answers
    counties = dict(snap.counties)
    found = walk.route(snap.questions).pages
    names = concern_names(snap)
    remembered = remembered_county(request, snap)
    language = lang()
    # Every row's link carries the same token: quote it once, not once a row.
    back_here = urlencode({"s": walk.token, "return": "review"})
    rows = []
    question_url = urls_of("guidance:question")
    for page in found:
        url = f"{question_url(page.key)}?{back_here}"
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
    outcome = rules.evaluate(snap.ruleset, walk.raw)  # the engine fills in the neutral values
    context = presenting.result_context(snap, outcome, presenting.clock(), lang())
    context["walk"] = walk
    context["review_url"] = guide_url("review", walk)
    # The record is written in bokmål whatever the page's language; English on request.
    context["note"] = presenting.record_note(context, "nb")
    context["note_en"] = presenting.record_note(context, "en")
    phrases = presenting.phrasebook(snap, context["language"])
    context.update(
        based_on=cards.based_on(context["county"], context["now"], phrases),
        do_now_card=cards.do_now(
            context["call_now"], context["do_now"], context["summary"], phrases
        ),
        toc=cards.toc(context["sections"]),
        sections_html=cards.sections(context["sections"], context["contacts"]),
    )
    if has_messages(request):
        return render(request, RESULT_PAGE, context)
    return result_page(request, context)


RESULT_PAGE = "guidance/result.html"
# What the result page shows of the walk: each is a hole in its skeleton.
RESULT_HOLES = ("based_on", "do_now_card", "toc", "sections_html", "review_url", "note", "note_en")


def result_page(request, context):
    """The result page from its skeleton (jinja.skeleton): the page's frame as the content
    has it (headings, buttons, the note's help), with the walk's parts filled in."""
    acute = bool(context["acute"])

    def blank():
        # Nothing else of the context: what the frame would show of it would be kept.
        holes = {name: jinja.hole(name) for name in RESULT_HOLES}
        return {**holes, "acute": acute, "request": BlankRequest()}

    pieces = jinja.skeleton(RESULT_PAGE, ("result", acute), blank)
    if pieces is None:
        return render(request, RESULT_PAGE, context)
    values = {name: escape(context[name]) for name in RESULT_HOLES}
    values["path"] = escape(request.get_full_path())
    return skeleton_response(request, RESULT_PAGE, pieces, values, (), lambda: context)


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
