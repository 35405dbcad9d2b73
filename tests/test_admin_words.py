"""The bokmål admin speaks bokmål: Django's own strings the nb catalogue misses, django-axes and
import-export, the rule tester's trace, and the result page's own section names."""

import pytest
from django.utils import translation

from guidance import models, vocabulary
from tests.admin_pages import make_editor
from tests.test_admin_tester import TESTER, hand_facts

pytestmark = pytest.mark.django_db

ADMIN = "/admin/guidance"


@pytest.fixture
def editor(client):
    client.force_login(make_editor("Innholdsredaktør", username="kari"))
    return client


@pytest.fixture
def superuser(client, django_user_model):
    user = django_user_model.objects.create_superuser("sjef", "sjef@example.org", "x-long-pw-1")
    client.force_login(user)
    return client


def test_the_tester_shows_operators_in_bokmal(editor):
    page = editor.get(TESTER, hand_facts()).content.decode()
    assert "Hvorfor: reglene som slo til" in page
    for english in ("(contains any of ", "(equals ", "(is one of ", "(contains "):
        assert english not in page
    assert "(inneholder" in page or "(er lik" in page or "(er en av" in page


def test_the_tester_files_outcomes_under_the_result_pages_sections(editor):
    page = editor.get(TESTER, hand_facts()).content.decode()
    with translation.override("nb"):
        referral = str(vocabulary.SECTION_TITLES["referral"])
    assert referral == "Henvisninger og råd"
    assert referral in page
    assert "Hvem du kan kontakte</td>" not in page


def test_the_tester_lands_on_its_result(editor):
    page = editor.get(TESTER).content.decode()
    assert page.count('action="#resultat"') == 2
    result = editor.get(TESTER, hand_facts()).content.decode()
    assert 'id="resultat"' in result


def test_the_outcome_form_offers_the_result_pages_section_names(editor):
    outcome = models.Outcome.objects.get(code="REFER_TRAFFICKING")
    page = editor.get(f"{ADMIN}/outcome/{outcome.pk}/change/").content.decode()
    assert "Henvisninger og råd" in page and "Samtalen og ivaretakelsen" in page
    assert "Hvem du kan kontakte" not in page
    listing = editor.get(f"{ADMIN}/outcome/").content.decode()
    assert "Henvisninger og råd" in listing


@pytest.mark.parametrize(
    "english, bokmal",
    [
        ("Please correct the error below.", "Rett feilen nedenfor."),
        ("Show counts", "Vis antall"),
        ("Start typing to filter…", "Skriv for å filtrere …"),
        ("access attempts", "innloggingsforsøk"),
        ("access failures", "mislykkede innlogginger"),
        ("access logs", "innloggingslogg"),
        ("Import", "Importer"),
        ("Export", "Eksporter"),
    ],
)
def test_third_party_admin_strings_have_bokmal(english, bokmal):
    with translation.override("nb"):
        if english.startswith("Please correct"):
            said = translation.ngettext(english, "Please correct the errors below.", 1)
        else:
            said = translation.gettext(english)
    assert said == bokmal


def test_an_invalid_contact_form_says_so_in_bokmal(superuser):
    contact = models.Contact.objects.get(slug="rosa")
    page = superuser.post(f"{ADMIN}/contact/{contact.pk}/change/", {}).content.decode()
    assert "Please correct" not in page
    assert "Rett feil" in page


def test_the_admin_index_has_no_english_left(superuser):
    page = superuser.get("/admin/").content.decode()
    assert "Innloggingsvern" in page
    for english in ("Access attempts", "Access failures", "Access logs", "Start typing to filter"):
        assert english not in page
    listing = superuser.get(f"{ADMIN}/contact/").content.decode()
    assert "Show counts" not in listing


def test_the_date_and_time_pickers_speak_bokmal_whatever_the_browser_asks(editor):
    """The admin's JavaScript catalogue (calendar and clock widgets) follows the admin's
    language, not the browser's."""
    script = editor.get("/admin/jsi18n/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '"Today": "I dag"' in script
    assert '"January": "Januar"' in script
