"""The proof over every answer set in the admin: a report on the rule tester page when the
editor asks for it, and a warning after a rule or outcome save that breaks an invariant.

Each proof of a new rule table takes seconds; the admin remembers reports by what they read,
so the seed table is proved once and this file proves four tables in all."""

import dataclasses

import pytest
from django.contrib.messages import get_messages

from guidance import admin_views, models, proof, rules
from tests.admin_pages import form_data, make_editor

ADMIN = "/admin/guidance"
TESTER = f"{ADMIN}/rule/test/"


@pytest.fixture
def content_editor(client):
    client.force_login(make_editor("Innholdsredaktør", username="ola"))
    return client


def warnings(response):
    return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]


def save_rule(client, key, **changes):
    change = f"{ADMIN}/rule/{models.Rule.objects.get(key=key).pk}/change/"
    data = form_data(client, change, **changes)
    return client.post(change, data, follow=True), data


def disable_document(client):
    change = f"{ADMIN}/rule/{models.Rule.objects.get(key='document').pk}/change/"
    data = form_data(client, change)
    data.pop("enabled", None)
    return client.post(change, data, follow=True)


@pytest.mark.django_db
def test_the_tester_proves_every_answer_set_only_when_asked(content_editor):
    page = content_editor.get(TESTER)
    assert "report" not in page.context
    html = page.content.decode()
    assert "Kontroll av alle svar" in html and 'name="prove"' in html
    assert "kjøres derfor bare når du ber om det" in html

    response = content_editor.get(TESTER, {"prove": "1"})
    report = response.context["report"]
    html = response.content.decode()
    assert report.answer_sets > 1_000_000 and "\u202f" in response.context["answer_sets"]
    assert f"{response.context['answer_sets']} svarkombinasjoner er kontrollert" in html
    assert "Brudd på kontraktens invarianter: ingen" in html
    assert "Regler som ikke slår til for noen svar: ingen" in html
    assert "Utfall som ingen svar gir: ingen" in html
    assert "Spørsmål som aldri vises: ingen" in html
    # The seed library tries every rule; without the one case that tries a rule, the tester
    # names that rule and links to its change page.
    assert report.of("unexercised") == []
    assert "Regler som ingen kurssak prøver: ingen" in html
    models.Case.objects.filter(slug="kvinne-slapp-fri-fra-tvangsarbeid").delete()
    response = content_editor.get(TESTER, {"prove": "1"})
    unexercised = [f.subject for f in response.context["report"].of("unexercised")]
    assert unexercised == ["avert-watch-trafficking-aggravated"]
    rule = models.Rule.objects.get(key=unexercised[0])
    html = response.content.decode()
    assert f'<a href="{ADMIN}/rule/{rule.pk}/change/">{rule.key}</a>' in html


@pytest.mark.django_db
def test_switching_off_the_document_rule_names_invariant_4_with_an_example(content_editor):
    response = disable_document(content_editor)
    broken = [m for m in warnings(response) if "bryter kontrakten" in m]
    assert len(broken) == 1
    assert "Endringen gjør at" in broken[0]
    assert "invariant 4: resultatet gir ikke DOCUMENT" in broken[0]
    assert "For eksempel: concerns = " in broken[0] and "county = " in broken[0]
    assert f'href="{TESTER}?prove=1#kontroll"' in broken[0]

    # The tester shows the same report (remembered: no second proof), and its example, run
    # through the tester, indeed gives no DOCUMENT.
    page = content_editor.get(TESTER, {"prove": "1"})
    [row] = page.context["violation_rows"]
    assert row["text"] == "invariant 4: resultatet gir ikke DOCUMENT"
    assert any(line.startswith("concerns = ") for line in row["example"])
    assert "DOCUMENT" not in content_editor.get(row["try_url"]).context["result"].codes

    # Saving again leaves the violation as it was: it is named as one that was there before.
    response = disable_document(content_editor)
    messages = warnings(response)
    assert not [m for m in messages if "Endringen gjør at reglene" in m]
    assert any("finnes også fra før" in m and "invariant 4" in m for m in messages)


@pytest.mark.django_db
def test_keeping_confidentiality_whatever_else_the_rules_give_breaks_invariant_3(content_editor):
    rule = models.Rule.objects.get(key="keep-confidentiality-adult")
    condition = rule.conditions.get(fact="outcomes")
    change = f"{ADMIN}/rule/{rule.pk}/change/"
    data = form_data(content_editor, change)
    index = next(k for k, v in data.items() if v == str(condition.pk) and k.endswith("-id"))
    data[index.replace("-id", "-DELETE")] = "on"
    response = content_editor.post(change, data, follow=True)
    assert not rule.conditions.filter(fact="outcomes").exists()

    [broken] = [m for m in warnings(response) if "bryter kontrakten" in m]
    assert "invariant 3: resultatet gir KEEP_CONFIDENTIALITY sammen med" in broken
    assert "person_age = adult" in broken  # the example, without answers left at default
    assert "sexual_act = unclear" not in broken
    # At most three in the message (a cookie); the tester page has the rest.
    assert broken.count("– invariant") == 3
    assert "til.<br>" in broken and "?prove=1" in broken


@pytest.mark.django_db
def test_an_outcome_save_is_checked_too(content_editor):
    nowhere = models.ContactCategory.objects.create(
        slug="nowhere", name_nb="Ingen steder", name_en="Nowhere"
    )
    outcome = models.Outcome.objects.get(code="AVERT_DUTY")
    change = f"{ADMIN}/outcome/{outcome.pk}/change/"
    response = content_editor.post(
        change, form_data(content_editor, change, categories=str(nowhere.pk)), follow=True
    )
    assert list(outcome.categories.all()) == [nowhere]
    [broken] = [m for m in warnings(response) if "bryter kontrakten" in m]
    assert "invariant 5: resultatet AVERT_DUTY viser ingen kontakt fra nowhere" in broken


@pytest.mark.django_db
def test_a_questionnaire_that_cannot_be_checked_is_said_so_after_a_save(
    content_editor, monkeypatch
):
    def refuse(*args):
        raise proof.ProofError("there is no question for the concerns")

    monkeypatch.setattr(admin_views, "prove", refuse)
    response, _ = save_rule(content_editor, "document")
    assert (
        "Spørreskjemaet kan ikke kontrolleres for alle svar: there is no question for the "
        "concerns." in warnings(response)
    )


def every_invariant_message(ruleset):
    """Every message the proof's invariant check can give, from results built to break each."""
    unserved = dataclasses.replace(ruleset.outcomes["AVERT_DUTY"], categories=("nowhere",))
    strict = rules.RuleSet.build(
        rules=ruleset.rules,
        outcomes=[*(o for o in ruleset.outcomes.values() if o.code != "AVERT_DUTY"), unserved],
        contacts=ruleset.contacts,
        counties=ruleset.counties,
    )
    results = [
        (frozenset(), True),
        (frozenset({"AVERT_DUTY", "AVERT_WATCH", "KEEP_CONFIDENTIALITY"}), False),
        (frozenset({"ACUTE_EMERGENCY", "NO_AVERT_DUTY", "DOCUMENT"}), False),
    ]
    return {
        f"invariant {number}: the result {message}"
        for codes, acute in results
        for number, message in proof.check_invariants(strict, codes, frozenset(), acute, "03")
    }


def test_every_invariant_message_reads_in_bokmal(ruleset):
    messages = every_invariant_message(ruleset)
    assert {m.split(":")[0] for m in messages} == {f"invariant {n}" for n in "12345"}
    for message in messages:
        text = admin_views.finding_text(proof.Finding("invariant", "", message))
        assert text.startswith("invariant ") and ": resultatet " in text, message
        assert not {"the", "gives", "does", "not", "of", "with"} & set(text.split()), text


def test_an_example_reads_as_facts_and_values_and_the_short_one_leaves_out_defaults():
    example = {
        "concerns": ["trafficking", "elder_abuse"],
        "timing": {"trafficking": "ongoing", "elder_abuse": "ongoing"},
        "likelihood": {"trafficking": "certain_or_most_likely", "elder_abuse": "unclear"},
        "acute_danger": True,
        "pregnant": False,
        "county": "03",
    }
    assert admin_views.readable_example(example) == [
        "concerns = elder_abuse, trafficking",
        "timing = ongoing",
        "likelihood = trafficking: certain_or_most_likely, elder_abuse: unclear",
        "acute_danger = ja",
        "pregnant = nei",
        "county = 03",
    ]
    assert "pregnant = nei" not in admin_views.readable_example(example, short=True)
    # The tester's facts form takes one likelihood for all concerns: no link for this one.
    assert admin_views.tester_url(example) == ""
