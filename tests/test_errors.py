"""Error pages in the site's layout and language, and one log line for an ordinary bad request
(security review, D18 and D19)."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


def in_the_layout(response):
    text = response.content.decode()
    return '<html lang="nb">' in text and "tel:112" in text and "Avverge" in text


def test_the_404_page_is_in_the_layout_and_in_bokmal(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert in_the_layout(response)
    assert "Siden finnes ikke" in response.content.decode()


def test_the_404_page_follows_the_chosen_language(client):
    client.cookies["django_language"] = "en"
    response = client.get("/no-such-page/")
    assert "Page not found" in response.content.decode()


def test_the_400_page_is_in_the_layout(client):
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert in_the_layout(response)
    assert "Forespørselen kunne ikke leses" in response.content.decode()


def test_the_403_page_is_in_the_layout(client):
    from guidance.models import Rule

    user = User.objects.create_user("plain", password="pw-for-tests-only", is_staff=True)
    client.force_login(user)
    response = client.get(f"/admin/guidance/rule/{Rule.objects.first().pk}/change/")
    assert response.status_code == 403
    assert in_the_layout(response)
    assert "Du har ikke tilgang til denne siden" in response.content.decode()


def test_the_500_page_is_in_the_layout_without_the_request(client, monkeypatch):
    from guidance import views

    def bug(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(views.content, "snapshot", bug)
    response = client.get("/guide/")
    assert response.status_code == 500
    assert in_the_layout(response)
    assert "Noe gikk galt" in response.content.decode()


@pytest.mark.parametrize(
    "send",
    [
        pytest.param(lambda c: c.get("/", HTTP_HOST="evil.example"), id="bad-host"),
        pytest.param(
            lambda c: c.post(
                "/guide/q/acute_danger/",
                "&".join(f"f{i}=1" for i in range(1100)),
                content_type="application/x-www-form-urlencoded",
            ),
            id="too-many-fields",
        ),
        pytest.param(
            lambda c: c.post(
                "/guide/q/acute_danger/",
                "f=" + "x" * 3_000_000,
                content_type="application/x-www-form-urlencoded",
            ),
            id="too-big",
        ),
        pytest.param(
            lambda c: c.post(
                "/guide/q/acute_danger/", "x", content_type="multipart/form-data; boundary="
            ),
            id="bad-multipart",
        ),
    ],
)
def test_an_ordinary_bad_request_is_one_line_in_the_log(client, app_log, send):
    assert send(client).status_code == 400
    lines = app_log.getvalue().splitlines()
    assert len(lines) == 1, lines
    assert "Traceback" not in lines[0]


def test_a_very_long_path_makes_a_short_log_line(client, app_log):
    assert client.get("/" + "x" * 50_000 + "/").status_code == 404
    lines = app_log.getvalue().splitlines()
    assert len(lines) == 1
    assert len(lines[0]) <= 1000


def test_a_post_with_a_broken_body_to_a_missing_page_is_a_404_not_a_500(client):
    # Found by the fuzz: Django's 404 view read the form, and the body could not be parsed.
    response = client.post(
        "/trainer/x/present/x/", "--\r\n", content_type="multipart/form-data; boundary="
    )
    assert response.status_code == 404
    assert in_the_layout(response)


def test_the_contact_export_with_a_filter_it_does_not_know_is_a_400(client):
    # Found by the fuzz: the export built the list's query without the list's own check.
    admin = User.objects.create_superuser("boss", password="pw-for-tests-only")
    client.force_login(admin)
    assert client.get("/admin/guidance/contact/export/", {"acute_danger": "03"}).status_code == 400
    assert client.get("/admin/guidance/contact/export/").status_code == 200
