"""The admin in a real browser (Playwright and Debian's Chromium, on the seeded SQLite server):
the newcomer's tasks from issue 4, and axe on the pages the project adds to the admin."""

import json
import urllib.error
import urllib.request

import pytest
import yaml
from playwright.sync_api import expect

from tests.conftest import ROOT, axe_violations, manage, running_server

pytestmark = pytest.mark.browser

PASSWORD = "Et-langt-passord-for-test-42"
WEBINAR_1 = ROOT / "fixtures" / "cases" / "webinar-1-gravid-kvinne.yaml"
ROSA = "22 33 11 60"
NEW_NUMBER = "23 45 67 89"
USERS = f"""
from django.contrib.auth.models import Group, User
for name, group in (("kari", "Kontaktredaktør"), ("ola", "Innholdsredaktør")):
    user, _ = User.objects.get_or_create(username=name, defaults={{"is_staff": True}})
    user.set_password({PASSWORD!r})
    user.save()
    user.groups.add(Group.objects.get(name=group))
"""


def run(*args, sqlite_path, **env):
    done = manage(*args, sqlite_path=sqlite_path, **env)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def server_url(seeded_sqlite, tmp_path_factory):
    """A server of this module's own. Overrides conftest's fixture, so conftest's ``page``
    uses it too."""
    with running_server(seeded_sqlite, tmp_path_factory.mktemp("server") / "runserver.log") as url:
        yield url


@pytest.fixture(scope="module")
def editors(seeded_sqlite):
    """A superuser (the README's createsuperuser path) and one user in each editor group."""
    done = manage(
        "createsuperuser",
        "--noinput",
        "--username",
        "admin",
        "--email",
        "admin@example.org",
        sqlite_path=seeded_sqlite,
        DJANGO_SUPERUSER_PASSWORD=PASSWORD,
    )
    assert done.returncode == 0 or "already taken" in done.stderr, done.stderr
    run("shell", "-v", "0", "-c", USERS, sqlite_path=seeded_sqlite)


@pytest.fixture
def rosa_restored(seeded_sqlite):
    """Other browser tests share the server's database: put ROSA's number back afterwards."""
    yield
    run(
        "shell",
        "-v",
        "0",
        "-c",
        "from guidance.models import ContactPhone; "
        f"ContactPhone.objects.filter(contact__slug='rosa').update(number={ROSA!r})",
        sqlite_path=seeded_sqlite,
    )


def log_in(page, server_url, username):
    page.goto(server_url + "/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(server_url + "/admin/")


def open_rosa(page, server_url):
    page.goto(server_url + "/admin/guidance/contact/?q=rosa")
    page.click("text=ROSA – hjelpetelefon mot menneskehandel")


def rosas_number_for_a_case(seeded_sqlite):
    doc = json.loads(run("evaluate", str(WEBINAR_1), sqlite_path=seeded_sqlite))
    return next(c["phone"] for c in doc["contacts"] if c["slug"] == "rosa")


def test_a_contact_editor_changes_rosas_number_sees_it_in_history_and_restores_it(
    page, server_url, seeded_sqlite, editors, rosa_restored
):
    log_in(page, server_url, "kari")
    open_rosa(page, server_url)
    page.fill("#id_phones-0-number", NEW_NUMBER)
    page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_be_visible()
    assert rosas_number_for_a_case(seeded_sqlite) == NEW_NUMBER

    open_rosa(page, server_url)
    page.click("a.historylink")
    phones = page.locator("section", has=page.locator("h2", has_text="Telefonnumre"))
    assert f"{ROSA} → {NEW_NUMBER}" in phones.inner_text()
    assert "kari" in phones.inner_text()
    phones.locator("tr", has_text="Opprettet").get_by_role("link").click()
    assert page.locator("#id_number").input_value() == ROSA
    page.click("input[name=_save]")
    assert "/admin/guidance/contact/" in page.url and page.url.endswith("/history/")
    assert rosas_number_for_a_case(seeded_sqlite) == ROSA

    response = page.goto(server_url + "/admin/guidance/rule/")
    assert response.status == 403


def test_the_new_number_reaches_the_clinicians_result_page(
    page, server_url, seeded_sqlite, editors, rosa_restored
):
    try:
        urllib.request.urlopen(server_url + "/guide/", timeout=5)
    except urllib.error.HTTPError as e:
        if e.code == 404:
            pytest.skip("needs the guide (issue 3)")
    log_in(page, server_url, "kari")
    open_rosa(page, server_url)
    page.fill("#id_phones-0-number", NEW_NUMBER)
    page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_be_visible()
    page.click("#logout-form button")

    from tests.test_browser import walk  # the guide's own walk through the real buttons

    facts = yaml.safe_load(WEBINAR_1.read_text(encoding="utf-8"))["facts"]
    walk(page, server_url, facts, "admin-new-number", check_axe=False)
    assert NEW_NUMBER in page.locator('[data-contact="rosa"]').inner_text()


def test_a_content_editor_disables_a_rule_sees_the_failing_case_and_re_enables_it(
    page, server_url, editors
):
    log_in(page, server_url, "ola")
    page.goto(server_url + "/admin/guidance/rule/?q=acute-danger")
    page.click("th.field-key a")
    page.uncheck("#id_enabled")
    page.click("input[name=_continue]")
    warning = page.locator(".messagelist .warning").first
    assert "Kvinne som er truet på livet av samboer" in warning.inner_text()
    warning.get_by_role("link").click()
    assert "1 av" in page.locator("#summary-heading").inner_text()

    page.go_back()
    page.check("#id_enabled")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("gir nå forventet resultat")
    page.goto(server_url + "/admin/guidance/case/check/")
    assert page.locator("#summary-heading").inner_text().startswith("Alle")
    assert page.goto(server_url + "/admin/guidance/contact/").status == 403


def test_the_pages_the_project_adds_to_the_admin_pass_axe(
    page, server_url, seeded_sqlite, editors, tmp_path
):
    log_in(page, server_url, "admin")
    found = {}
    for name, path in (
        ("rule tester", "/admin/guidance/rule/test/"),
        ("rule tester with a case", "/admin/guidance/rule/test/?case=webinar-1-gravid-kvinne"),
        ("case check", "/admin/guidance/case/check/"),
        ("contact history", "/admin/guidance/contact/?q=rosa"),
        ("import", "/admin/guidance/contact/import/"),
        ("case files import", "/admin/guidance/case/import-files/"),
    ):
        page.goto(server_url + path)
        if name == "contact history":
            page.click("text=ROSA – hjelpetelefon mot menneskehandel")
            page.click("a.historylink")
            page.wait_for_url("**/history/**")
        found[name] = axe_violations(page)

    export = (
        "from guidance.admin_resources import ContactResource; "
        "print(ContactResource().export().csv)"
    )
    csv = run("shell", "-v", "0", "-c", export, sqlite_path=seeded_sqlite)
    good = tmp_path / "kontakter.csv"
    good.write_text(csv.replace(ROSA, "22 99 88 77"), encoding="utf-8")
    bad = tmp_path / "feil.csv"
    bad.write_text(csv.replace(ROSA, "12345"), encoding="utf-8")
    for name, upload in (("import preview", good), ("import with bad rows", bad)):
        page.goto(server_url + "/admin/guidance/contact/import/")
        page.set_input_files("#id_import_file", str(upload))
        page.select_option("#id_format", "0")
        page.click("input[type=submit]")
        heading = "Forhåndsvisning" if upload is good else "Noen rader kan ikke importeres"
        expect(page.locator("h2", has_text=heading)).to_be_visible()
        found[name] = axe_violations(page)
    assert {name: v for name, v in found.items() if v} == {}
