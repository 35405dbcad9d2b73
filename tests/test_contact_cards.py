"""The contact cards (presenting.contact_card, partials/contact.html): one honest line about
checking, how to reach a service without a phone, one way of writing numbers, and when a
closed service opens next."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from guidance import cards as cards_module
from guidance import presenting, rules

pytestmark = pytest.mark.django_db

OSLO = ZoneInfo("Europe/Oslo")
FRIDAY_EVENING = dt.datetime(2026, 11, 27, 18, 0, tzinfo=OSLO)


def cards(ruleset, county="50", lang="nb", now=FRIDAY_EVENING):
    with translation.override(lang):
        chosen = [c for c in ruleset.contacts if c.serves(county)]
        return {c.slug: presenting.contact_card(c, lang, now) for c in chosen}


def page(ruleset, **kwargs):
    lang = kwargs.get("lang", "nb")
    with translation.override(lang):
        contacts = list(cards(ruleset, **kwargs).values())
        html = cards_html(contacts)
    return {c["slug"]: card_html(html, c["slug"]) for c in contacts}


def cards_html(contacts):
    """The cards as partials/contact.html renders them, none kept (guidance/cards.py keeps
    them per content version, and these cards are made up)."""
    card = cards_module.macros(cards_module.CONTACT).contact_card
    return "".join(card(c, False) for c in contacts)


def card_html(html, slug):
    start = html.index(f'data-contact="{slug}"')
    end = html.find("<article", start)
    return html[start : end if end > 0 else None]


@pytest.mark.parametrize(
    "written, shown, tel",
    [
        ("+47 22 58 60 00", "22 58 60 00", "+4722586000"),
        ("22331160", "22 33 11 60", "+4722331160"),
        ("478 09 050", "47 80 90 50", "+4747809050"),
        ("800 30 196", "800 30 196", "+4780030196"),
        ("02800", "02800", "02800"),
        ("112", "112", "112"),
        ("116006", "116 006", "116006"),
        ("116 117", "116 117", "116117"),
        ("+46 8 123 456 78", "+46 8 123 456 78", "+46812345678"),
    ],
)
def test_phone_numbers_are_written_one_way(written, shown, tel):
    phone = presenting.phone_card(written, "", "")
    assert (phone["number"], phone["tel"]) == (shown, tel)


def test_a_phone_whose_number_is_in_the_name_says_so(ruleset):
    police = cards(ruleset)["police-02800"]
    assert police["phones"][0]["in_name"] is True
    assert cards(ruleset)["rosa"]["phones"][0]["in_name"] is False


def test_only_a_contact_that_needs_review_says_so_and_only_once(ruleset):
    shown = page(ruleset, county="03")
    for slug, html in shown.items():
        says = html.count("ikke kontrollert") + html.count("må fortsatt kontrolleres")
        assert says == (1 if cards(ruleset, county="03")[slug]["needs_review"] else 0), slug
    assert "ikke kontrollert" not in shown["police-112"]


def test_a_checked_contact_shows_the_date_it_was_checked(ruleset):
    contact = next(c for c in ruleset.contacts if c.slug == "rosa")
    checked = rules.Contact(
        contact.slug,
        contact.names,
        contact.categories,
        extra={**contact.extra, "last_verified": dt.date(2026, 12, 2), "needs_review": False},
    )
    for lang, text in (("nb", "2. desember 2026"), ("en", "2 December 2026")):
        with translation.override(lang):
            card = presenting.contact_card(checked, lang, FRIDAY_EVENING)
            html = cards_html([card])
        assert text in html
    review = rules.Contact(
        "x", {"nb": "X"}, (), extra={"last_verified": dt.date(2026, 12, 2), "needs_review": True}
    )
    with translation.override("en"):
        card = presenting.contact_card(review, "en", FRIDAY_EVENING)
        html = cards_html([card])
    assert "(last checked 2 December 2026)" in html


def test_opening_hours_are_not_called_unconfirmed_for_websites_or_round_the_clock(ruleset):
    shown = page(ruleset, county="03")
    for slug in ("krisesentre", "dinutvei", "nasjonalt-tolkeregister", "police-02800"):
        if slug in shown:
            assert "ikke bekreftet" not in shown[slug].split('class="small')[0], slug
    assert shown["rvts-ost"].count("ikke bekreftet") == 1
    english = page(ruleset, county="03", lang="en")
    assert english["rvts-ost"].count("not confirmed") == 1


@pytest.mark.parametrize("slug", ["rvts-vest", "rvts-midt", "rvts-sor", "krisesentre"])
def test_a_contact_without_a_phone_says_how_to_reach_it(ruleset, slug):
    county = {"rvts-vest": "46", "rvts-midt": "50", "rvts-sor": "42"}.get(slug, "03")
    html = page(ruleset, county=county)[slug]
    assert "Ingen telefonnummer oppført" in html
    assert 'href="mailto:' in html or 'rel="noopener external"' in html


def test_the_child_welfare_service_can_be_reached_out_of_hours_by_the_national_line(ruleset):
    card = cards(ruleset)["barneverntjenesten"]
    assert [p["number"] for p in card["phones"]] == ["116 111"]


def test_a_clinician_in_trondelag_is_not_shown_an_oslo_number(ruleset):
    assert "22 70 56 50" not in page(ruleset, county="50")["statens-barnehus"]


def test_no_contact_gets_a_number_the_reference_marks_unverified(ruleset):
    counties = {"rvts-sor": "42", "rvts-vest": "46", "rvts-midt": "50", "rvts-nord": "55"}
    for slug in (*counties, "krisesentre"):
        assert cards(ruleset, county=counties.get(slug, "03"))[slug]["phones"] == []


def test_a_closed_service_says_when_it_opens_next(ruleset):
    nb = page(ruleset)["vern-for-eldre"]
    assert "Stengt nå" in nb and "· åpner man. kl. 09.00" in nb
    assert "man.–fre. 09.00–15.00" in nb
    thursday = dt.datetime(2026, 11, 26, 16, 0, tzinfo=OSLO)
    assert "åpner i morgen kl. 09.00" in page(ruleset, now=thursday)["vern-for-eldre"]
    en = page(ruleset, lang="en")["vern-for-eldre"]
    assert "Closed now" in en and "· opens Mon 09:00" in en and "Mon–Fri 09:00–15:00" in en


def test_on_a_public_holiday_the_card_says_so(ruleset):
    christmas = dt.datetime(2026, 12, 25, 10, 0, tzinfo=OSLO)
    html = page(ruleset, now=christmas, lang="en")["vern-for-eldre"]
    assert "Closed now" in html and "(public holiday)" in html and "opens Mon 09:00" in html
    assert "Open now" in page(ruleset, now=christmas, lang="en")["rosa"]


def test_the_open_badge_and_the_hours_do_not_run_together_in_english(ruleset):
    html = page(ruleset, lang="en")["rosa"]
    assert "Open now</span>" in html
    assert '<span class="badge text-bg-success me-1">Open now</span>' in html


def test_the_api_says_when_a_closed_contact_opens_next(client):
    url = "/api/v1/contacts?lang=en&at=2026-12-24T16:00:00%2B01:00"
    vern = next(c for c in client.get(url).json()["contacts"] if c["slug"] == "vern-for-eldre")
    assert vern["open"] is False
    assert vern["opens_next"] == "2026-12-28T09:00:00+01:00"
    assert vern["opens_text"] == "opens Mon 09:00"


def test_the_record_note_does_not_repeat_a_number_the_name_carries(ruleset):
    from tests.test_result_note import SHARED, case_facts, result_for

    _, _, context = result_for(case_facts(SHARED / "cases" / "webinar-1-gravid-kvinne.yaml"))
    note = presenting.record_note(context, language="nb")
    assert "- Politiet 02800\n" in note and "02800: 02800" not in note
    assert "- ROSA" in note and "22 33 11 60" in note
