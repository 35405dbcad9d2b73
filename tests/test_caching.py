"""What is cached and what never is (issue 11), the queries a page makes, and compression.

The privacy promise: a page that shows a walk's answers is rendered for each request and
never kept in server memory; only pages that depend on nothing but the content and the
language (home, the trainer's) are cached.
"""

import gzip
import re

import brotli
import pytest
from django.template import engines
from django.test.signals import template_rendered
from django.utils import translation
from jinja2 import TemplateSyntaxError

from avverge import compression
from guidance import models, pagecache, presenting
from tests.test_guide import first_case, walk_case

pytestmark = pytest.mark.django_db

CASE = "/trainer/webinar-1-gravid-kvinne"


@pytest.fixture
def renders():
    """The templates rendered, by name, while the test runs."""
    seen = []

    def record(sender, template, **kwargs):
        seen.append(template.name)

    template_rendered.connect(record)
    yield seen
    template_rendered.disconnect(record)


@pytest.fixture
def walked(client):
    return walk_case(client, first_case())


def test_no_review_result_or_question_page_is_served_from_a_cache(client, walked, renders):
    pages = [
        f"/guide/q/timing/?s={walked}",
        f"/guide/review/?s={walked}",
        f"/guide/result/?s={walked}",
    ]
    for url in pages * 2:
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        assert not hasattr(response, "compressed")  # not handed over by the page cache
    assert renders.count("guidance/review.html") == 2
    assert renders.count("guidance/result.html") == 2
    # The three pages, each made for both requests (the question page from its skeleton, which
    # holds none of the walk: tests/test_skeleton.py).
    assert len(renders) == 6
    assert not [key for key in pagecache.pages.held() if "/guide/" in key[2]]


def test_the_result_is_made_for_the_request_it_answers(client, walked, monkeypatch):
    """The same address, a minute later: the page says the new time, so nothing kept it."""
    import datetime as dt

    from django.utils import timezone

    first = timezone.make_aware(dt.datetime(2026, 12, 3, 9, 15))
    monkeypatch.setattr(presenting, "clock", lambda: first)
    assert "3.12.2026 09:15" in client.get(f"/guide/result/?s={walked}").content.decode()
    monkeypatch.setattr(presenting, "clock", lambda: first + dt.timedelta(minutes=1))
    assert "3.12.2026 09:16" in client.get(f"/guide/result/?s={walked}").content.decode()


@pytest.mark.parametrize(
    "url", ["/", "/trainer/", f"{CASE}/present/", f"{CASE}/present/3/", f"{CASE}/present/result/"]
)
def test_public_pages_are_rendered_once_per_content_version_and_language(
    client, renders, django_assert_num_queries, url
):
    first = client.get(url).content
    assert renders
    renders.clear()
    with django_assert_num_queries(0):
        again = client.get(url)
    assert again.content == first
    assert renders == []
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert english.content != first
    assert renders


def test_an_editors_save_reaches_the_cached_page_at_once(client):
    url = f"{CASE}/present/"
    client.get(url)
    case = models.Case.objects.get(slug="webinar-1-gravid-kvinne")
    case.title = "Ny tittel fra redaktøren"
    case.save()
    assert "Ny tittel fra redaktøren" in client.get(url).content.decode()


def test_a_page_with_a_message_for_this_browser_is_not_cached(client, renders):
    client.get("/")
    renders.clear()
    client.cookies["messages"] = "x"
    client.get("/")
    assert "guidance/home.html" in renders


def test_a_library_search_is_not_kept(client):
    client.get("/trainer/?q=gravid")
    assert not [key for key in pagecache.pages.held() if "q=" in key[2]]


# --- Parts the same on every page in a language ({% fixedpart %}) ---------------------------

FIXED = '{% fixedpart "test-exit" %}{{ _("Exit") }} {{ n }}{% endfixedpart %}'


def test_a_fixed_part_is_rendered_once_per_language():
    part = engines["jinja2"].from_string(FIXED)
    with translation.override("nb"):
        assert part.render({"n": 1}) == "Avslutt 1"
        assert part.render({"n": 2}) == "Avslutt 1"  # kept: it must depend on nothing else
    with translation.override("en"):
        assert part.render({"n": 3}) == "Exit 3"


def test_a_fixed_part_is_named_by_a_literal_so_memory_holds_one_copy_a_name():
    with pytest.raises(TemplateSyntaxError, match="a name in quotes"):
        engines["jinja2"].from_string("{% fixedpart name %}{% endfixedpart %}")


# --- No queries on the guide's pages within CONTENT_CHECK_SECONDS -----------------------------


def test_guide_pages_make_no_query_once_the_content_is_loaded(
    client, walked, django_assert_num_queries
):
    client.get("/")  # the content version read for this window
    pages = [
        "/",
        "/guide/q/acute_danger/",
        f"/guide/q/timing/?s={walked}",
        f"/guide/review/?s={walked}",
        f"/guide/result/?s={walked}",
    ]
    for url in pages:
        with django_assert_num_queries(0):
            assert client.get(url).status_code == 200, url
    with django_assert_num_queries(0):
        response = client.post("/guide/q/likelihood/", {"s": walked, "likelihood": "unclear"})
        assert response.status_code == 302


# --- Compression (avverge/compression.py) ----------------------------------------------------

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}
GZIP_ONLY = {"HTTP_ACCEPT_ENCODING": "gzip, deflate"}


def unzipped(response):
    """The page, from Brotli (which a browser that takes both gets) or gzip."""
    if response["Content-Encoding"] == "br":
        return brotli.decompress(response.content).decode()
    assert response["Content-Encoding"] == "gzip"
    return gzip.decompress(response.content).decode()


@pytest.mark.parametrize(
    "header, coding",
    [
        ("gzip, deflate, br", "br"),
        ("br;q=1.0, gzip;q=0.8", "br"),
        ("gzip, deflate", "gzip"),
        ("GZIP", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("br;q=0", None),
        ("identity", None),
        ("", None),
        ("gzip;q=x", "gzip"),
    ],
)
def test_the_coding_is_the_one_the_browser_takes(rf, header, coding):
    assert compression.encoding_for(rf.get("/", HTTP_ACCEPT_ENCODING=header)) == coding


@pytest.mark.parametrize("url", ["/", "/guide/result/?s={walked}"])
def test_a_browser_without_brotli_gets_gzip(client, walked, url):
    response = client.get(url.format(walked=walked), **GZIP_ONLY)
    assert response["Content-Encoding"] == "gzip"
    assert "<html" in unzipped(response)
    response = client.get(url.format(walked=walked), **GZIP)
    assert response["Content-Encoding"] == "br"
    assert "<html" in unzipped(response)


def test_public_pages_are_compressed(client):
    for url in ["/", "/trainer/", f"{CASE}/present/result/"]:
        response = client.get(url, **GZIP)
        assert "<html" in unzipped(response)
        assert "Accept-Encoding" in response["Vary"]


def test_a_page_with_a_csrf_token_is_not_compressed(client):
    response = client.get("/guide/q/acute_danger/", **GZIP)
    assert "csrfmiddlewaretoken" in response.content.decode()
    assert not response.has_header("Content-Encoding")


def test_a_walk_page_is_compressed_only_at_the_address_the_guide_gives_it(client, walked):
    result = client.get(f"/guide/result/?s={walked}", **GZIP)
    assert "data-outcome" in unzipped(result)
    review = client.get(f"/guide/review/?s={walked}&return=review", **GZIP)
    assert "<html" in unzipped(review)
    for extra in ["&guess=abc", "&return=xyz", "&next=1"]:
        response = client.get(f"/guide/result/?s={walked}{extra}", **GZIP)
        assert response.status_code == 200
        assert not response.has_header("Content-Encoding"), extra


def test_nothing_is_compressed_for_a_client_that_does_not_ask(client):
    response = client.get("/")
    assert not response.has_header("Content-Encoding")
    assert re.search(r"<html", response.content.decode())


# --- {% contentcache %}: parts of pages that depend only on the content ----------------------

FRAGMENT = "{% contentcache 'card', code %}{{ code }}:{{ text }}{% endcontentcache %}"


def render_fragment(**context):
    return engines["jinja2"].from_string(FRAGMENT).render(context)


def test_a_fragment_is_rendered_once_per_key_language_and_content_version():
    from django.utils import translation

    assert render_fragment(code="A", text="first") == "A:first"
    assert render_fragment(code="A", text="second") == "A:first"  # kept
    assert render_fragment(code="B", text="second") == "B:second"  # another key
    with translation.override("en"):
        assert render_fragment(code="A", text="third") == "A:third"  # another language
    case = models.Case.objects.first()
    case.save()  # an editor's save: a new content version
    assert render_fragment(code="A", text="fourth") == "A:fourth"


def test_a_fragment_is_escaped_as_the_page_around_it():
    assert render_fragment(code="C", text="<b>") == "C:&lt;b&gt;"
    assert render_fragment(code="C", text="x") == "C:&lt;b&gt;"


# --- The result page's cached fragments: the content's, never the walk's -----------------------


def shown_outcome(client, walked):
    """The first outcome card on the walk's result, as a model row."""
    page = client.get(f"/guide/result/?s={walked}").content.decode()
    code = re.search(r'data-outcome="([A-Z_]+)"', page).group(1)
    return models.Outcome.objects.get(code=code)


def test_an_outcome_text_saved_by_an_editor_shows_on_the_result_at_once(client, walked):
    outcome = shown_outcome(client, walked)
    outcome.body_nb = "Ny tekst fra redaktøren."
    outcome.save()
    page = client.get(f"/guide/result/?s={walked}").content.decode()
    assert "Ny tekst fra redaktøren." in page


def test_an_outcome_text_changed_on_another_server_shows_within_the_window(
    client, walked, settings, monkeypatch
):
    """Another server's save: the rows and the version change without this process's signals."""
    import uuid

    from guidance import content

    now = [1000.0]
    monkeypatch.setattr(content.time, "monotonic", lambda: now[0])
    settings.CONTENT_CHECK_SECONDS = 5
    content.forget()
    outcome = shown_outcome(client, walked)
    models.Outcome.objects.filter(pk=outcome.pk).update(body_nb="Endret på en annen server.")
    models.ContentVersion.objects.filter(pk=1).update(token=uuid.uuid4())
    now[0] += 4
    assert (
        "Endret på en annen server."
        not in client.get(f"/guide/result/?s={walked}").content.decode()
    )
    now[0] += 2
    assert "Endret på en annen server." in client.get(f"/guide/result/?s={walked}").content.decode()


def test_the_result_keeps_no_answer_in_its_fragments(client, walked):
    response = client.get(f"/guide/result/?s={walked}")
    answers = {
        a["answer"]
        for section in response.context["sections"]
        for item in section["items"]
        for rule in item["why"]
        for a in rule["answers"]
    }
    # The note's lines that come from the answers: the concerns and the conclusions.
    note = [
        line
        for line in response.context["note"].splitlines()
        if line.startswith(("Mistanke om:", "- ")) and "___" not in line
    ]
    assert note
    assert pagecache.fragments.held()
    for key in pagecache.fragments.held():
        html = pagecache.fragments.get(key)[0]
        assert not [a for a in answers if f"<strong>{a}</strong>" in html], key
        assert [line for line in note if line in html] == [], key


def test_the_content_memo_holds_only_the_interface_s_own_phrases(client, walked):
    """The result's phrasebook keeps translations of literal phrases from the code (each one
    in the catalogue, so with a bokmål translation of its own), never a text from a walk."""
    client.get(f"/guide/result/?s={walked}")
    held = presenting._memo[1]
    phrases = [p for key in held if key[0] == "phrases" for p in held[key]]
    assert phrases
    with translation.override("nb"):
        assert [p for p in phrases if translation.gettext(p) == p] == []
    # The other keys name content and a language: an outcome, its paragraphs, a contact.
    for key in held:
        assert all(isinstance(part, (str, tuple)) for part in key), key


def test_what_the_content_memo_made_is_dropped_with_the_content():
    made = []
    first, second = object(), object()
    for snap in (first, first, second):
        presenting.content_memo(snap, ("outcome", "DOCUMENT", (), "nb"), lambda: made.append(1))
    assert len(made) == 2


def test_an_answer_relabelled_by_an_editor_shows_on_the_question_page_at_once(client, walked):
    """The question pages make their choices once per content: a save is a new content."""
    url = f"/guide/q/timing/?s={walked}"  # the page that asks the likelihood too
    assert "Ny merkelapp fra redaktøren" not in client.get(url).content.decode()
    option = models.QuestionOption.objects.filter(question__fact="likelihood").first()
    option.label_nb = "Ny merkelapp fra redaktøren"
    option.save()
    assert "Ny merkelapp fra redaktøren" in client.get(url).content.decode()
