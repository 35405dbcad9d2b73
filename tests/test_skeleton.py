"""The question pages made from their skeletons (guidance/jinja.py, views.question_page): the
page a whole render gives, from pieces that hold nothing of a walk (issue 11)."""

import re

import pytest
import yaml

from guidance import jinja, rules
from guidance.pagecache import fragments
from tests.conftest import case_files
from tests.test_guide import raw_of, walk_pages

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def whole_and_skeleton(client, monkeypatch, url, **headers):
    """The page at ``url`` made from its skeleton, and rendered whole, CSRF tokens aside (they
    are masked anew for every request)."""
    from_skeleton = client.get(url, **headers)
    with monkeypatch.context() as patched:
        patched.setattr(jinja, "skeleton", lambda *args: None)
        whole = client.get(url, **headers)
    assert from_skeleton.status_code == whole.status_code == 200, url
    return (
        CSRF.sub("CSRF", whole.content.decode()),
        CSRF.sub("CSRF", from_skeleton.content.decode()),
    )


def single_concern(path):
    facts = yaml.safe_load(path.read_text(encoding="utf-8"))["facts"]
    return len(facts.get("concerns") or ()) <= 1


ONE_CONCERN = [p for p in case_files() if single_concern(p)]


def first_case():
    """The facts of the first case file with one concern (its pages have no per-concern part)."""
    return yaml.safe_load(ONE_CONCERN[0].read_text(encoding="utf-8"))["facts"]


@pytest.mark.parametrize("path", ONE_CONCERN[:6], ids=lambda p: p.stem)
@pytest.mark.parametrize("language", ["nb", "en"])
def test_every_page_of_a_walk_is_the_page_a_whole_render_gives(client, monkeypatch, path, language):
    facts = yaml.safe_load(path.read_text(encoding="utf-8"))["facts"]
    token, passed = walk_pages(client, facts)
    for key, _fields, _step in passed:
        for extra in ("", "&return=review"):
            url = f"/guide/q/{key}/?s={token}{extra}"
            whole, made = whole_and_skeleton(
                client, monkeypatch, url, HTTP_ACCEPT_LANGUAGE=language
            )
            assert made == whole, url
            assert "checked" in made or "selected" in made, url  # the walk's answers show


def test_a_page_whose_questions_depend_on_earlier_answers_shows_each_walk_its_own(
    client, monkeypatch
):
    """A page asks more or fewer questions by earlier answers (show_when: the act page asks
    about peers only for a child under 16): one skeleton per set of questions, each walk shown
    its own, in one process."""
    seen = {}
    for path in ONE_CONCERN:
        client.cookies.clear()
        facts = yaml.safe_load(path.read_text(encoding="utf-8"))["facts"]
        token, passed = walk_pages(client, facts)
        for key, fields, _step in passed:
            if len(fields) > 1 or key in seen:
                url = f"/guide/q/{key}/?s={token}"
                whole, made = whole_and_skeleton(client, monkeypatch, url)
                assert made == whole, (path.stem, key)
            seen.setdefault(key, set()).add(tuple(fields))
    assert any(len(sets) >= 2 for sets in seen.values()), seen


def test_the_pieces_kept_hold_no_token_and_no_answer(client):
    token, _passed = walk_pages(client, {**first_case(), "likelihood": "unclear"})
    page = client.get(f"/guide/q/timing/?s={token}").content.decode()
    assert 'value="unclear" checked' in page
    kept = [(key, value) for key, (value, _size) in fragments.items.items() if key[0] == "skeleton"]
    assert kept
    for key, pieces in kept:
        _skeleton, _version, _language, template, page_key, asked, acute, back = key
        assert template == "guidance/question.html"
        assert isinstance(page_key, str) and isinstance(acute, bool) and isinstance(back, bool)
        assert all(isinstance(fact, str) for fact in asked)
        text = "".join(t or "" for _name, t in pieces)
        assert token not in text and token[:40] not in text
        assert " checked" not in [t for name, t in pieces if name is None]
        assert "checked>" not in text  # every answer's mark is a hole, none is filled in
    assert raw_of(client, token)["likelihood"] == "unclear"


def test_two_walks_get_their_own_answers_on_the_same_page(client):
    pages = []
    certain, unclear = 'value="certain_or_most_likely" checked', 'value="unclear" checked'
    for likelihood in ("certain_or_most_likely", "unclear"):
        client.cookies.clear()
        token, _passed = walk_pages(client, {**first_case(), "likelihood": likelihood})
        pages.append(client.get(f"/guide/q/timing/?s={token}").content.decode())
    assert certain in pages[0] and unclear not in pages[0]
    assert unclear in pages[1] and certain not in pages[1]


def test_a_text_with_a_hole_mark_is_rendered_whole(client, monkeypatch):
    """A mark that only a skeleton's holes may hold (a NUL) in a text, past the forms (which
    refuse it; PostgreSQL refuses it in any text too, so here it is put in the compiled
    content): the page is rendered whole and still right."""
    token, _passed = walk_pages(client, first_case(), until="timing")
    own_help = rules.Question.help

    def odd_help(question, lang="nb"):
        return "Odd\x00text" if question.fact == "likelihood" else own_help(question, lang)

    monkeypatch.setattr(rules.Question, "help", odd_help)
    fragments.clear()
    url = f"/guide/q/timing/?s={token}"
    whole, made = whole_and_skeleton(client, monkeypatch, url, HTTP_ACCEPT_LANGUAGE="en")
    assert made == whole
    assert "Odd\x00text" in made


def test_a_page_with_errors_is_rendered_whole_with_what_was_posted(client):
    token, _passed = walk_pages(client, first_case(), until="timing")
    response = client.post("/guide/q/timing/", {"s": token, "timing": "ongoing"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "error-summary" in text
    assert 'value="ongoing" checked' in text


# --- The result page (views.result_page) -----------------------------------------------------


@pytest.fixture
def fixed_clock(monkeypatch):
    """One minute for the page from the skeleton and the one rendered whole."""
    import datetime as dt

    from django.utils import timezone

    from guidance import presenting

    now = timezone.make_aware(dt.datetime(2026, 12, 4, 14, 30))
    monkeypatch.setattr(presenting, "clock", lambda: now)


def walked_to_the_end(client, path):
    client.cookies.clear()
    facts = yaml.safe_load(path.read_text(encoding="utf-8"))["facts"]
    token, _passed = walk_pages(client, facts)
    return token


@pytest.mark.parametrize("path", case_files(), ids=lambda p: p.stem)
def test_every_result_is_the_page_a_whole_render_gives(client, monkeypatch, fixed_clock, path):
    token = walked_to_the_end(client, path)
    for language in ("nb", "en"):
        url = f"/guide/result/?s={token}"
        whole, made = whole_and_skeleton(client, monkeypatch, url, HTTP_ACCEPT_LANGUAGE=language)
        assert made == whole, (path.stem, language)
        assert "data-outcome=" in made and "2026" in made, (path.stem, language)


def test_the_result_skeleton_holds_nothing_of_a_walk(client, fixed_clock):
    paths = case_files()[:2]
    tokens, pages = [], []
    for path in paths:  # each walk in its own browser (a token is bound to its browser)
        tokens.append(walked_to_the_end(client, path))
        response = client.get(f"/guide/result/?s={tokens[-1]}")
        assert response.status_code == 200
        pages.append(response.content.decode())
    kept = [pieces for key, (pieces, _s) in fragments.items.items() if key[:1] == ("skeleton",)]
    kept = [p for p in kept if p and any(name == "sections_html" for name, _t in p)]
    assert kept
    for pieces in kept:
        text = "".join(t or "" for _name, t in pieces)
        for token in tokens:
            assert token[:40] not in text
        for marker in ("data-outcome=", "data-contact=", "data-now=", "data-summary=", "Fylke"):
            assert marker not in text
        assert 'lang="nb"></textarea>' in text  # the note is a hole
    # Two walks, each its own result from the skeletons kept.
    assert len(kept) <= 2
    for token, page in zip(tokens, pages, strict=True):
        assert f"s={token}" in page
    assert pages[0].split("data-outcome=")[1:] != pages[1].split("data-outcome=")[1:]


def test_the_line_under_the_result_heading_is_escaped_and_in_the_page_language():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from django.utils import translation

    from guidance import cards

    now = datetime(2026, 12, 6, 20, 42, 31, tzinfo=ZoneInfo("Europe/Oslo"))
    with translation.override("nb"):
        line = cards.based_on("Agder <&>", now, translation.gettext)
        assert line == "Basert på svarene dine. Fylke: Agder &lt;&amp;&gt;. 6.12.2026 20:42."
        # The time of a minute is made once, and a new minute is a new time.
        assert cards.short_datetime(now.replace(second=59)) == "6.12.2026 20:42"
        assert cards.short_datetime(now.replace(minute=43)) == "6.12.2026 20:43"
    with translation.override("en"):
        assert cards.short_datetime(now) == "6 Dec 2026, 20:42"
        line = cards.based_on("Agder", now, translation.gettext)
        assert line == "Based on your answers. County: Agder. 6 Dec 2026, 20:42."
