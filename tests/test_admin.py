"""The admin: every table is there, the two editor roles each see only their own tables, and
an admin save reaches the guide's content at once."""

import pytest
from django.contrib.auth.models import Group
from django.template.loader import get_template

from guidance import content, models
from tests.admin_pages import form_data, make_editor
from tests.conftest import ROOT

ADMIN = "/admin/guidance"

# Every table an editor works in, with the role that owns it and a row to open.
CONTENT_TABLES = {
    "question": lambda: models.Question.objects.first(),
    "rule": lambda: models.Rule.objects.first(),
    "outcome": lambda: models.Outcome.objects.first(),
    "legalsource": lambda: models.LegalSource.objects.first(),
    "contactcategory": lambda: models.ContactCategory.objects.first(),
    "case": lambda: models.Case.objects.first(),
    "session": lambda: models.Session.objects.first(),
}
CONTACT_TABLES = {
    "contact": lambda: models.Contact.objects.get(slug="rosa"),
    "county": lambda: models.County.objects.get(number="03"),
}
OWNER = {
    **dict.fromkeys(CONTENT_TABLES, "Innholdsredaktør"),
    **dict.fromkeys(CONTACT_TABLES, "Kontaktredaktør"),
}
ROWS = {**CONTENT_TABLES, **CONTACT_TABLES}
ROLES = ["Innholdsredaktør", "Kontaktredaktør"]


def login_as(client, role):
    client.force_login(make_editor(role))
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("table", sorted(ROWS))
def test_each_role_can_open_its_own_tables_and_not_the_others(client, role, table):
    login_as(client, role)
    row = ROWS[table]()
    own = OWNER[table] == role
    expected = 200 if own else 403
    assert client.get(f"{ADMIN}/{table}/").status_code == expected
    assert client.get(f"{ADMIN}/{table}/add/").status_code == expected
    assert client.get(f"{ADMIN}/{table}/{row.pk}/change/").status_code == expected
    assert client.get(f"{ADMIN}/{table}/{row.pk}/history/").status_code == expected


@pytest.mark.django_db
@pytest.mark.parametrize("table", sorted(ROWS))
def test_the_other_role_cannot_change_a_table_by_posting_to_it(client, table):
    other = next(role for role in ROLES if role != OWNER[table])
    login_as(client, other)
    row = ROWS[table]()
    before = models.ContentVersion.objects.get(pk=1).token
    assert client.post(f"{ADMIN}/{table}/{row.pk}/change/", {}).status_code == 403
    assert client.post(f"{ADMIN}/{table}/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert models.ContentVersion.objects.get(pk=1).token == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        ("Kontaktredaktør", ["Kontakter", "Fylker"], ["Regler", "Utfall", "Prøv reglene"]),
        ("Innholdsredaktør", ["Regler", "Utfall", "Prøv reglene"], ["Kontakter<", "Fylker"]),
    ],
)
def test_the_front_page_lists_only_the_roles_tables(client, role, shown, hidden):
    login_as(client, role)
    page = client.get("/admin/").content.decode()
    for name in shown:
        assert name in page
    for name in hidden:
        assert name not in page


@pytest.mark.django_db
def test_a_contact_editor_cannot_open_the_rule_tester_or_the_case_check(client):
    login_as(client, "Kontaktredaktør")
    assert client.get(f"{ADMIN}/rule/test/").status_code == 403
    assert client.get(f"{ADMIN}/case/check/").status_code == 403


@pytest.mark.django_db
def test_a_content_editor_cannot_import_or_export_contacts(client):
    login_as(client, "Innholdsredaktør")
    assert client.get(f"{ADMIN}/contact/import/").status_code == 403
    assert client.get(f"{ADMIN}/contact/export/").status_code == 403


# The tables whose rows other rows or the contract refer to by key (0004_editor_groups):
# each role edits them but may not delete a row.
KEPT_BY_KEY = {
    "question": "Innholdsredaktør",
    "rule": "Innholdsredaktør",
    "outcome": "Innholdsredaktør",
    "legalsource": "Innholdsredaktør",
    "contactcategory": "Innholdsredaktør",
    "county": "Kontaktredaktør",
}


@pytest.mark.django_db
@pytest.mark.parametrize("table, role", sorted(KEPT_BY_KEY.items()))
def test_neither_role_may_delete_a_row_others_refer_to_by_key(client, table, role):
    login_as(client, role)
    row = ROWS[table]()
    # The role owns the table (so a 403 is about deleting, not about the table) ...
    assert client.get(f"{ADMIN}/{table}/{row.pk}/change/").status_code == 200
    # ... and can neither open the delete page nor delete by posting to it.
    assert client.get(f"{ADMIN}/{table}/{row.pk}/delete/").status_code == 403
    assert client.post(f"{ADMIN}/{table}/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert type(row).objects.filter(pk=row.pk).exists()


@pytest.mark.django_db
def test_the_groups_come_from_a_migration_with_the_model_permissions():
    content_group = Group.objects.get(name="Innholdsredaktør")
    contact_group = Group.objects.get(name="Kontaktredaktør")
    assert {p.codename for p in contact_group.permissions.all()} >= {
        "change_contact",
        "add_contactphone",
        "delete_contactphone",
        "change_openinghours",
        "change_county",
    }
    assert {p.codename for p in content_group.permissions.all()} >= {
        "change_rule",
        "add_rulecondition",
        "change_outcome",
        "change_question",
        "change_legalsource",
        "change_case",
        "change_session",
        "add_sessioncase",
    }
    assert not {p.codename for p in content_group.permissions.all()} & {
        p.codename for p in contact_group.permissions.all()
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "page",
    [
        "/admin/",
        f"{ADMIN}/rule/add/",
        f"{ADMIN}/question/add/",
        f"{ADMIN}/outcome/add/",
        f"{ADMIN}/contact/add/",
        f"{ADMIN}/case/add/",
        f"{ADMIN}/session/add/",
        f"{ADMIN}/county/add/",
        f"{ADMIN}/legalsource/add/",
        f"{ADMIN}/contactcategory/add/",
    ],
)
def test_every_admin_page_renders_in_bokmal(admin_client, page):
    response = admin_client.get(page)
    assert response.status_code == 200
    assert '<html lang="nb"' in response.content.decode()


@pytest.mark.django_db
def test_condition_fields_offer_only_the_contracts_facts_and_values(admin_client):
    rule = models.Rule.objects.get(key="avert-duty-abuse-in-close-relations")
    page = admin_client.get(f"{ADMIN}/rule/{rule.pk}/change/").content.decode()
    assert '<optgroup label="concerns">' in page
    assert '<option value="concerns:trafficking"' in page
    assert '<optgroup label="county">' in page and 'value="county:03"' in page
    assert 'value="outcomes:AVERT_DUTY"' in page
    # The saved values come back selected, tied to their fact.
    assert 'value="timing:ongoing" selected' in page


# --- Changes reach the guide --------------------------------------------------------------


def contact_phone(snapshot, slug):
    return next(c.phone for c in snapshot.ruleset.contacts if c.slug == slug)


@pytest.mark.django_db
def test_saving_a_phone_in_the_admin_changes_the_snapshot_the_guide_reads(admin_client):
    before = content.snapshot()
    assert contact_phone(before, "rosa") == "22 33 11 60"
    url = f"{ADMIN}/contact/{models.Contact.objects.get(slug='rosa').pk}/change/"
    response = admin_client.post(url, form_data(admin_client, url, phones__0__number="22 99 88 77"))
    assert response.status_code == 302, response.content.decode()
    after = content.snapshot()
    assert after.version != before.version
    assert contact_phone(after, "rosa") == "22 99 88 77"


@pytest.mark.django_db
def test_changing_only_a_rules_outcomes_changes_the_content_version(admin_client):
    rule = models.Rule.objects.get(key="document")
    before = content.current_version()
    url = f"{ADMIN}/rule/{rule.pk}/change/"
    data = form_data(admin_client, url)
    data["outcomes"] = [data["outcomes"], str(models.Outcome.objects.get(code="CONSULT_EXPERT").pk)]
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()
    assert content.current_version() != before
    assert (
        "CONSULT_EXPERT"
        in next(r for r in content.snapshot().ruleset.rules if r.key == "document").outcomes
    )


@pytest.mark.django_db
def test_the_admin_stays_in_bokmal_when_the_browser_asks_for_english(admin_client):
    page = admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="nb"' in page
    assert "Siste handlinger" in page and "Recent actions" not in page


@pytest.mark.django_db
def test_a_rules_extra_contact_categories_are_edited_and_restored_on_its_pages(admin_client):
    rule = models.Rule.objects.get(key="share-without-consent-child")
    earlier = rule.history.latest("history_date")
    url = f"{ADMIN}/rule/{rule.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert "Ekstra kontaktkategorier" in page and "i tillegg til kontaktene utfallene" in page
    helpline = str(models.ContactCategory.objects.get(slug="helpline").pk)
    data = form_data(admin_client, url)
    data["categories"] = [data["categories"], helpline]
    assert admin_client.post(url, data).status_code == 302
    saved = next(r for r in content.snapshot().ruleset.rules if r.key == rule.key)
    assert saved.categories == ("child-protection", "helpline")

    history = admin_client.get(f"{ADMIN}/rule/{rule.pk}/history/").content.decode()
    assert "Ekstra kontaktkategorier:</strong> [Barnevern] → [Barnevern, Hjelpetelefoner" in history
    restore = f"{ADMIN}/rule/{rule.pk}/history/{earlier.history_id}/"
    assert admin_client.post(restore, form_data(admin_client, restore)).status_code == 302
    assert list(rule.categories.values_list("slug", flat=True)) == ["child-protection"]


@pytest.mark.django_db
def test_a_session_is_ordered_in_the_admin_and_downloads_as_one_case_file(admin_client):
    session = models.Session.objects.get(slug="webinar-avvergingsplikt")
    page = admin_client.get(f"{ADMIN}/session/{session.pk}/change/").content.decode()
    assert page.count('name="items-0-order"') == 1 and 'name="items-1-case"' in page
    response = admin_client.post(
        f"{ADMIN}/session/",
        {"action": "export_session_files", "_selected_action": [session.pk]},
    )
    assert response["Content-Disposition"] == 'attachment; filename="webinar-avvergingsplikt.yaml"'
    assert response.content.decode().count("session:") == 2


def test_every_template_closes_its_blocks_with_named_end_tags():
    # STYLE.md: {% endblock content %}, so a long template says which block ends where.
    templates = sorted((ROOT / "templates").rglob("*.html"))
    unnamed = [str(p.relative_to(ROOT)) for p in templates if "{% endblock %}" in p.read_text()]
    assert templates and unnamed == []
    for path in templates:  # and every name matches its block (both engines refuse a wrong one)
        jinja = ROOT / "templates" / "jinja2"
        folder = jinja if path.is_relative_to(jinja) else ROOT / "templates"
        get_template(str(path.relative_to(folder)))


def test_every_field_an_editor_sees_explains_itself():
    # STYLE.md: a verbose_name and a help_text written for the editor, on every field.
    from django.apps import apps

    bare = [
        f"{model.__name__}.{field.name}"
        for model in apps.get_app_config("guidance").get_models()
        if not model.__name__.startswith("Historical")
        for field in model._meta.get_fields()
        if field.concrete
        and not field.auto_created
        and (not field.help_text or field._verbose_name is None)
    ]
    assert bare == []
