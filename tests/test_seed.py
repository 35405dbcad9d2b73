"""Seeding fills an empty database, never duplicates, never overwrites an administrator's edit."""

import shutil

import pytest
from django.core.management import CommandError, call_command

from guidance import cases, models, rules, seed

TABLES = [
    models.County,
    models.LegalSource,
    models.ContactCategory,
    models.Contact,
    models.ContactPhone,
    models.OpeningHours,
    models.Outcome,
    models.Rule,
    models.RuleCondition,
    models.Question,
    models.QuestionOption,
    models.QuestionCondition,
    models.Case,
]


def counts():
    return {model.__name__: model.objects.count() for model in TABLES}


@pytest.mark.django_db
def test_the_seed_holds_the_whole_contract():
    assert set(models.Outcome.objects.values_list("code", flat=True)) == set(rules.OUTCOME_CODES)
    assert set(rules.CONTACT_SLUGS) <= set(models.Contact.objects.values_list("slug", flat=True))
    assert models.County.objects.count() == 15
    assert set(models.Question.objects.values_list("fact", flat=True)) == set(rules.FACTS)


@pytest.mark.django_db
def test_every_duty_and_prohibition_cites_a_legal_source():
    for outcome in models.Outcome.objects.filter(kind__in=["must", "must_not"]):
        assert outcome.legal_sources.exists(), outcome.code
    for source in models.LegalSource.objects.all():
        assert source.url.startswith("https://lovdata.no/"), source.key


@pytest.mark.django_db
def test_every_contact_can_be_reached_somehow():
    for contact in models.Contact.objects.prefetch_related("phones"):
        assert contact.phones.exists() or contact.website or contact.email, contact.slug


@pytest.mark.django_db
def test_unverified_contacts_are_marked_for_review_not_invented():
    for slug in ("rvts-sor", "rvts-midt"):
        contact = models.Contact.objects.get(slug=slug)
        assert contact.needs_review
        assert not contact.phones.exists()
        assert not contact.website


@pytest.mark.django_db
def test_seeding_again_creates_nothing_new():
    before = counts()
    stats = seed.load()
    assert counts() == before
    assert not [key for key in stats if key.endswith("created")]


@pytest.mark.django_db
def test_seeding_again_keeps_an_administrators_edit():
    phone = models.ContactPhone.objects.get(contact__slug="rosa")
    phone.number = "99 99 99 99"
    phone.save()
    models.Rule.objects.filter(key="document").update(enabled=False)
    seed.load()
    assert models.ContactPhone.objects.get(contact__slug="rosa").number == "99 99 99 99"
    assert not models.Rule.objects.get(key="document").enabled


@pytest.mark.django_db
def test_seeding_fills_the_one_line_texts_a_database_seeded_before_them_lacks():
    """Migration 0011 added the outcomes' one-line texts empty: seeding again fills the blank
    ones from the fixtures and leaves a line an editor wrote."""
    seeded = models.Outcome.objects.get(code="AVERT_DUTY")
    assert seeded.now_nb and seeded.summary_nb
    models.Outcome.objects.filter(code="AVERT_DUTY").update(now_nb="", summary_nb="")
    models.Outcome.objects.filter(code="NOTIFY_POLICE").update(now_nb="Ring politiet nå.")
    stats = seed.load()
    avert = models.Outcome.objects.get(code="AVERT_DUTY")
    assert (avert.now_nb, avert.summary_nb) == (seeded.now_nb, seeded.summary_nb)
    assert models.Outcome.objects.get(code="NOTIFY_POLICE").now_nb == "Ring politiet nå."
    assert stats["utfall: blank fields filled"] == 1


@pytest.mark.django_db
def test_seeding_restores_a_deleted_row_but_nothing_else():
    models.Contact.objects.filter(slug="rosa").delete()
    seed.load()
    rosa = models.Contact.objects.get(slug="rosa")
    assert rosa.phones.get().number == "22 33 11 60"


@pytest.mark.django_db
def test_seeding_an_empty_database_fills_it():
    for model in reversed(TABLES):
        model.objects.all().delete()
    assert not any(counts().values())
    seed.load()
    filled = counts()
    assert all(filled.values()), filled
    rvts_vest = models.Contact.objects.get(slug="rvts-vest")
    assert set(rvts_vest.counties.values_list("number", flat=True)) == {"11", "46"}


@pytest.mark.django_db
def test_reseed_overwrites_edits_but_keeps_rows_the_admin_added(capsys):
    models.Outcome.objects.filter(code="DOCUMENT").update(title_nb="Endret")
    added = models.Rule.objects.create(key="admins-own-rule", name="Lagt til i admin")
    before = counts()
    call_command("reseed", "--yes")
    assert models.Outcome.objects.get(code="DOCUMENT").title_nb != "Endret"
    assert models.Rule.objects.filter(pk=added.pk).exists()
    assert counts() == before


@pytest.mark.django_db
def test_reseed_without_confirmation_changes_nothing():
    models.Outcome.objects.filter(code="DOCUMENT").update(title_nb="Endret")
    with pytest.raises(CommandError, match="--yes"):
        call_command("reseed")
    assert models.Outcome.objects.get(code="DOCUMENT").title_nb == "Endret"


@pytest.mark.django_db
def test_a_broken_seed_file_is_reported_by_name(tmp_path):
    for name in ("counties", "contacts", "legal_sources", "outcomes", "rules", "questions"):
        (tmp_path / f"{name}.yaml").write_text("[]\n" if name != "contacts" else "{}\n")
    (tmp_path / "rules.yaml").write_text("- key: [unclosed\n")
    (tmp_path / "cases").mkdir()
    with pytest.raises(seed.SeedError, match="rules.yaml"):
        seed.load(folder=tmp_path)


def copy_fixtures(tmp_path):
    folder = tmp_path / "fixtures"
    shutil.copytree(seed.FIXTURES, folder)
    return folder


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change, expected",
    [
        # loadcases refuses both; before issue 12 the seed only ran parse_case on them.
        (lambda t: t.replace('county: "18"', 'county: "99"'), "facts.county: unknown county"),
        (lambda t: t + "prompts:\n  mood: Hvordan har du det?\n", "prompts.mood: unknown fact"),
        (lambda t: t + "title_en: [not, text]\n", "title_en: expected text"),
    ],
)
def test_the_seed_checks_a_case_file_as_loadcases_does(tmp_path, change, expected):
    folder = copy_fixtures(tmp_path)
    path = folder / "cases" / "akutt-drapstrusler.yaml"
    text = path.read_text(encoding="utf-8")
    assert 'county: "18"' in text
    path.write_text(change(text), encoding="utf-8")
    with pytest.raises(CommandError, match=expected):
        call_command("loadcases", str(path))
    with pytest.raises(seed.SeedError, match=f"akutt-drapstrusler.yaml: {expected}"):
        seed.load(folder=folder)


@pytest.mark.django_db
def test_the_seed_saves_a_case_as_loadcases_does(tmp_path):
    folder = copy_fixtures(tmp_path)
    path = folder / "cases" / "akutt-drapstrusler.yaml"
    # A slip the loaders forgive (an unquoted county number) is stored tidied by both.
    path.write_text(path.read_text(encoding="utf-8").replace('"18"', "18"), encoding="utf-8")
    models.Case.objects.filter(slug="akutt-drapstrusler").delete()
    seed.load(folder=folder)
    seeded = models.Case.objects.get(slug="akutt-drapstrusler")
    seeded_fields = {f: getattr(seeded, f) for f in cases.case_fields({"slug": "x", "facts": {}})}
    seeded.delete()
    call_command("loadcases", str(path))
    loaded = models.Case.objects.get(slug="akutt-drapstrusler")
    assert seeded_fields["facts"]["county"] == "18"
    assert {f: getattr(loaded, f) for f in seeded_fields} == seeded_fields
