"""Public pages, by their public URLs."""

import pytest


@pytest.mark.django_db
def test_the_home_page_names_the_product_and_its_purpose(client):
    response = client.get("/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Avverge" in text
    assert "tel:112" in text
    assert "tel:113" in text


@pytest.mark.django_db
def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_healthz_says_503_when_the_database_is_down(client, monkeypatch):
    from django.db import DatabaseError, connection

    def broken(*args, **kwargs):
        raise DatabaseError("down")

    monkeypatch.setattr(connection, "cursor", broken)
    response = client.get("/healthz")
    assert response.status_code == 503


@pytest.mark.django_db
def test_a_post_to_a_read_only_page_is_refused_not_an_error(client):
    assert client.post("/").status_code == 405
