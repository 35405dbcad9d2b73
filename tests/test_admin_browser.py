"""The admin in a real browser (Playwright and Debian's Chromium, on the seeded SQLite server):
the newcomer's tasks from issue 4, and axe on the pages the project adds to the admin."""

import json
import re
import sqlite3
from contextlib import closing

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


def copy_sqlite(source, target):
    """A consistent copy of an SQLite file, made through SQLite's backup API."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
    return target


@pytest.fixture(scope="module")
def editors_sqlite(seeded_sqlite, tmp_path_factory):
    """The seed content plus a superuser (the README's createsuperuser path) and one user in
    each editor group: the template every test here copies."""
    path = copy_sqlite(seeded_sqlite, tmp_path_factory.mktemp("editors") / "avverge.sqlite3")
    run(
        "createsuperuser",
        "--noinput",
        "--username",
        "admin",
        "--email",
        "admin@example.org",
        sqlite_path=path,
        DJANGO_SUPERUSER_PASSWORD=PASSWORD,
    )
    run("shell", "-v", "0", "-c", USERS, sqlite_path=path)
    return path


@pytest.fixture
def database(editors_sqlite, tmp_path):
    """This test's own database. The tests here change ROSA's number and disable a rule (and
    every save adds history rows): on a shared file the other tests, and these in another
    order, would see what an earlier test left, most of all when it failed half way."""
    return copy_sqlite(editors_sqlite, tmp_path / "avverge.sqlite3")


@pytest.fixture
def server_url(database, tmp_path):
    """A server of this test's own, on its own database. Overrides conftest's fixture, so
    conftest's ``page`` uses it too."""
    with running_server(database, tmp_path / "runserver.log") as url:
        yield url


def log_in(page, server_url, username):
    page.goto(server_url + "/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(server_url + "/admin/")


def open_rosa(page, server_url):
    page.goto(server_url + "/admin/guidance/contact/?q=rosa")
    page.click("text=ROSA – hjelpetelefon mot menneskehandel")


def rosas_number_for_a_case(database):
    doc = json.loads(run("evaluate", str(WEBINAR_1), sqlite_path=database))
    return next(c["phone"] for c in doc["contacts"] if c["slug"] == "rosa")


def test_a_contact_editor_changes_rosas_number_sees_it_in_history_and_restores_it(
    page, server_url, database
):
    log_in(page, server_url, "kari")
    open_rosa(page, server_url)
    page.fill("#id_phones-0-number", NEW_NUMBER)
    page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_be_visible()
    assert rosas_number_for_a_case(database) == NEW_NUMBER

    open_rosa(page, server_url)
    page.click("a.historylink")
    phones = page.locator("section", has=page.locator("h2", has_text="Telefonnumre"))
    expect(phones).to_contain_text(f"{ROSA} → {NEW_NUMBER}")
    expect(phones).to_contain_text("kari")
    phones.locator("tr", has_text="Opprettet").get_by_role("link").click()
    expect(page.locator("#id_number")).to_have_value(ROSA)
    page.click("input[name=_save]")
    # The saved version is in the database once the history page it redirects to is shown.
    expect(page).to_have_url(re.compile(r"/admin/guidance/contact/.*/history/$"))
    assert rosas_number_for_a_case(database) == ROSA

    response = page.goto(server_url + "/admin/guidance/rule/")
    assert response.status == 403


def test_the_new_number_reaches_the_clinicians_result_page(page, server_url):
    log_in(page, server_url, "kari")
    open_rosa(page, server_url)
    page.fill("#id_phones-0-number", NEW_NUMBER)
    page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_be_visible()
    page.click("#logout-form button")
    page.wait_for_url("**/admin/logout/")  # logged out before the walk begins

    from tests.test_browser import walk  # the guide's own walk through the real buttons

    facts = yaml.safe_load(WEBINAR_1.read_text(encoding="utf-8"))["facts"]
    walk(page, server_url, facts, "admin-new-number", check_axe=False)
    expect(page.locator('[data-contact="rosa"]')).to_contain_text(NEW_NUMBER)


def test_a_content_editor_disables_a_rule_sees_the_failing_case_and_re_enables_it(page, server_url):
    log_in(page, server_url, "ola")
    page.goto(server_url + "/admin/guidance/rule/?q=acute-danger")
    page.click("th.field-key a")
    page.uncheck("#id_enabled")
    page.click("input[name=_continue]")
    warning = page.locator(".messagelist .warning").first
    expect(warning).to_contain_text("Kvinne som er truet på livet av samboer")
    warning.get_by_role("link").click()
    # The two library cases that expect the acute outcome now fail (of all the cases).
    expect(page.locator("#summary-heading")).to_contain_text(re.compile(r"\b2 av \d+"))

    page.go_back()
    page.check("#id_enabled")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("gir nå forventet resultat")
    page.goto(server_url + "/admin/guidance/case/check/")
    expect(page.locator("#summary-heading")).to_have_text(re.compile("^Alle"), use_inner_text=True)
    assert page.goto(server_url + "/admin/guidance/contact/").status == 403


def test_the_pages_the_project_adds_to_the_admin_pass_axe(page, server_url, database, tmp_path):
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
    csv = run("shell", "-v", "0", "-c", export, sqlite_path=database)
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
