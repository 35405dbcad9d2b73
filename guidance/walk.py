"""The state of a clinician's walk through the guide: the answers given so far.

The answers travel between requests in an encrypted token (sealed by ``guidance.sealing``),
never in the database or a session, so nothing is stored on the server and any app server can
continue the walk. A request reads its token once (``Walk.from_token``) into typed answers;
which page comes next is ``rules``' to decide.
"""

from functools import cached_property
from types import MappingProxyType

from . import rules
from .sealing import BrokenWalk, keys, seal, unseal

__all__ = ["BrokenWalk", "Walk", "typed_answers"]


class Walk:
    """The answers given so far, as raw contract values (``raw``, what the token carries) and as
    typed facts (``answers``). ``browser`` is the walk cookie's value the token is bound to
    ("" for none)."""

    def __init__(self, raw=None, browser="", keys=None, answers=None, token=None):
        self.raw = dict(raw or {})
        self.browser = browser
        if keys is not None:
            self.keys = keys
        if answers is not None:  # ``raw`` typed already (``with_answers``)
            self.answers = MappingProxyType(dict(answers))
        if token is not None:  # ``raw`` read from this token (``from_token``)
            self.token = token

    @classmethod
    def from_token(cls, token, browser=""):
        """The walk in ``token``; BrokenWalk when it is forged, expired, made in another
        browser, or holds answers that do not fit the contract.

        The walk's links carry ``token`` itself until an answer changes the walk
        (``with_answers``): a page that is only looked at seals nothing, and a token's age
        stays the time since the last answer."""
        if not token:
            return cls(browser=browser)
        opener = keys(browser)
        walk = cls(unseal(token, browser, opener), browser, opener, token=token)
        try:
            walk.answers  # noqa: B018 - parsed here, so a bad token never reaches a view
        except rules.FactError:
            raise BrokenWalk("tampered") from None
        return walk

    @cached_property
    def keys(self):
        """The browser's keys (``sealing.keys``), derived once for the token read and the one
        written in a request."""
        return keys(self.browser)

    @cached_property
    def token(self):
        """Sealed once per walk (or the token it was read from): every link on a page carries
        the same token."""
        return seal(self.raw, self.browser, self.keys) if self.raw else ""

    @cached_property
    def answers(self):
        """The answers as typed facts (bools, frozensets, per-concern mappings), for conditions
        and the engine; read-only, parsed once per walk."""
        return typed_answers(self.raw)

    def route(self, questions):
        """``rules.route`` for this walk's answers, worked out once per walk (that is, once
        a request: a walk lives as long as its request)."""
        held = self.__dict__.get("_route")
        if held is None or held[0] is not questions:
            held = self._route = (questions, rules.route(questions, self.answers))
        return held[1]

    def with_answers(self, values, questions):
        """The walk with these answers given (raw contract values), and the answers that no
        longer apply dropped."""
        raw = dict(self.raw)
        raw.update(values)
        for fact, value in values.items():
            if isinstance(value, list):  # a forged POST may repeat a value many times
                raw[fact] = list(dict.fromkeys(value))
        if "concerns" in values:
            raw = rules.fit_per_concern(raw, values["concerns"])
        kept = rules.prune_answers(questions, typed_answers(raw))
        raw = {k: v for k, v in raw.items() if k in kept}
        return Walk(raw, self.browser, self.keys, kept)


def typed_answers(raw):
    """The answers in ``raw`` as typed facts, only those given (unlike ``rules.normalize_facts``,
    no neutral values for the rest). Raises rules.FactError for an unknown fact or a value that
    does not fit."""
    typed = {}
    for fact, value in raw.items():
        spec = rules.FACTS.get(fact)
        if spec is None:
            raise rules.FactError(fact, "unknown fact")
        if spec.per_concern:
            if isinstance(value, dict) and "concerns" not in raw:
                raise rules.FactError(fact, "a per-concern answer needs the concerns")
            concerns = (
                rules.parse_value("concerns", raw.get("concerns") or list(value))
                if isinstance(value, dict)
                else frozenset()
            )
            typed[fact] = rules.normalize_per_concern(spec, value, concerns)
        else:
            typed[fact] = rules.parse_value(fact, value)
    return MappingProxyType(typed)
