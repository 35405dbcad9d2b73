"""The result's sections and cards, put together in Python from parts kept in memory.

A card is the content's but for its "why" (the walk's answers, presenting.why_html): the part
before the "why" is rendered once per content version, language and what the card shows (the
outcome and the paragraphs that fit, the contact and whether it is open now), from the macros
in partials/outcome.html and partials/contact.html, and kept (jinja.kept). A card made this way
costs a lookup and a join, where a Jinja2 macro with a cached block in it cost a call frame and
a caller for each card: on the result page that was a third of the render (issue 11). The
sections around the cards are put together the same way (``sections``), from the macros in
partials/sections.html. The first screen of the result (``do_now``), the line under its
heading (``based_on``) and its table of contents (``toc``) are the walk's alone and are written
here for every request.
"""

from functools import partial

from django.db import DatabaseError
from django.template import engines
from django.utils import formats, translation
from markupsafe import Markup, escape

from . import content
from .jinja import kept

OUTCOME = "guidance/partials/outcome.html"
CONTACT = "guidance/partials/contact.html"
SECTIONS = "guidance/partials/sections.html"


def macros(name):
    """The macros of template ``name``, from Jinja2's own cache of compiled templates (which
    checks the file for changes only where DEBUG is on)."""
    return engines["jinja2"].env.get_template(name).module


class Parts:
    """The kept parts of one page, with the content version and the language read once."""

    def __init__(self):
        self.language = translation.get_language()
        try:
            self.version = content.snapshot().version
        except (DatabaseError, content.ContentBroken):
            self.version = ()  # the error pages: every part is rendered each time

    def content(self, keys, render):
        """``render()`` kept per content version, language and ``keys`` (which name content,
        never an answer)."""
        if self.version == ():
            return Markup(render())
        return kept((self.version, self.language, *keys), render)

    def fixed(self, keys, render):
        """``render()`` kept per language and ``keys``: the interface's words, no content."""
        return kept(("fixed", self.language, *keys), render)

    def outcome_card(self, item, level, presenter=False, fold=False):
        """One outcome card: level 3 or 4 (its heading); presenter: the trainer's (the text
        folded, the "why" open); fold: the first paragraph shown and the rest folded."""
        keys = ("outcome", item["text_key"], level, presenter, fold, item["added"])
        head = self.content(keys, lambda: macros(OUTCOME).card_head(item, level, presenter, fold))
        end = self.fixed(("outcome-end",), lambda: macros(OUTCOME).card_end())
        # Joined as plain text, then marked once: each Markup "+" escapes its operand again.
        return Markup(f"{head}{item['why_html']}{end}")

    def contact_card(self, c, compact):
        """One contact card; compact: the trainer's (the phones, then a line of hours and the
        website)."""
        when = (c.get("open_now"), c.get("holiday"), c.get("opens_text"))
        keys = ("contact", c["slug"], compact, c.get("added", False), *when)
        return self.content(keys, lambda: macros(CONTACT).contact_card(c, compact))


def sections(shown, contacts, presenter=False):
    """The result's sections in reading order (presenting.result_context's ``sections``), the
    contact cards among them. presenter: the trainer's (outcome texts folded, "why" open,
    compact contact cards, no sharing sub-headings)."""
    template = macros(SECTIONS)
    parts = Parts()
    out = []
    for section in shown:
        key = section["key"]
        if key == "contacts":
            out.append(
                parts.fixed(("contacts", presenter), partial(template.contacts_start, presenter))
            )
            out += [
                f'\n    <div class="col">{parts.contact_card(c, presenter)}</div>' for c in contacts
            ]
            out.append(parts.fixed(("contacts-end",), template.contacts_end))
            continue
        out.append(parts.content(("section", key), partial(template.section_start, section)))
        items = section["items"]
        if presenter:
            out += [parts.outcome_card(item, 3, presenter=True) for item in items]
        else:
            if links := section["avert_crossref"]:
                out.append(
                    parts.content(("crossref", links), partial(template.avert_crossref, links))
                )
            for item in items:
                if key != "sharing":
                    out.append(parts.outcome_card(item, 3, fold=True))
                    continue
                if item["starts_kind"]:
                    kind = item["kind"]
                    out.append(parts.fixed(("sharing", kind), partial(template.sharing_kind, kind)))
                out.append(parts.outcome_card(item, 4, fold=True))
        out.append(parts.fixed(("section-end",), template.section_end))
    return Markup("".join(out))


def do_now(call_now, duties, summary, _):
    """The result's first screen, inside its card: the numbers to call, the duties in order
    and each section's conclusion (presenting.call_now, do_now and summary_lines). Made for
    every request, from the walk's outcomes, in Python as presenting.why_html is: the
    template's loops cost more than the rest of the screen. ``_``: the result's phrasebook.
    Every text is escaped."""
    out = []
    if call_now:
        out.append('<div class="call-now d-grid gap-2 mb-2">')
        for n in call_now:
            style = "btn-primary" if n["advice"] else "btn-danger"
            verb = _("For advice, call") if n["advice"] else _("Call")
            number = (
                ""
                if n["number"] in n["name"]
                else f': <span class="fw-bold">{escape(n["number"])}</span>'
            )
            out.append(
                f'<a class="btn btn-lg {style} call-now-button" href="tel:{escape(n["tel"])}" '
                f'data-call="{escape(n["slug"])}">{escape(verb)} {escape(n["name"])}{number}</a>'
            )
        out.append("</div>")
    if duties:
        must_not = escape(_("Must not"))
        out.append('<ol class="do-now-list mb-2">')
        for d in duties:
            badge = (
                f'<span class="badge kind-badge kind-must_not">{must_not}</span> '
                if d["kind"] == "must_not"
                else ""
            )
            statute = (
                f' <span class="text-body-secondary text-nowrap">({escape(d["statute"])})</span>'
                if d["statute"]
                else ""
            )
            out.append(
                f'<li data-now="{escape(d["code"])}">{badge}{escape(d["text"])}{statute}</li>'
            )
        out.append("</ol>")
    out.append('<dl class="summary-lines mb-0">')
    not_met = escape(_("Not met:"))
    for line in summary:
        unmet = ""
        if line["unmet"]:
            unmet = f' <span class="unmet">{not_met} {escape("; ".join(line["unmet"]))}.</span>'
        out.append(
            f'<div class="summary-line" data-summary="{escape(line["key"])}"><dt>'
            f"{escape(line['title'])}</dt><dd>{escape(line['text'])}{unmet}</dd></div>"
        )
    out.append("</dl>")
    return Markup("\n".join(out))


def based_on(county, now, _):
    """The line under the result's heading: the county (the walk's) and the time."""
    text = _("Based on your answers. County: %(county)s. %(when)s.")
    return Markup(escape(text) % {"county": county, "when": short_datetime(now)})


# The time in words, for the minute it was last asked for: the same for every request of a
# minute, and nothing about a walk. (language, minute) -> text.
_shown_time = (None, "")


def short_datetime(now):
    """``now`` as the page's language writes a short date and time (SHORT_DATETIME_FORMAT)."""
    global _shown_time
    key = (translation.get_language(), now.replace(second=0, microsecond=0))
    held, text = _shown_time
    if held != key:
        text = formats.date_format(now, "SHORT_DATETIME_FORMAT")
        _shown_time = (key, text)
    return text


def toc(shown):
    """The result's table of contents: a link to each section shown."""
    return Markup(
        "".join(
            f'<li class="list-inline-item"><a href="#section-{escape(s["key"])}">'
            f"{escape(s['title'])}</a></li>"
            for s in shown
        )
    )
