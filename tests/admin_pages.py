"""Helpers for admin tests: read a form as a browser would submit it, and the editor users."""

from html.parser import HTMLParser

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group


class FormReader(HTMLParser):
    """The fields of the page's form with ``form_id`` (or its main POST form) and their current
    values, as a browser submits them without any change: checked boxes, selected options."""

    def __init__(self, form_id=None):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.done = False
        self.data = []
        self.select = None
        self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and not self.done:
            if self.form_id:
                wanted = attrs.get("id") == self.form_id
            else:  # the page's own form, not the logout button in the header
                wanted = attrs.get("method") == "post" and attrs.get("id") != "logout-form"
            self.inside = self.inside or wanted
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data.append(
                (name, attrs.get("value", "on" if attrs.get("type") == "checkbox" else ""))
            )
        elif tag == "select" and name:
            self.select = name
        elif tag == "option" and self.select and "selected" in attrs:
            self.data.append((self.select, attrs.get("value", "")))
        elif tag == "textarea" and name:
            self.textarea = [name, ""]

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            name, text = self.textarea
            self.data.append((name, text[1:] if text.startswith("\n") else text))
            self.textarea = None
        elif tag == "form" and self.inside:
            self.inside, self.done = False, True


def form_data(client, url, form_id=None, **changes):
    """The form on ``url`` as a dict for the test client (lists for repeated names), with
    ``changes`` applied; a change key's double underscores stand for hyphens."""
    response = client.get(url)
    assert response.status_code == 200, url
    reader = FormReader(form_id)
    reader.feed(response.content.decode())
    data = {}
    for name, value in reader.data:
        data.setdefault(name, []).append(value)
    data = {k: v[0] if len(v) == 1 else v for k, v in data.items()}
    for key, value in changes.items():
        data[key.replace("__", "-")] = value
    return data


def make_editor(group, username=None):
    """A staff user in one of the editor groups (the database must be open)."""
    user = get_user_model().objects.create_user(
        username=username or f"redaktor-{get_user_model().objects.count() + 1}",
        password=None,
        is_staff=True,
    )
    user.groups.add(Group.objects.get(name=group))
    return user
