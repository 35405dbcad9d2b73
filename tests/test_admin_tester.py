"""The rule tester, the check of every training case, and the warning after a rule or outcome
save that breaks a case."""

import pytest
from django.contrib.messages import get_messages

from guidance import models
from tests.admin_pages import form_data, make_editor

ADMIN = "/admin/guidance"
TESTER = f"{ADMIN}/rule/test/"
CHECK = f"{ADMIN}/case/check/"
ACUTE_CASE = "Kvinne som er truet på livet av samboer"  # akutt-drapstrusler


@pytest.fixture
def content_editor(client):
    client.force_login(make_editor("Innholdsredaktør", username="ola"))
    return client


def hand_facts(**overrides):
    facts = {
        "run": "1",
        "rule_set": "active",
        "concerns": ["trafficking"],
        "serious_or_repeated": "false",
        "aggravated": "false",
        "sexual_act": "unclear",
        "peers": "false",
        "person_age": "adult",
        "timing": "ongoing",
        "likelihood": "reason_to_believe",
        "acute_danger": "false",
        "consent": "not_asked",
        "children_in_household": "no",
        "pregnant": "false",
        "needs_interpreter": "false",
        "companion": "none",
        "county": "03",
    }
    facts.update(overrides)
    return facts


def disable(client, key, enabled=False):
    rule = models.Rule.objects.get(key=key)
    change = f"{ADMIN}/rule/{rule.pk}/change/"
    data = form_data(client, change)
    data.pop("enabled", None)
    if enabled:
        data["enabled"] = "on"
    return client.post(change, data, follow=True)


@pytest.mark.django_db
def test_the_tester_runs_a_case_from_the_library_and_compares_it(content_editor):
    page = content_editor.get(TESTER, {"case": "webinar-1-gravid-kvinne"}).content.decode()
    assert "Saken gir det den forventer." in page
    assert "AVERT_DUTY" in page and "strl § 196" in page
    assert "ROSA – hjelpetelefon mot menneskehandel" in page and "22 33 11 60" in page
    assert "avert-duty-abuse-in-close-relations" in page  # the trace names the rule
    # The facts form is filled in with the case's facts, to change and run again.
    assert 'value="46" selected' in page


@pytest.mark.django_db
def test_the_tester_runs_facts_set_by_hand(content_editor):
    response = content_editor.get(TESTER, hand_facts())
    result = response.context["result"]
    assert "REFER_TRAFFICKING" in result.codes
    assert "rosa" in result.contact_slugs
    assert "refer-trafficking" in response.content.decode()


@pytest.mark.django_db
def test_the_tester_says_which_facts_are_missing(content_editor):
    facts = hand_facts()
    del facts["timing"]
    response = content_editor.get(TESTER, facts)
    assert response.context["result"] is None
    assert "Feltet er påkrevet." in response.content.decode()


@pytest.mark.django_db
def test_the_tester_can_try_rules_that_are_switched_off(content_editor):
    models.Rule.objects.filter(key="document").update(enabled=False)
    active = content_editor.get(TESTER, hand_facts()).context["result"]
    everything = content_editor.get(TESTER, hand_facts(rule_set="all")).context["result"]
    assert "DOCUMENT" not in active.codes
    assert "DOCUMENT" in everything.codes


@pytest.mark.django_db
def test_the_case_check_lists_every_case_and_all_pass_with_the_seed(content_editor):
    response = content_editor.get(CHECK)
    checks = response.context["checks"]
    assert len(checks) == models.Case.objects.count()
    assert all(c.passed for c in checks)
    assert f"Alle {len(checks)} kurssaker gir det de forventer" in response.content.decode()


def acute_cases():
    """The library's cases that expect the acute outcome, which the "acute-danger" rule gives."""
    slugs = [
        c.slug
        for c in models.Case.objects.all()
        if "ACUTE_EMERGENCY" in c.expect.get("outcomes", {}).get("include", [])
    ]
    assert "akutt-drapstrusler" in slugs
    return slugs


@pytest.mark.django_db
def test_the_case_check_names_the_failures_and_what_falls_short(content_editor):
    models.Rule.objects.filter(key="acute-danger").update(enabled=False)
    response = content_editor.get(CHECK)
    failed = response.context["failed"]
    assert [c.case.slug for c in failed] == acute_cases()
    page = response.content.decode()
    assert f"{len(failed)} av" in page and ACUTE_CASE in page
    assert "mangler utfall: ACUTE_EMERGENCY" in page


@pytest.mark.django_db
def test_a_case_whose_facts_no_longer_fit_is_reported_not_crashed(content_editor):
    models.Case.objects.create(slug="gammel", title="Gammel sak", facts={"timing": "soon"})
    response = content_editor.get(CHECK)
    broken = next(c for c in response.context["checks"] if c.case.slug == "gammel")
    assert not broken.passed
    assert "Saken passer ikke med kontrakten" in response.content.decode()


@pytest.mark.django_db
def test_disabling_a_rule_warns_which_cases_now_fail_and_enabling_it_clears_them(content_editor):
    response = disable(content_editor, "acute-danger")
    warnings = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(ACUTE_CASE in m and "ikke lenger gir forventet resultat" in m for m in warnings)
    assert [c.case.slug for c in content_editor.get(CHECK).context["failed"]] == acute_cases()

    response = disable(content_editor, "acute-danger", enabled=True)
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(ACUTE_CASE in m and "gir nå forventet resultat" in m for m in messages)
    assert not content_editor.get(CHECK).context["failed"]


@pytest.mark.django_db
def test_a_harmless_rule_save_gives_no_warning(content_editor):
    response = disable(content_editor, "document", enabled=True)
    assert not [m for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]


@pytest.mark.django_db
def test_an_outcome_save_that_drops_a_contact_warns_about_the_cases(content_editor):
    outcome = models.Outcome.objects.get(code="REFER_TRAFFICKING")
    change = f"{ADMIN}/outcome/{outcome.pk}/change/"
    data = form_data(content_editor, change)
    data.pop("categories")
    response = content_editor.post(change, data, follow=True)
    warnings = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    assert warnings and "Mann med skader fra arbeidsplassen" in warnings[0]


@pytest.mark.django_db
def test_the_tools_are_linked_from_the_front_page_and_the_lists(content_editor):
    for page in ("/admin/", f"{ADMIN}/rule/", f"{ADMIN}/case/"):
        html = content_editor.get(page).content.decode()
        assert f'href="{TESTER}"' in html and f'href="{CHECK}"' in html
