"""The interface language: what a browser gets, and the switch (UX review, finding 14)."""

import re

import pytest

pytestmark = pytest.mark.django_db


def html_lang(response):
    return re.search(r'<html lang="([a-z-]+)"', response.content.decode()).group(1)


@pytest.mark.parametrize(
    "accept",
    ["nn-NO,nn;q=0.9,en-US;q=0.8", "nn", "no", "no-NO,en;q=0.5", "nb-NO,nb;q=0.9,en;q=0.8"],
)
def test_a_norwegian_browser_gets_bokmal(client, accept):
    assert html_lang(client.get("/", HTTP_ACCEPT_LANGUAGE=accept)) == "nb"


@pytest.mark.parametrize("accept", ["en-US,en;q=0.9", "en-GB", "nl-NL,en;q=0.5"])
def test_an_english_browser_gets_english(client, accept):
    assert html_lang(client.get("/", HTTP_ACCEPT_LANGUAGE=accept)) == "en"


def test_the_switch_names_each_language_in_its_own_language(client):
    bokmal = client.get("/", HTTP_ACCEPT_LANGUAGE="nb").content.decode()
    assert 'value="en" lang="en">English</button>' in bokmal
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'value="nb" lang="nb">Norsk bokmål</button>' in english


def test_the_switch_is_a_form_without_a_csrf_token(client):
    response = client.get("/guide/q/acute_danger/?s=")
    form = re.search(r'<form class="language-form.*?</form>', response.content.decode(), re.S)
    assert 'method="get"' in form.group(0)
    assert "csrfmiddlewaretoken" not in form.group(0)
    assert "csrftoken" not in client.get("/").cookies


def test_switching_sets_the_cookie_and_returns_to_the_same_step(client):
    response = client.get(
        "/i18n/setlang/", {"language": "en", "next": "/guide/q/timing/?s=abc&return=review"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/guide/q/timing/?s=abc&return=review"
    assert response.cookies["django_language"].value == "en"
    assert html_lang(client.get("/")) == "en"


@pytest.mark.parametrize("language", ["de", "", "nn", "en-us<script>"])
def test_only_a_supported_language_is_set(client, language):
    response = client.get("/i18n/setlang/", {"language": language, "next": "/trainer/"})
    assert response["Location"] == "/trainer/"
    assert "django_language" not in response.cookies


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "http://testserver.evil.example/",
        "javascript:alert(1)",
        "",
    ],
)
def test_the_switch_goes_to_no_other_site(client, next_url):
    response = client.get("/i18n/setlang/", {"language": "en", "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_the_switch_is_not_cached_and_refuses_a_post(client):
    response = client.get("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "no-store" in response["Cache-Control"]
    assert client.post("/i18n/setlang/", {"language": "en"}).status_code == 405
