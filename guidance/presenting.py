"""What the guide's result and the trainer's reveal both show, from plain inputs: the sections
with their outcome cards and "why", the "do this now" list and the numbers to call, the
contact cards with their hours, and the note for the patient record.

The guide (views.py), the trainer (trainer.py), the JSON API and the admin read these from
here, so a trainer teaches what the guide says; nothing here knows about a walk's token.
"""

import re
from contextlib import nullcontext
from html import escape

import phonenumbers
from django.utils import formats, timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext, gettext_lazy, gettext_noop, override
from django.utils.translation import gettext as _

from . import rules
from .vocabulary import FACT_NAMES, KIND_LABELS, SECTION_TITLES

# The sections whose conclusion the top of the result sums up in one line each.
SUMMARY_SECTIONS = ("avert", "sharing", "interpreter", "care", "referral")
# Ages at which the parents as a rule have a right to information (pbrl § 3-4).
UNDER_16 = ("child_under_14", "child_14_15", "unknown")


def clock():
    """Now, in Oslo. A function of its own so tests can freeze it."""
    return timezone.localtime(timezone.now())


def lang():
    """The page's language as the content keeps its texts: "nb" or "en"."""
    return "en" if (get_language() or "nb").startswith("en") else "nb"


# What depends on nothing but the content (a contact's numbers and hours in words, the
# questions by fact): made once while a snapshot is the content served, and dropped with it
# when an editor's save brings a new one. Never anything from a walk.
_memo: tuple[object, dict] = (None, {})


def content_memo(snap, key, make):
    """``make()``, made once for ``snap`` and ``key`` (which names content and a language)."""
    global _memo
    held, found = _memo
    if held is not snap:
        found = {}
        _memo = (snap, found)
    if key not in found:
        found[key] = make()
    return found[key]


def speaking(language):
    """``override(language)``, or nothing where ``language`` is the language already: a
    switch costs more than most of what a result says under it."""
    return nullcontext() if get_language() == language else override(language)


def phrasebook(snap, language):
    """A gettext for ``language`` that keeps its answers while ``snap`` is served: a result
    asks for some ninety of the interface's fixed phrases, each a catalogue lookup under a
    language switch. For the interface's own literal phrases only, never for text from a walk
    (so it is used as ``_``, and makemessages finds the phrases as before)."""
    book = content_memo(snap, ("phrases", language), dict)

    def translate(message):
        found = book.get(message)
        if found is None:
            with override(language):
                found = book[message] = gettext(message)
        return found

    return translate


def vocabulary(snap, language):
    """vocabulary.py's words (kinds, section headings, fact names) in ``language``, as plain
    strings made once per content: not a lazy translation per use."""

    def make():
        with override(language):
            return {
                "kinds": {k: str(v) for k, v in KIND_LABELS.items()},
                "sections": {k: str(v) for k, v in SECTION_TITLES.items()},
                "facts": {k: str(v) for k, v in FACT_NAMES.items()},
            }

    return content_memo(snap, ("vocabulary", language), make)


def record_note(context, language=None):
    """The plain-text note for the patient record, from ``result_context``'s context, in
    ``language`` (default: the page's)."""
    language = language or context["language"]
    lines = note_lines(context["record"][language])
    # The note keeps one blank line between blocks, none doubled, no trailing spaces.
    lines = [line.rstrip() for line in "\n".join(lines).strip().splitlines()]
    kept = [line for i, line in enumerate(lines) if line or (i and lines[i - 1])]
    return "\n".join(kept)


def note_lines(note):
    """The note's lines, from ``note_context``, in its language. Plain text built here
    rather than in a template: the result page writes it twice (bokmål and English), and a
    template's tags cost more than the rest of the note."""
    _ = note["gettext"]  # the note's language's phrasebook
    now = note["now"]
    day = f"{now.day}.{now.month}.{now.year}"  # "j.n.Y", the same in both languages
    lines = [
        _("Assessment of suspected violence, abuse or human trafficking"),
        # The phrases outside the f-strings: xgettext does not read calls inside one.
        _("Date and time of the assessment:") + f" {day} {now:%H:%M}",
        _("Assessed by (name, position):") + " ___",
        "",
        _("Assessed %(date)s") % {"date": day},
        _("Suspicion of:") + f" {note['concerns_text']}.",
        *(f"{name}: {value}." for name, value in note["assessed"]),
        "",
        _("Conclusion %(date)s") % {"date": day},
    ]
    for group in note["groups"]:
        lines.append(f"{group['heading']}:")
        lines += [f"- {line}" for line in group["lines"]]
    if note["child"]:
        uncertain = _("The age is uncertain and the patient may be under 16.")
        lines += [
            _("Parents' access:"),
            "- "
            + (f"{uncertain} " if note["age_unknown"] else "")
            + _(
                "Parents of a patient under 16 as a rule have a right to information, also "
                "about what the record says. It is withheld when the patient is 12 to 16 and "
                "has reasons that should be respected, or when weighty considerations for the "
                "patient speak against it, for example when a parent may be the one using "
                "violence (pbrl § 3-4)."
            ),
            "- " + _("Parents' access assessed: ___"),
        ]
    lines += ["", _("Contacts"), *(f"- {entry}" for entry in note["contacts"]), ""]
    lines += [_("Done (date and time: ___)"), *(f"- {line}" for line in note["done"])]
    lines.append("- " + _("Other: ___"))
    return lines


def result_context(snap, outcome, now, language):
    """Everything the result page and the record note show, in ``language``: for the engine's
    ``outcome``, at ``now``."""
    # The interface's own words (headings, kinds, weekdays) in ``language`` as well, whatever
    # the request's language is.
    with speaking(language):
        return _result_context(snap, outcome, now, language)


def _result_context(snap, outcome, now, language):
    _ = phrasebook(snap, language)
    answers = outcome.facts
    questions = questions_by_fact(snap)
    counties = counties_by_number(snap)
    section_titles = vocabulary(snap, language)["sections"]

    asked = question_texts(snap, language)
    said = {}  # this request's answers in words: the "why" of each rule repeats them
    rows = {}  # and the "why"'s rows, each the same for every rule that tested its fact
    lines = {}  # and those rows in HTML (why_html)

    def answer_in_words(fact, concern=None):
        if (fact, concern) not in said:
            said[fact, concern] = words(snap, answers, fact, concern, language)
        return said[fact, concern]

    def row(fact, concern):
        found = rows.get((fact, concern))
        if found is None:
            found = rows[fact, concern] = {
                "question": asked.get(fact, fact),
                "answer": answer_in_words(fact, concern),
            }
        return found

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
                    "answers": [row(f, t.concern) for f in t.facts],
                    # For "stay alert": the threshold of the duty that the answers did not meet.
                    "unmet": [
                        {
                            "question": asked.get(c.fact, c.fact),
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
            # The conditional paragraphs that fit, by their place in the outcome's text.
            shown = tuple(i for i, p in enumerate(o.paragraphs) if p.fits(answers, codes))
            items.append(
                {
                    "code": o.code,
                    "kind": o.kind,
                    **outcome_text(snap, o, shown, language),
                    "why": why,
                    "why_html": why_html(why, _, lines),
                    "added": False,  # the trainer's what-if mark (trainer.mark_changes)
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
                    "title": section_titles[section],
                    "items": items,
                    "avert_crossref": crossref,
                }
            )

    contacts = [contact_card(c, language, now, snap) for c in outcome.contacts]
    interpreter = answers["needs_interpreter"]
    return {
        "sections": sections,
        "contacts": contacts,
        "do_now": do_now(outcome, language),
        "call_now": call_now(outcome, contacts),
        "summary": summary_lines(snap, outcome, language),
        "record": {lang_: note_context(snap, outcome, lang_, now) for lang_ in ("nb", "en")},
        "language": language,
        "now": now,
        "county": counties.get(answers["county"], answers["county"]),
        "interpreter": interpreter,
        "acute": answers["acute_danger"],
    }


def outcome_text(snap, o, shown, language):
    """What an outcome card says besides its "why", in ``language``, with the conditional
    paragraphs at the places ``shown``: made once per content, keyed by the outcome and the
    paragraphs (content, not a walk). Shared between requests: do not change it."""

    def make():
        fitting = [o.paragraphs[i] for i in shown]
        paragraphs = [p for p in o.body(language).split("\n\n") if p.strip()]
        paragraphs += [p.text(language) for p in fitting if p.text(language).strip()]
        legal = dict.fromkeys(o.legal_links + sum((p.legal_links for p in fitting), ()))
        return {
            # The key of the card's cached text (partials/outcome.html).
            "text_key": f"{o.code}:{'.'.join(map(str, shown))}",
            "kind_label": vocabulary(snap, language)["kinds"][o.kind],
            "title": o.title(language),
            "paragraphs": tuple(paragraphs),
            # Long texts show their first paragraph and fold the rest.
            "lead": tuple(paragraphs[:1]),
            "more": tuple(paragraphs[1:]),
            "legal": tuple(legal),
        }

    return content_memo(snap, ("outcome", o.code, shown, language), make)


def why_html(why, _=_, lines=None):
    """The "why" list of an outcome card (partials/outcome.html): the one part of a card made
    from the walk's answers, so it is made for every request; here, because the template's
    nested loops cost more than the rest of the card. ``_``: the result's phrasebook; ``lines``:
    a dict for the rows already written, by question and answer (the cards of a result share
    most of them). Every text is escaped, as format_html would."""
    # The phrases outside the f-strings: xgettext does not read calls inside one.
    always = escape(_("always"))
    needed = _("(needed: %(needed)s)")
    not_met = escape(_("What the answers did not meet:"))
    lines = {} if lines is None else lines
    items = []
    for rule in why:
        if rule["answers"]:
            reasons = []
            for a in rule["answers"]:
                key = (a["question"], a["answer"])
                line = lines.get(key)
                if line is None:
                    line = f"<li>{escape(key[0])} <strong>{escape(key[1])}</strong></li>"
                    lines[key] = line
                reasons.append(line)
            reasons = f"<ul>{''.join(reasons)}</ul>"
        elif not rule["unmet"]:
            reasons = f'<span class="text-body-secondary"> ({always})</span>'
        else:
            reasons = ""
        unmet = ""
        if rule["unmet"]:
            unmet = "".join(
                f"<li>{escape(a['question'])} <strong>{escape(a['answer'])}</strong> "
                f"{escape(needed % {'needed': a['needed']})}</li>"
                for a in rule["unmet"]
            )
            unmet = f'<p class="mb-0 mt-1">{not_met}</p><ul class="unmet">{unmet}</ul>'
        items.append(
            f'<li><span lang="nb">{escape(rule["rule"])}</span>\n{reasons}\n{unmet}\n</li>'
        )
    return mark_safe("\n".join(items))


def words(snap, answers, fact, concern=None, language="nb"):
    """An answer in words: the county's name, or the answer's label (for ``concern`` only,
    when the fact is answered per concern)."""
    value = answers[fact]
    if fact == "county":
        return counties_by_number(snap).get(value, value)
    if concern and fact in rules.PER_CONCERN_FACTS:
        value = rules.value_for(answers, fact, concern)
    elif concern and fact == "concerns":
        value = frozenset((concern,))
    question = questions_by_fact(snap).get(fact)
    names = concern_names(snap, language) if fact in rules.PER_CONCERN_FACTS else {}
    return question.label_of(value, language, names) if question else str(value)


def question_texts(snap, language):
    """Each question's text by its fact, in ``language``."""

    def make():
        return {q.fact: q.text(language) for q in snap.questions}

    return content_memo(snap, ("question texts", language), make)


def questions_by_fact(snap):
    return content_memo(snap, ("questions",), lambda: {q.fact: q for q in snap.questions})


def counties_by_number(snap):
    return content_memo(snap, ("counties",), lambda: dict(snap.counties))


def concern_names(snap, language):
    """The concerns' labels by code, as the concerns question offers them."""

    def make():
        concerns = questions_by_fact(snap).get("concerns")
        return {o.value: o.label(language) for o in concerns.options} if concerns else {}

    return content_memo(snap, ("concern names", language), make)


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
    names = vocabulary(snap, language)["facts"]
    seen = []
    for t in outcome.rules_for(code):
        for c in t.unmet:
            answer = words(snap, outcome.facts, c.fact, t.concern, language)
            line = f"{names.get(c.fact, c.fact)} ({answer})"
            if line not in seen:
                seen.append(line)
    return seen


def summary_lines(snap, outcome, language):
    """One line per section: its conclusion, from the outcomes' own summary lines."""
    _ = phrasebook(snap, language)
    titles = {"sharing": _("Sharing"), "avert": _("Duty to avert")}
    section_titles = vocabulary(snap, language)["sections"]
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
                    "title": titles.get(section, section_titles[section]),
                    "text": " ".join(texts),
                    "unmet": unmet,
                }
            )
    return lines


def lowered(labels):
    """Labels in a running sentence: every label after the first starts in lower case."""
    return [label if i == 0 else label[:1].lower() + label[1:] for i, label in enumerate(labels)]


# The note's groups of conclusions: (heading, the sections whose outcomes it lists).
NOTE_GROUPS = (
    (gettext_noop("Duty to avert"), ("acute", "avert")),
    (gettext_noop("Sharing of information"), ("sharing",)),
    (gettext_noop("Interpreter"), ("interpreter",)),
    (gettext_noop("Conversation and follow-up"), ("care", "referral", "documentation")),
)
NOTE_GROUP_OF = {section: i for i, (_h, sections) in enumerate(NOTE_GROUPS) for section in sections}


def note_context(snap, outcome, language, now):
    """What the record note says, in ``language``: the assessment in the third person, the
    conclusions with their legal basis, the contacts with a way to reach each once, and a
    line with blanks for each thing to be done. Every word comes from the content, the
    phrasebook or a memo made in ``language``, so no language switch is needed here."""
    _ = phrasebook(snap, language)
    names = vocabulary(snap, language)["facts"]
    answers = outcome.facts
    concerns = [o.label(language) for o in concern_options(snap) if o.value in answers["concerns"]]
    assessed = [
        (names["person_age"], words(snap, answers, "person_age", None, language)),
        (names["timing"], words(snap, answers, "timing", None, language)),
        (names["likelihood"], words(snap, answers, "likelihood", None, language)),
    ]
    grouped = [[] for _group in NOTE_GROUPS]
    done = {}
    shared_alone = False  # an outcome asks what was shared on its own
    for o in outcome.outcomes:
        done_line = o.line("done", language)
        done[done_line] = None
        if o.section == "sharing" and o.kind in ("may", "must_not") and done_line:
            shared_alone = True
        text = o.line("note", language)
        group = NOTE_GROUP_OF.get(o.section)
        if group is None or not text:
            continue
        if o.legal_basis:
            text = f"{text} ({o.legal_basis[0]})"
        if o.code == "AVERT_WATCH":
            unmet = unmet_in_words(snap, outcome, o.code, language)
            if unmet:
                text += " " + _("Not met: %(what)s.") % {"what": "; ".join(unmet)}
        grouped[group].append(text)
    groups = [
        {"heading": _(heading), "lines": lines}
        for (heading, _sections), lines in zip(NOTE_GROUPS, grouped, strict=True)
        if lines
    ]
    contacts = []
    for c in outcome.contacts:
        entry = note_contact(snap, c, language)
        # A contact nobody can reach is no help in a record.
        if entry and entry not in contacts:
            contacts.append(entry)
    done = list(done)
    if not shared_alone:
        # No outcome asks what was shared on its own: blanks for with whom, or why not.
        done.insert(
            1, _("Information given to: ___, date ___, basis: ___ / not shared because: ___")
        )
    return {
        "gettext": _,  # for note_lines, in the note's language
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


def concern_options(snap):
    """The concerns question's options, in its order (none without the question)."""

    def make():
        concerns = questions_by_fact(snap).get("concerns")
        return tuple(concerns.options) if concerns else ()

    return content_memo(snap, ("concern options",), make)


def note_contact(snap, c, language):
    """A contact as the record note lists it, with one way to reach it ("" for none), made
    once per content and language."""

    def make():
        card = known_contact(snap, c, language)
        reach = [p["number"] for p in card["phones"][:1]]
        reach += [card["website_label"]] if card["website"] and not reach else []
        reach += [card["email"]] if card["email"] and not reach else []
        if not reach:
            return ""
        digits = "".join(ch for ch in reach[0] if ch.isdigit())
        named = digits and digits == "".join(ch for ch in card["name"] if ch.isdigit())
        # "Politiet 02800" and "menneskertilsalgs.no" already say how to reach them.
        named = named or reach[0].lower() in card["name"].lower()
        return card["name"] if named else f"{card['name']}: {reach[0]}"

    return content_memo(snap, ("note contact", c.slug, language), make)


def contact_card(c, language, now, snap=None):
    """A contact as the result page, the record note and the JSON API show it, with whether it
    answers at ``now`` and, when it is closed, when it opens next. With ``snap`` (the content
    ``c`` is from), the parts that depend only on the content are made once per content."""
    # Its words (weekdays, "opens tomorrow") in ``language`` even where the request's own
    # language is another, as in the JSON API's ?lang=.
    with speaking(language):
        if snap is None:
            return {**contact_details(c, language), **opening(c, now)}
        return {**known_contact(snap, c, language), **opening(c, now)}


def known_contact(snap, c, language):
    """``contact_details``, made once per content and language (shared: do not change it)."""

    def make():
        with speaking(language):  # its hours in words
            return contact_details(c, language)

    return content_memo(snap, ("contact", c.slug, language), make)


def contact_details(c, language):
    """What a contact card says whatever the time: its name, numbers, hours and addresses."""
    extra = c.extra
    hours = extra.get("hours", ())
    phones = [
        phone_card(n, labels.get(language, ""), c.name(language))
        for n, labels in extra.get("phones", ())
    ]
    hours_note = extra.get("hours_note", {}).get(language, "")
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
        "last_verified": extra.get("last_verified"),
        "needs_review": extra.get("needs_review"),
        "regional": c.counties is not None,
        "categories": list(c.categories),
        "counties": sorted(c.counties) if c.counties is not None else None,
    }


def opening(c, now):
    """Whether a contact answers at ``now``, and when it opens next if it does not."""
    opens_next = rules.next_opening(c, now)
    return {
        "open_now": rules.is_open(c, now),
        "opens_next": opens_next,
        "opens_text": opens_text(opens_next, now) if opens_next else "",
        "holiday": bool(c.extra.get("hours")) and rules.is_holiday(now.date()),
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
