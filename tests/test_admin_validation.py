"""Validation that protects clinicians: a clear message in the form, and nothing saved."""

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from guidance import content, models
from tests.admin_pages import form_data

ADMIN = "/admin/guidance"


def refused(client, url, data):
    """POST the form; assert the admin showed it again and nothing reached the guide."""
    before = content.current_version()
    response = client.post(url, data)
    assert response.status_code == 200, "the form was accepted"
    assert content.current_version() == before
    return response.content.decode()


def rule_url(key):
    return f"{ADMIN}/rule/{models.Rule.objects.get(key=key).pk}/change/"


def condition(data, i, fact, operator, values):
    """Put a condition into row ``i`` of a rule form's condition inline."""
    data[f"conditions-{i}-fact"] = fact
    data[f"conditions-{i}-operator"] = operator
    data[f"conditions-{i}-value"] = values
    return data


# --- Conditions ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_condition_value_of_another_fact_is_refused(admin_client):
    url = rule_url("document")
    data = form_data(admin_client, url)
    extra = int(data["conditions-TOTAL_FORMS"]) - 1
    condition(data, extra, "person_age", "equals", ["companion:adult"])
    page = refused(admin_client, url, data)
    assert "Verdiene må høre til faktumet person_age" in page
    assert not models.RuleCondition.objects.filter(rule__key="document", fact="person_age")


@pytest.mark.django_db
def test_a_value_the_fact_cannot_take_is_refused(admin_client):
    url = rule_url("document")
    data = form_data(admin_client, url)
    extra = int(data["conditions-TOTAL_FORMS"]) - 1
    condition(data, extra, "timing", "equals", ["timing:someday"])
    page = refused(admin_client, url, data)
    assert "Velg et gyldig valg" in page  # Django's own words: the drop-down has no such value


@pytest.mark.django_db
def test_an_unknown_fact_is_refused(admin_client):
    url = rule_url("document")
    data = form_data(admin_client, url)
    extra = int(data["conditions-TOTAL_FORMS"]) - 1
    condition(data, extra, "shoe_size", "equals", [])
    page = refused(admin_client, url, data)
    assert "Velg et gyldig valg. shoe_size er ikke et av de tilgjengelige valgene." in page


@pytest.mark.django_db
def test_an_operator_that_does_not_fit_the_fact_is_refused_in_norwegian(admin_client):
    url = rule_url("document")
    data = form_data(admin_client, url)
    extra = int(data["conditions-TOTAL_FORMS"]) - 1
    condition(data, extra, "timing", "contains", ["timing:ongoing"])
    page = refused(admin_client, url, data)
    assert "Operatoren passer ikke for faktumet timing" in page
    assert "«er lik», «er ikke lik», «er en av», «er ingen av»" in page


@pytest.mark.django_db
def test_a_single_value_operator_with_two_values_is_refused(admin_client):
    url = rule_url("document")
    data = form_data(admin_client, url)
    extra = int(data["conditions-TOTAL_FORMS"]) - 1
    condition(data, extra, "timing", "equals", ["timing:ongoing", "timing:expected"])
    page = refused(admin_client, url, data)
    assert "«er lik» tar nøyaktig én verdi. Velg én, eller bruk «er en av»." in page


@pytest.mark.django_db
def test_a_condition_saved_in_the_admin_is_stored_as_the_contracts_values(admin_client):
    url = rule_url("document")
    data = form_data(admin_client, url)
    extra = int(data["conditions-TOTAL_FORMS"]) - 1
    condition(data, extra, "county", "in", ["county:03", "county:46"])
    assert admin_client.post(url, data).status_code == 302
    saved = models.RuleCondition.objects.get(rule__key="document", fact="county")
    assert (saved.operator, saved.value) == ("in", "03,46")


@pytest.mark.parametrize(
    ("fact", "operator", "value", "field", "message"),
    [
        ("timing", "equals", "someday", "value", "«someday» er ikke en verdi for timing."),
        ("pregnant", "is_true", "true", "value", "«er ja» tar ingen verdi."),
        ("concerns", "contains_any", "", "value", "Velg minst én verdi for concerns."),
        ("county", "equals", "3", "value", "«3» er ikke et fylkesnummer"),
        ("outcomes", "contains", "NOPE", "value", "«NOPE» er ikke en verdi for outcomes."),
    ],
)
def test_the_model_explains_a_bad_condition_in_norwegian(fact, operator, value, field, message):
    row = models.RuleCondition(fact=fact, operator=operator, value=value)
    with pytest.raises(ValidationError) as caught:
        row.clean()
    assert message in caught.value.message_dict[field][0]


@pytest.mark.django_db
def test_a_rule_that_would_wait_on_its_own_outcome_is_refused(admin_client):
    url = rule_url("document")
    data = form_data(admin_client, url)
    extra = int(data["conditions-TOTAL_FORMS"]) - 1
    condition(data, extra, "outcomes", "contains", ["outcomes:DOCUMENT"])
    page = refused(admin_client, url, data)
    assert "regeltabellen ville gå i sirkel" in page
    content.load_ruleset()  # the guide still loads


@pytest.mark.django_db
def test_an_existing_question_offers_only_its_facts_values(admin_client):
    question = models.Question.objects.get(fact="timing")
    url = f"{ADMIN}/question/{question.pk}/change/"
    data = form_data(admin_client, url, options__0__value="adult")
    page = refused(admin_client, url, data)
    assert "Velg et gyldig valg. adult er ikke et av de tilgjengelige valgene." in page


@pytest.mark.django_db
def test_a_new_questions_options_must_be_values_of_its_fact(admin_client):
    models.Question.objects.filter(fact="timing").delete()  # the fact is free for a new one
    url = f"{ADMIN}/question/add/"
    data = form_data(admin_client, url, key="when", fact="timing", order="99")
    data.update({"text_nb": "Når?", "text_en": "When?", "options-TOTAL_FORMS": "1"})
    data.update({"options-0-value": "adult", "options-0-label_nb": "x", "options-0-label_en": "x"})
    data["options-0-order"] = "0"
    page = refused(admin_client, url, data)
    assert "«adult» er ikke en verdi for timing." in page


# --- Outcomes -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["must", "must_not"])
def test_a_duty_or_a_prohibition_without_a_legal_source_is_refused(admin_client, kind):
    outcome = models.Outcome.objects.get(code="AVERT_DUTY")
    url = f"{ADMIN}/outcome/{outcome.pk}/change/"
    data = form_data(admin_client, url, kind=kind)
    data.pop("legal_sources")
    page = refused(admin_client, url, data)
    assert "må ha minst ett rettsgrunnlag" in page
    assert outcome.legal_sources.exists()


@pytest.mark.django_db
def test_advice_may_have_no_legal_source(admin_client):
    outcome = models.Outcome.objects.get(code="CONSULT_EXPERT")
    url = f"{ADMIN}/outcome/{outcome.pk}/change/"
    data = form_data(admin_client, url, kind="advice")
    data.pop("legal_sources", None)
    assert admin_client.post(url, data).status_code == 302


@pytest.mark.django_db
def test_the_source_shown_first_must_be_one_of_the_outcomes_sources(admin_client):
    outcome = models.Outcome.objects.get(code="CHILDREN_AS_RELATIVES")
    url = f"{ADMIN}/outcome/{outcome.pk}/change/"
    other = models.LegalSource.objects.get(key="strl-196")
    page = refused(admin_client, url, form_data(admin_client, url, primary_source=str(other.pk)))
    assert "er ikke blant rettsgrunnlagene" in page
    assert outcome.primary_source.key == "hpl-33"


@pytest.mark.django_db
def test_the_source_shown_first_leads_the_legal_basis(admin_client):
    outcome = models.Outcome.objects.get(code="CHILDREN_AS_RELATIVES")
    url = f"{ADMIN}/outcome/{outcome.pk}/change/"
    ten_a = models.LegalSource.objects.get(key="hpl-10a")
    response = admin_client.post(url, form_data(admin_client, url, primary_source=str(ten_a.pk)))
    assert response.status_code == 302
    outcome = content.load_ruleset().outcomes["CHILDREN_AS_RELATIVES"]
    assert outcome.legal_basis[:2] == ("hpl § 10 a", "hpl § 33")


# --- Contacts -----------------------------------------------------------------------------


def rosa_url():
    return f"{ADMIN}/contact/{models.Contact.objects.get(slug='rosa').pk}/change/"


@pytest.mark.django_db
@pytest.mark.parametrize("number", ["12345", "22 33 11", "ring meg", "+47 123", "999"])
def test_a_phone_number_that_is_not_a_number_is_refused(admin_client, number):
    data = form_data(admin_client, rosa_url(), phones__0__number=number)
    page = refused(admin_client, rosa_url(), data)
    assert f"«{number}» er ikke et gyldig telefonnummer" in page
    assert models.ContactPhone.objects.filter(contact__slug="rosa", number="22 33 11 60")


@pytest.mark.parametrize(
    "number",
    [
        "112",
        "113",
        "02800",
        "116 117",
        "116 111",
        "116 006",
        "22 33 11 60",
        "815 55 201",
        "478 09 050",
        "+47 22 58 60 00",
        "+46 8 123 456 78",
        "+44 20 7946 0958",
    ],
)
def test_norwegian_short_long_and_international_numbers_are_accepted(number):
    models.validate_phone_number(number)


@pytest.mark.django_db
def test_every_seeded_phone_number_is_valid():
    for phone in models.ContactPhone.objects.all():
        phone.full_clean()


@pytest.mark.django_db
def test_opening_hours_that_end_before_they_start_are_refused(admin_client):
    url = rosa_url()
    data = form_data(admin_client, url)
    data.update(
        {
            "hours-TOTAL_FORMS": "1",
            "hours-0-weekday": "0",
            "hours-0-opens": "15:00",
            "hours-0-closes": "09:00",
        }
    )
    page = refused(admin_client, url, data)
    assert "Stengetiden må være etter åpningstiden samme dag." in page
    assert not models.OpeningHours.objects.filter(contact__slug="rosa")


@pytest.mark.django_db
def test_a_contact_with_no_way_to_reach_it_is_refused(admin_client):
    url = rosa_url()
    data = form_data(admin_client, url, phones__0__DELETE="on", website="", email="")
    page = refused(admin_client, url, data)
    assert "Kontakten må kunne nås" in page
    assert models.ContactPhone.objects.filter(contact__slug="rosa").exists()


@pytest.mark.django_db
def test_a_contact_with_only_a_website_is_reachable(admin_client):
    url = rosa_url()
    data = form_data(admin_client, url, phones__0__DELETE="on")
    assert data["website"]
    assert admin_client.post(url, data).status_code == 302
    assert not models.ContactPhone.objects.filter(contact__slug="rosa").exists()


@pytest.mark.django_db
def test_a_regional_contact_needs_a_county(admin_client):
    url = rosa_url()
    data = form_data(admin_client, url, scope="regional")
    data.pop("counties", None)
    page = refused(admin_client, url, data)
    assert "En regional kontakt må dekke minst ett fylke" in page


# --- Duplicate keys -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("table", "field", "taken"),
    [
        ("contact", "slug", "rosa"),
        ("rule", "key", "document"),
        ("outcome", "code", "DOCUMENT"),
        ("legalsource", "key", "strl-196"),
        ("contactcategory", "slug", "police"),
        ("county", "number", "03"),
        ("case", "slug", "webinar-1-gravid-kvinne"),
        ("question", "key", "concerns"),
    ],
)
def test_a_duplicate_key_is_refused_with_a_clear_message(admin_client, table, field, taken):
    model = apps.get_model("guidance", table)
    row = model.objects.get(**{field: taken})
    # A copy of the row's form, without its inline rows, sent as a new row.
    data = form_data(admin_client, f"{ADMIN}/{table}/{row.pk}/change/")
    data = {k: v for k, v in data.items() if "-" not in k or k.endswith("_FORMS")}
    data.update({k: "0" for k in data if k.endswith("_FORMS")})
    count = model.objects.count()
    page = refused(admin_client, f"{ADMIN}/{table}/add/", data)
    assert "er allerede brukt av en annen rad i tabellen" in page
    assert model.objects.count() == count


@pytest.mark.django_db
def test_a_case_whose_facts_do_not_fit_the_contract_is_refused(admin_client):
    case = models.Case.objects.get(slug="webinar-1-gravid-kvinne")
    url = f"{ADMIN}/case/{case.pk}/change/"
    data = form_data(admin_client, url, facts='{"timing": "someday", "county": "03"}')
    page = refused(admin_client, url, data)
    assert "Saken passer ikke med kontrakten: facts.concerns: missing" in page


# --- The whole table, after a save, a restore or a delete ---------------------------------

TABLE_WARNING = "Innholdet har nå"


def saved_rosa(client):
    """Save ROSA's contact page as it stands and return the page the admin leads to."""
    url = rosa_url()
    response = client.post(url, form_data(client, url), follow=True)
    assert response.redirect_chain, "the form was refused"
    return response.content.decode()


@pytest.mark.django_db
def test_a_save_with_nothing_wrong_anywhere_gives_no_table_warning(admin_client):
    assert TABLE_WARNING not in saved_rosa(admin_client)


@pytest.mark.django_db
def test_deleting_a_dutys_only_legal_source_warns_about_the_duty(admin_client):
    source = models.LegalSource.objects.create(
        key="test-only",
        law="strl",
        section="§ 999",
        title_nb="Prøve",
        title_en="Trial",
        url="https://lovdata.no/lov/2005-05-20-28/§999",
    )
    models.Outcome.objects.get(code="AVERT_DUTY").legal_sources.set([source])
    url = f"{ADMIN}/legalsource/{source.pk}/delete/"
    page = admin_client.post(url, {"post": "yes"}, follow=True).content.decode()
    assert not models.LegalSource.objects.filter(key="test-only").exists()
    assert TABLE_WARNING in page
    assert "Utfallet «AVERT_DUTY»: Plikter og forbud" in page


@pytest.mark.django_db
def test_a_save_names_a_problem_the_table_has_elsewhere(admin_client):
    models.Contact.objects.get(slug="rvts-nord").counties.clear()
    page = saved_rosa(admin_client)
    assert "ett problem" in page
    assert "Kontakten «rvts-nord»: En regional kontakt må dekke minst ett fylke" in page


@pytest.mark.django_db
def test_restoring_a_version_names_the_problems_the_table_has(admin_client):
    rule = models.Rule.objects.get(key="document")
    change = rule_url("document")
    data = form_data(admin_client, change)
    data.pop("enabled")
    assert admin_client.post(change, data).status_code == 302
    models.Outcome.objects.get(code="NOTIFY_POLICE").legal_sources.clear()
    earlier = rule.history.filter(enabled=True).latest("history_date")
    restore = f"{ADMIN}/rule/{rule.pk}/history/{earlier.history_id}/"
    response = admin_client.post(restore, form_data(admin_client, restore), follow=True)
    assert response.redirect_chain, "the restore was refused"
    assert "Utfallet «NOTIFY_POLICE»: Plikter og forbud" in response.content.decode()


@pytest.mark.django_db
def test_restoring_an_inline_row_names_the_problems_the_table_has(admin_client):
    phone = models.ContactPhone.objects.filter(contact__slug="rosa").get()
    models.Contact.objects.get(slug="rvts-nord").counties.clear()
    first = phone.history.earliest("history_date")
    restore = f"{ADMIN}/contactphone/{phone.pk}/history/{first.history_id}/"
    response = admin_client.post(restore, form_data(admin_client, restore), follow=True)
    assert response.redirect_chain, "the restore was refused"
    assert "Kontakten «rvts-nord»" in response.content.decode()
