"""The JSON API under /api/v1/: the contract (CONTRACT.md) over HTTP, for record systems and
intranets that want the guidance where clinicians already work.

Every call is read-only and stateless: no login, nothing written to the database, no request
body or fact in any log line. Facts and case files are checked by the code `manage.py evaluate`
uses (``rules.normalize_facts``, ``cases.case_of``), so a bad fact gets the same words
here as there; the result adds what the result page shows (bodies, Lovdata links, contacts'
hours and whether they are open, the record note) through the page's own functions.

django-ninja generates the OpenAPI 3.1 description from this module. The request bodies are
checked by the contract's code rather than by pydantic, so their JSON Schemas are built from
``rules.FACTS`` and the content's keys (``facts_schema``, ``case_schema``) and describe exactly
what that code accepts, its leniencies for hand-written YAML included.
"""

import json
import logging
import math
import re
import threading
from datetime import date, datetime
from http import HTTPStatus
from typing import Literal

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError
from django.http import Http404, HttpResponse
from django.utils import timezone, translation
from ninja import Field, NinjaAPI, Schema
from ninja.errors import HttpError, Throttled, ValidationError
from ninja.openapi.docs import Swagger
from ninja.throttling import AnonRateThrottle, BaseThrottle

from . import cases, content, presenting, rules

logger = logging.getLogger(__name__)

PROBLEM_TYPE = "application/problem+json"
# An RFC 3339 date-time with an offset, as OpenAPI's "date-time" means it. Python's
# fromisoformat alone would also take a date, or a time without an offset.
RFC3339 = re.compile(r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)")

Lang = Literal["nb", "en"]
PARAMETERS = {
    "lang": "The language of titles, bodies, names and the note: bokmål (nb) or English (en).",
    "at": "When to read opening hours at, as an RFC 3339 date-time with an offset; now if left "
    "out. Hours are Europe/Oslo time.",
    "county": "A two-digit county number: national contacts and those serving the county.",
    "category": "A contact category, as outcomes name them.",
}


# ---------------------------------------------------------------------------------------------
# Problem documents (RFC 9457)


class Problem(Exception):
    """An answer other than 200, sent as an RFC 9457 problem document. ``errors`` lists
    (field, pointer, message): the field as `evaluate` names it ("facts.timing.fgm") and its
    JSON Pointer in the body ("/timing/fgm" in a body of facts; None for a query parameter)."""

    def __init__(self, status, detail, errors=()):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors


def problem_response(status, detail, errors=()):
    doc = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors:
        doc["errors"] = [
            {"field": field, "message": message} | ({"pointer": where} if where is not None else {})
            for field, where, message in errors
        ]
    return HttpResponse(
        json.dumps(doc, ensure_ascii=False), status=status, content_type=PROBLEM_TYPE
    )


def pointer(key):
    """The JSON Pointer (RFC 6901) of a key named like "facts.timing.fgm"."""
    if not key:
        return ""
    return "/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in key.split("."))


class ProblemError(Schema):
    field: str
    message: str
    pointer: str | None = None  # where in the request body; absent for a query parameter


class ProblemOut(Schema):
    type: str
    title: str
    status: int
    detail: str
    errors: list[ProblemError] | None = None


# ---------------------------------------------------------------------------------------------
# The rate limit: django-ninja's throttle over Django's cache, at the rate settings give now


class ClientRate(BaseThrottle):
    """API_RATE_LIMIT requests per client address (see NINJA_NUM_PROXIES), counted in Django's
    cache. The rate is read at each request, so a test or a settings change takes effect at
    once; the counter object is per thread, as ninja keeps state on it between the check and
    Retry-After."""

    _local = threading.local()

    def allow_request(self, request):
        rate = settings.API_RATE_LIMIT
        if not rate:
            return True
        self._local.limiter = AnonRateThrottle(rate)
        self._local.limiter.scope = "api"
        return self._local.limiter.allow_request(request)

    def wait(self):
        limiter = getattr(self._local, "limiter", None)
        return limiter.wait() if limiter else None


# ---------------------------------------------------------------------------------------------
# The API object: problem documents for every error, content-derived schemas in the OpenAPI


class ContractAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        schema = super().get_openapi_schema(**kwargs)
        snap = content.snapshot()
        counties = sorted(number for number, _ in snap.counties)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Facts"] = facts_schema(counties)
        components["CaseFile"] = case_schema(cases.ruleset_contact_slugs(snap.ruleset))
        # Optional query parameters as clients send them: a string, or left out.
        parameters = {
            "county": {"type": "string", "enum": counties},
            "category": {"type": "string", "enum": categories(snap.ruleset)},
            "at": {"type": "string", "format": "date-time"},
        }
        for operations in schema["paths"].values():
            for operation in operations.values():
                for parameter in operation.get("parameters", ()):
                    if parameter["in"] == "query" and parameter["name"] in parameters:
                        parameter["schema"] = parameters[parameter["name"]]
                        parameter["description"] = PARAMETERS[parameter["name"]]
                    elif parameter["name"] == "lang":
                        parameter["description"] = PARAMETERS["lang"]
                for status, response in operation.get("responses", {}).items():
                    if int(status) >= 400 and "content" in response:
                        response["content"] = {PROBLEM_TYPE: response["content"].popitem()[1]}
        return schema


api = ContractAPI(
    title="Avverge API",
    version="1",
    description=(
        "The guidance contract (facts, outcome codes, contact slugs, case files) as JSON, for "
        "record systems and intranets. Read-only and stateless: no login, nothing is stored, "
        "and no request body or fact is logged. Errors are RFC 9457 problem documents "
        "(application/problem+json) that name the field and what was expected. Avverge is "
        "decision support; the assessment and the decision are the health professional's own."
    ),
    urls_namespace="api",
    docs=Swagger(settings={"defaultModelsExpandDepth": 0}),
    throttle=ClientRate(),
)


@api.exception_handler(Problem)
def on_problem(request, exc):
    return problem_response(exc.status, exc.detail, exc.errors)


@api.exception_handler(ValidationError)
def on_invalid_parameter(request, exc):
    """A query parameter that does not fit (ninja's own check): 400, not ninja's 422."""
    errors = [(str(e["loc"][-1]), None, e["msg"]) for e in exc.errors]
    detail = "; ".join(f"{field}: {message}" for field, _, message in errors)
    return problem_response(400, detail or "a parameter does not fit", errors)


@api.exception_handler(Throttled)
def on_throttled(request, exc):
    seconds = math.ceil(exc.wait or 1)
    response = problem_response(
        429, f"too many requests from this client; try again in {seconds} seconds"
    )
    response["Retry-After"] = str(seconds)
    return response


@api.exception_handler(HttpError)
def on_http_error(request, exc):
    return problem_response(exc.status_code, str(exc))


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return problem_response(404, "no such resource")


@api.exception_handler(DatabaseError)
def on_database_error(request, exc):
    logger.error("API: the database did not answer (%s)", type(exc).__name__)
    return problem_response(503, "the guidance content is not available; try again later")


@api.exception_handler(Exception)
def on_error(request, exc):
    # The exception's text could hold a fact, so only its type is logged.
    logger.error("API: unexpected %s in %s", type(exc).__name__, request.path)
    return problem_response(500, "the server could not answer; nothing was stored")


PROBLEMS = {400: ProblemOut, 429: ProblemOut, 503: ProblemOut}
BODY_PROBLEMS = {**PROBLEMS, 413: ProblemOut, 415: ProblemOut}


def json_body(schema_name, description):
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}
            },
        }
    }


def read_json(request):
    """The request's JSON body, or the problem that says why not: 415, 413 or 400."""
    if request.content_type != "application/json":
        given = request.content_type or "no content type"
        raise Problem(415, f"send the body as application/json, not {given}")
    limit = settings.API_MAX_BODY_BYTES
    try:
        length = int(request.headers.get("content-length") or 0)
    except ValueError:
        length = 0
    too_big = f"the body is larger than {limit} bytes"
    if length > limit:
        raise Problem(413, too_big)
    try:
        body = request.body
    except RequestDataTooBig:
        raise Problem(413, too_big) from None
    if len(body) > limit:
        raise Problem(413, too_big)
    try:
        return json.loads(body)
    except json.JSONDecodeError as e:
        raise Problem(400, f"malformed JSON ({e})") from None
    except UnicodeDecodeError:
        raise Problem(400, "malformed JSON (not UTF-8)") from None
    except RecursionError:
        raise Problem(400, "malformed JSON (nested too deeply)") from None


def moment(at):
    """The time to read opening hours at: ``at`` (RFC 3339) in Oslo, or now."""
    if at is None:
        return presenting.clock()
    try:
        if not RFC3339.fullmatch(at):
            raise ValueError
        when = datetime.fromisoformat(at)
    except ValueError:
        raise Problem(
            400,
            f"at: expected an RFC 3339 date-time with an offset, got '{at}'",
            [("at", None, "expected an RFC 3339 date-time with an offset")],
        ) from None
    try:
        return timezone.localtime(when)
    except (OverflowError, ValueError):  # the first or last day of year 1 or 9999
        return when


def fact_problem(e, prefix="facts."):
    """A bad fact, named as `evaluate` names it; in a body of facts its pointer is the key."""
    whole = e.key == "facts"  # the body is not a mapping at all: "facts", as rules.parse_case
    field = e.key if whole else f"{prefix}{e.key}"
    where = None if not prefix else "" if whole else pointer(e.key)
    return Problem(400, f"{field}: {e.message}", [(field, where, e.message)])


# ---------------------------------------------------------------------------------------------
# Responses


class LegalLink(Schema):
    citation: str
    url: str


class OutcomeOut(Schema):
    code: str = Field(description="The outcome code (CONTRACT.md section 2).")
    kind: Literal["must", "may", "must_not", "advice"]
    section: str = Field(description="Where the result page shows it: acute, avert, sharing, …")
    title: str
    body: str = Field(description="Plain text; paragraphs are separated by a blank line.")
    legal_basis: list[str] = Field(description="Citations, as `evaluate` prints them.")
    legal_links: list[LegalLink] = Field(description="The citations with their Lovdata links.")
    categories: list[str] = Field(description="The contact categories the outcome shows.")


class PhoneOut(Schema):
    number: str
    tel: str
    label: str


class HoursOut(Schema):
    day: int = Field(ge=0, le=6, description="0 is Monday, 6 is Sunday.")
    opens: str = Field(description="HH:MM, Europe/Oslo time.")
    closes: str = Field(description="HH:MM, Europe/Oslo time.")


class ContactOut(Schema):
    slug: str = Field(description="The contact slug (CONTRACT.md section 3).")
    name: str
    phone: str | None = Field(description="The first phone number, as `evaluate` prints it.")
    phones: list[PhoneOut]
    description: str
    serves: str
    website: str | None
    email: str | None
    always_open: bool
    hours: list[HoursOut]
    hours_text: str
    hours_note: str
    open: bool | None = Field(description="Whether it answers at `at`; null: hours not known.")
    opens_next: datetime | None = Field(
        description="When it next opens after `at`, skipping Norwegian public holidays; null "
        "when it is open, open round the clock, or its hours are not known."
    )
    opens_text: str = Field(description="`opens_next` in words, as the result page says it.")
    regional: bool
    counties: list[str] | None = Field(description="The counties it serves; null: national.")
    categories: list[str]
    last_verified: date | None
    needs_review: bool


class TraceOut(Schema):
    rule: str
    outcomes: list[str]
    because: list[str]
    concern: str | None = None


class EvaluationOut(Schema):
    case: str | None = Field(description="Always null: a body of facts has no slug.")
    outcomes: list[OutcomeOut]
    contacts: list[ContactOut]
    trace: list[TraceOut] = Field(description="Each rule that fired and why.")
    at: datetime = Field(description="The time opening hours were read at.")
    note: str = Field(description="Plain text for the patient record, as the result page has it.")


class CheckOut(Schema):
    case: str
    passed: bool
    has_expect: bool
    missing_outcomes: list[str]
    unexpected_outcomes: list[str]
    missing_contacts: list[str]
    unexpected_contacts: list[str]
    problems: list[str]


class ContactsOut(Schema):
    at: datetime
    contacts: list[ContactOut]


class OutcomesOut(Schema):
    outcomes: list[OutcomeOut]


class OptionOut(Schema):
    value: str
    label: str
    help: str


class ConditionOut(Schema):
    fact: str
    op: str
    value: list[str]


class QuestionOut(Schema):
    key: str
    fact: str
    kind: str
    per_concern: bool
    order: int
    topic: str = Field(
        description="The topic the guide asks it under (consecutive questions of one topic "
        "share a page); empty: a page of its own."
    )
    topic_name: str
    text: str
    help: str
    options: list[OptionOut]
    show_when: list[ConditionOut]


class QuestionsOut(Schema):
    questions: list[QuestionOut]


def outcome_doc(o, lang):
    return {
        "code": o.code,
        "kind": o.kind,
        "section": o.section,
        "title": o.title(lang),
        "body": o.body(lang),
        "legal_basis": list(o.legal_basis),
        "legal_links": [{"citation": c, "url": u} for c, u in o.legal_links],
        "categories": list(o.categories),
    }


def contact_doc(contact, card):
    """A contact: the contract's slug, name and phone, and the result page's card."""
    return {
        **card,
        "phone": contact.phone,
        "open": card["open_now"],
        "always_open": bool(card["always_open"]),
        "needs_review": bool(card["needs_review"]),
        "hours": [
            {"day": h["day"], "opens": f"{h['opens']:%H:%M}", "closes": f"{h['closes']:%H:%M}"}
            for h in card["hours"]
        ],
    }


def categories(ruleset):
    found = {c for contact in ruleset.contacts for c in contact.categories}
    found |= {c for outcome in ruleset.outcomes.values() for c in outcome.categories}
    return sorted(found)


# ---------------------------------------------------------------------------------------------
# Endpoints


@api.post(
    "/evaluate",
    response={200: EvaluationOut, **BODY_PROBLEMS},
    exclude_unset=True,
    openapi_extra=json_body("Facts", "The facts of one case (CONTRACT.md section 1)."),
    summary="Evaluate the facts of one case",
)
def evaluate(
    request,
    lang: Lang = "nb",
    at: str | None = None,
):
    """What `manage.py evaluate` prints for one case (outcomes, contacts, trace), with each
    outcome's body and Lovdata links, each contact's phones, hours and whether it is open at
    `at` (RFC 3339; default now, read in Europe/Oslo time), and the note for the patient
    record."""
    raw = read_json(request)
    now = moment(at)
    snap = content.snapshot()
    try:
        result = rules.evaluate(snap.ruleset, raw)
    except rules.FactError as e:
        raise fact_problem(e) from None
    doc = rules.result_as_dict(None, result, lang)
    with translation.override(lang):
        context = presenting.result_context(snap, result, now, lang)
        note = presenting.record_note(context)
    doc["outcomes"] = [
        {**listed, **outcome_doc(o, lang)}
        for listed, o in zip(doc["outcomes"], result.outcomes, strict=True)
    ]
    doc["contacts"] = [
        {**listed, **contact_doc(c, card)}
        for listed, c, card in zip(
            doc["contacts"], result.contacts, context["contacts"], strict=True
        )
    ]
    return {**doc, "at": now, "note": note}


@api.post(
    "/check",
    response={200: CheckOut, **BODY_PROBLEMS},
    openapi_extra=json_body("CaseFile", "A case file (CONTRACT.md section 4) as JSON."),
    summary="Compare a case file with its expect block",
)
def check(request):
    """What `manage.py evaluate --check` says for one case file: whether the rules give what its
    `expect` block asks, and what is missing or should not be there."""
    doc = read_json(request)
    ruleset = content.snapshot().ruleset
    try:
        case = cases.case_of(doc, cases.ruleset_contact_slugs(ruleset), ruleset.counties)
    except cases.CaseFileError as e:
        detail = str(e)
        message = detail.removeprefix(f"{e.key}: ") if e.key else detail
        raise Problem(400, detail, [(e.key or "", pointer(e.key), message)]) from None
    outcome = rules.check_case(ruleset, case)
    return {
        "case": case.slug,
        "passed": outcome.passed,
        "has_expect": case.has_expect,
        "missing_outcomes": list(outcome.missing_outcomes),
        "unexpected_outcomes": list(outcome.unexpected_outcomes),
        "missing_contacts": list(outcome.missing_contacts),
        "unexpected_contacts": list(outcome.unexpected_contacts),
        "problems": outcome.problems(),
    }


@api.get("/contacts", response={200: ContactsOut, **PROBLEMS}, summary="Contacts")
def contacts(
    request,
    county: str | None = None,
    category: str | None = None,
    lang: Lang = "nb",
    at: str | None = None,
):
    """The contacts, in the guide's order: those that serve `county` (national ones and the
    county's regional ones), of `category` when given, each with whether it is open at `at`
    (RFC 3339; default now, read in Europe/Oslo time)."""
    now = moment(at)
    snap = content.snapshot()
    ruleset = snap.ruleset
    chosen: list[rules.Contact] | tuple[rules.Contact, ...] = ruleset.contacts
    if county is not None:
        try:
            county = rules.parse_value("county", county, ruleset.counties)
        except rules.FactError as e:
            raise fact_problem(e, prefix="") from None
        chosen = [c for c in chosen if c.serves(county)]
    if category is not None:
        known = categories(ruleset)
        if category not in known:
            message = f"unknown category '{category}'; expected one of {', '.join(known)}"
            raise Problem(400, f"category: {message}", [("category", None, message)])
        chosen = [c for c in chosen if category in c.categories]
    return {
        "at": now,
        "contacts": [contact_doc(c, presenting.contact_card(c, lang, now, snap)) for c in chosen],
    }


@api.get("/outcomes", response={200: OutcomesOut, **PROBLEMS}, summary="Outcomes")
def outcomes(request, lang: Lang = "nb"):
    """Every outcome of the rule table, in the order a result lists them: code, kind, section,
    title, body, legal basis with Lovdata links, and the contact categories it shows."""
    ruleset = content.snapshot().ruleset
    ordered = sorted(ruleset.outcomes.values(), key=lambda o: o.sort_key)
    return {"outcomes": [outcome_doc(o, lang) for o in ordered]}


@api.get("/questions", response={200: QuestionsOut, **PROBLEMS}, summary="The questionnaire")
def questions(request, lang: Lang = "nb"):
    """The guide's questions in order, so another front end can ask the same: the fact each
    sets, its options (the contract's values; counties for `county`), and `show_when`, the
    conditions on earlier answers under which it is asked (all must hold; a condition on a fact
    not yet answered does not). With more than one concern, `per_concern` questions take one
    answer per concern (CONTRACT.md section 1)."""
    snap = content.snapshot()
    found = []
    for q in snap.questions:
        if q.kind == "county":
            options = [{"value": n, "label": name, "help": ""} for n, name in snap.counties]
        else:
            options = [
                {"value": o.value, "label": o.label(lang), "help": o.help(lang)} for o in q.options
            ]
        found.append(
            {
                "key": q.key,
                "fact": q.fact,
                "kind": q.kind,
                "per_concern": q.fact in rules.PER_CONCERN_FACTS,
                "order": q.order,
                "topic": q.topic,
                "topic_name": rules.topic_name(q.topic, lang),
                "text": q.text(lang),
                "help": q.help(lang),
                "options": options,
                "show_when": [
                    {"fact": c.fact, "op": c.op, "value": list(c.value)} for c in q.show_when
                ],
            }
        )
    return {"questions": found}


# ---------------------------------------------------------------------------------------------
# Request bodies' JSON Schemas, from the contract's fact table


def facts_schema(counties):
    """What ``rules.normalize_facts`` accepts, as a JSON Schema: the contract's values, the
    leniencies for hand-written YAML (a lone concern, "true"/"false", yes/no as booleans, an
    unquoted county number, null for an omitted fact) and the known counties. One rule is left
    to the description: a per-concern mapping names exactly the case's concerns. It can be
    written as nine if-then clauses, but no generator (Schemathesis included) can draw
    examples from them, and the description is for them as much as for people."""
    properties = {}
    for name, spec in rules.FACTS.items():
        if spec.kind == "list":
            forms = [
                {"type": "array", "items": {"enum": list(spec.values)}, "minItems": 1},
                {"enum": list(spec.values)},
            ]
        elif spec.kind == "bool":
            forms = [
                {"type": "boolean"},
                {"type": "string", "pattern": "^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])$"},
            ]
        elif spec.kind == "county":
            forms = [{"enum": list(counties)}, {"enum": [int(n) for n in counties]}]
            if not counties:
                forms = [{"type": "string", "pattern": "^[0-9][0-9]$"}]
        else:
            forms = [{"enum": list(spec.values)}]
            if spec.values == rules.YES_NO_UNKNOWN:
                forms.append({"type": "boolean"})
        if spec.per_concern:
            forms.append(
                {
                    "type": "object",
                    "propertyNames": {"enum": list(rules.CONCERNS)},
                    "additionalProperties": {"enum": list(spec.values)},
                }
            )
        if not spec.required:
            forms.append({"type": "null"})
        properties[name] = {"anyOf": forms} if len(forms) > 1 else forms[0]
    return {
        "title": "Facts",
        "description": (
            "The facts of a case (CONTRACT.md section 1). concerns, timing and county are "
            "required; an omitted fact takes its neutral value. timing and likelihood take one "
            "value, or a mapping that gives a value for each of the case's concerns and names "
            "no other (a rule JSON Schema cannot state: the API answers 400 when it is broken)."
        ),
        "type": "object",
        "properties": properties,
        "required": [name for name, spec in rules.FACTS.items() if spec.required],
        "additionalProperties": False,
    }


def case_schema(slugs):
    """What ``cases.case_of`` accepts: a case file (CONTRACT.md section 4)."""

    def expectation(known):
        codes = {"type": "array", "items": {"enum": list(known)}}
        block = {
            "type": "object",
            "properties": {"include": codes, "exclude": codes},
            "additionalProperties": False,
        }
        return {"anyOf": [block, {"type": "null"}]}

    text = {"anyOf": [{"type": "string"}, {"type": "null"}], "description": "Shown as text."}
    prompts = {
        "anyOf": [
            {
                "type": "object",
                "properties": {fact: {"type": "string"} for fact in rules.FACTS},
                "additionalProperties": False,
            },
            {"type": "null"},
        ],
        "description": "Discussion prompts for trainers, by fact.",
    }
    return {
        "title": "CaseFile",
        "type": "object",
        "properties": {
            # (?!\n): Python's $ would also match before a final newline.
            "slug": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*(?!\n)$"},
            "title": text,
            "summary": text,
            "title_en": text,
            "summary_en": text,
            "prompts": prompts,
            "facts": {"$ref": "#/components/schemas/Facts"},
            "expect": {
                "anyOf": [
                    {
                        "type": "object",
                        "properties": {
                            "outcomes": expectation(rules.OUTCOME_CODES),
                            "contacts": expectation(slugs),
                        },
                        "additionalProperties": False,
                    },
                    {"type": "null"},
                ]
            },
        },
        "required": ["slug", "facts"],
        "additionalProperties": False,
    }
