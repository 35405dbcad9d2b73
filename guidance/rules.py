"""The rule engine: facts in, outcomes, contacts and a trace out.

Plain Python with no Django imports, so the legal logic can be unit tested in microseconds and
read next to the statute. The vocabulary (facts, values, outcome codes, contact slugs) is the
contract in ``shared/spec/CONTRACT.md``; the rules themselves are data (the rule table that
administrators edit), loaded into these frozen dataclasses by ``guidance.content``.

A rule is a row of a DMN-style "collect" decision table: all of its conditions must hold, and
then it gives one or more outcomes. Every rule that fires contributes; an outcome given by
several rules appears once, with every rule in the trace.

Some outcomes depend on others ("keep confidentiality" only when nothing obliges or allows
sharing). A condition may therefore test the pseudo-fact ``outcomes``: the codes given by the
rules that do not themselves depend on it. The engine orders rules into layers so that a rule
testing an outcome runs after every rule that can give it, and refuses a table with a cycle.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any

import holidays

# ---------------------------------------------------------------------------------------------
# The contract: facts and their values (CONTRACT.md section 1)

CONCERNS = (
    "partner_family_violence",
    "sexual_violence",
    "trafficking",
    "forced_marriage",
    "fgm",
    "negative_social_control",
    "elder_abuse",
    "child_maltreatment",
    "threat_to_life",
)
PERSON_AGES = ("child_under_14", "child_14_15", "child_16_17", "adult", "unknown")
CHILD_AGES = ("child_under_14", "child_14_15", "child_16_17")
TIMINGS = ("ongoing", "expected", "past_only")
SEXUAL_ACTS = (
    "intercourse_without_consent",
    "abuse_of_position",
    "intercourse_with_minor",
    "other_sexual_act",
    "unclear",
)
LIKELIHOODS = ("certain_or_most_likely", "reason_to_believe", "unclear")
CONSENTS = ("agrees", "refuses", "not_asked", "lacks_capacity")
YES_NO_UNKNOWN = ("yes", "no", "unknown")
COMPANIONS = ("none", "adult", "child")
BOOL_VALUES = ("true", "false")


@dataclass(frozen=True)
class FactSpec:
    name: str
    kind: str  # "list", "bool", "enum" or "county"
    values: tuple[str, ...] = ()
    default: Any = None  # None: required
    per_concern: bool = False  # one value, or a mapping from each of the case's concerns

    @property
    def required(self) -> bool:
        return self.default is None


FACTS: Mapping[str, FactSpec] = MappingProxyType(
    {
        spec.name: spec
        for spec in (
            FactSpec("concerns", "list", CONCERNS),
            FactSpec("serious_or_repeated", "bool", BOOL_VALUES, False),
            FactSpec("aggravated", "bool", BOOL_VALUES, False),
            FactSpec("sexual_act", "enum", SEXUAL_ACTS, "unclear"),
            FactSpec("peers", "bool", BOOL_VALUES, False),
            FactSpec("person_age", "enum", PERSON_AGES, "unknown"),
            FactSpec("timing", "enum", TIMINGS, per_concern=True),
            FactSpec("likelihood", "enum", LIKELIHOODS, "unclear", per_concern=True),
            FactSpec("acute_danger", "bool", BOOL_VALUES, False),
            FactSpec("consent", "enum", CONSENTS, "not_asked"),
            FactSpec("children_in_household", "enum", YES_NO_UNKNOWN, "unknown"),
            FactSpec("pregnant", "bool", BOOL_VALUES, False),
            FactSpec("needs_interpreter", "bool", BOOL_VALUES, False),
            FactSpec("companion", "enum", COMPANIONS, "none"),
            FactSpec("county", "county"),
        )
    }
)

# Outcome codes, kinds and sections (CONTRACT.md section 2). Sections are listed in the order
# the result is read: what to do now first, the record last.
OUTCOME_CODES = (
    "ACUTE_EMERGENCY",
    "AVERT_DUTY",
    "AVERT_WATCH",
    "NO_AVERT_DUTY",
    "NOTIFY_POLICE",
    "NOTIFY_CHILD_WELFARE",
    "SHARE_WITH_CONSENT",
    "SHARE_WITH_PROXY_CONSENT",
    "SHARE_WITHOUT_CONSENT",
    "KEEP_CONFIDENTIALITY",
    "TELL_PATIENT",
    "QUALIFIED_INTERPRETER",
    "NO_CHILD_INTERPRETER",
    "NO_COMPANION_INTERPRETER",
    "TALK_ALONE",
    "PREGNANCY_CARE",
    "CHILDREN_AS_RELATIVES",
    "DOCUMENT",
    "REFER_TRAFFICKING",
    "REFER_HONOUR_VIOLENCE",
    "REFER_ELDER_ABUSE",
    "REFER_SEXUAL_ASSAULT",
    "REFER_CRISIS_CENTRE",
    "CONSULT_EXPERT",
)
KINDS = ("must", "may", "must_not", "advice")
SOURCED_KINDS = ("must", "must_not")  # a duty and a prohibition must cite a legal source
SECTIONS = ("acute", "avert", "sharing", "interpreter", "care", "referral", "documentation")

CONTACT_SLUGS = (
    "police-112",
    "medical-113",
    "police-02800",
    "legevakt-116117",
    "alarmtelefonen-116111",
    "vo-linjen-116006",
    "rosa",
    "kompetanseteamet",
    "rode-kors-telefonen",
    "vern-for-eldre",
    "barnevernvakten",
    "barneverntjenesten",
    "krisesentre",
    "overgrepsmottak",
    "statens-barnehus",
    "stottesenter-kriminalitetsutsatte",
    "nasjonalt-tolkeregister",
    "rvts-ost",
    "rvts-sor",
    "rvts-vest",
    "rvts-midt",
    "rvts-nord",
    "dinutvei",
    "menneskertilsalgs",
)

# The pseudo-fact a condition may test to depend on other rules' outcomes.
OUTCOMES_FACT = "outcomes"
# Facts that take one value for the whole case or one per concern (CONTRACT.md section 1).
PER_CONCERN_FACTS = tuple(name for name, spec in FACTS.items() if spec.per_concern)

# ---------------------------------------------------------------------------------------------
# Conditions


OPERATORS = {
    # operator: (label, takes a value, value is a list)
    "equals": ("equals", True, False),
    "not_equals": ("does not equal", True, False),
    "in": ("is one of", True, True),
    "not_in": ("is none of", True, True),
    "contains": ("contains", True, False),
    "contains_any": ("contains any of", True, True),
    "contains_none": ("contains none of", True, True),
    "is_true": ("is true", False, False),
    "is_false": ("is false", False, False),
}

# Which operators make sense for which kind of fact.
OPERATORS_BY_KIND = {
    "list": ("contains", "contains_any", "contains_none"),
    "bool": ("is_true", "is_false"),
    "enum": ("equals", "not_equals", "in", "not_in"),
    "county": ("equals", "not_equals", "in", "not_in"),
}


class RuleError(ValueError):
    """A rule or condition does not fit the contract (unknown fact, operator or value).

    The message is English, for the engine's callers and the command line. ``field`` names
    what to change ("fact", "operator", "value", "outcomes"), ``code`` says what is wrong (one
    of RULE_ERRORS) and ``value`` holds the offending value, if one: the admin turns them into
    the editor's words without deciding anything again."""

    def __init__(self, message: str, *, field: str = "", code: str = "invalid", value: str = ""):
        super().__init__(message)
        self.field = field
        self.code = code
        self.value = value


# The codes a RuleError carries, each with the field it is about.
RULE_ERRORS: Mapping[str, str] = MappingProxyType(
    {
        "unknown_fact": "fact",
        "unknown_operator": "operator",
        "operator_mismatch": "operator",
        "value_not_taken": "value",
        "value_missing": "value",
        "one_value": "value",
        "not_county": "value",
        "unknown_value": "value",
        "unknown_outcome": "outcomes",
        "rule_cycle": "outcomes",
    }
)


class FactError(ValueError):
    """The facts do not fit the contract. ``key`` names the offending fact."""

    def __init__(self, key: str, message: str):
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


def fact_kind(fact: str) -> str:
    if fact == OUTCOMES_FACT:
        return "list"
    try:
        return FACTS[fact].kind
    except KeyError:
        raise RuleError(
            f"unknown fact '{fact}'", field="fact", code="unknown_fact", value=fact
        ) from None


def fact_values(fact: str) -> tuple[str, ...]:
    """The values a condition on ``fact`` may name (empty for counties: checked elsewhere)."""
    if fact == OUTCOMES_FACT:
        return OUTCOME_CODES
    fact_kind(fact)
    return FACTS[fact].values


@dataclass(frozen=True)
class Condition:
    fact: str
    op: str
    value: tuple[str, ...] = ()
    # The compiled test (_predicate), set once in __post_init__; not part of the condition's
    # identity, so equality, hashing and repr (the admin's proof cache key) ignore it.
    _test: Callable[[Any], bool] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        kind = fact_kind(self.fact)
        if self.op not in OPERATORS:
            raise RuleError(
                f"unknown operator '{self.op}'",
                field="operator",
                code="unknown_operator",
                value=self.op,
            )
        if self.op not in OPERATORS_BY_KIND[kind]:
            allowed = ", ".join(OPERATORS_BY_KIND[kind])
            raise RuleError(
                f"operator '{self.op}' does not fit fact '{self.fact}' ({allowed})",
                field="operator",
                code="operator_mismatch",
                value=self.op,
            )
        _, takes_value, is_list = OPERATORS[self.op]
        if not takes_value and self.value:
            raise RuleError(
                f"operator '{self.op}' takes no value", field="value", code="value_not_taken"
            )
        if takes_value and not self.value:
            raise RuleError(
                f"operator '{self.op}' on '{self.fact}' needs a value",
                field="value",
                code="value_missing",
            )
        if takes_value and not is_list and len(self.value) != 1:
            raise RuleError(
                f"operator '{self.op}' takes exactly one value", field="value", code="one_value"
            )
        allowed_values = fact_values(self.fact)
        for value in self.value:
            if kind == "county":
                if not re.fullmatch(r"\d\d", value):
                    raise RuleError(
                        f"'{value}' is not a two-digit county number",
                        field="value",
                        code="not_county",
                        value=value,
                    )
            elif value not in allowed_values:
                raise RuleError(
                    f"'{value}' is not a value of '{self.fact}' ({', '.join(allowed_values)})",
                    field="value",
                    code="unknown_value",
                    value=value,
                )

        object.__setattr__(self, "_test", _predicate(self.op, self.value))

    @property
    def per_concern(self) -> bool:
        """Whether the condition is met concern by concern (CONTRACT.md section 1): a test on
        timing or likelihood, or a ``contains``/``contains_any`` on the concerns. A rule's
        per-concern conditions must all be met by the same concern; ``contains_none`` tests
        the whole list."""
        if self.fact == "concerns":
            return self.op in ("contains", "contains_any")
        return self.fact in PER_CONCERN_FACTS

    def holds(self, facts: Mapping[str, Any]) -> bool:
        actual = facts[self.fact]
        if isinstance(actual, Mapping):  # a per-concern answer: met if any concern meets it
            return any(self._test(value) for value in actual.values())
        return self._test(actual)

    def describe(self, facts: Mapping[str, Any]) -> str:
        """A short reason for the trace, naming the fact and the answer that met it."""
        actual = facts[self.fact]
        if isinstance(actual, Mapping):
            shown = "{" + ", ".join(f"{k}: {v}" for k, v in sorted(actual.items())) + "}"
        elif isinstance(actual, bool):
            shown = "true" if actual else "false"
        elif isinstance(actual, (tuple, list, set, frozenset)):
            shown = "[" + ", ".join(sorted(actual)) + "]"
        else:
            shown = str(actual)
        label = OPERATORS[self.op][0]
        if self.value:
            return f"{self.fact} = {shown} ({label} {', '.join(self.value)})"
        return f"{self.fact} = {shown}"


def _predicate(op: str, value: tuple[str, ...]) -> Callable[[Any], bool]:
    """Compile an operator and its value into a one-argument test, once per condition."""
    first, many = (value[0] if value else None), frozenset(value)
    tests: dict[str, Callable[[Any], bool]] = {
        "is_true": lambda actual: actual is True,
        "is_false": lambda actual: actual is False,
        "equals": lambda actual: actual == first,
        "not_equals": lambda actual: actual != first,
        "in": lambda actual: actual in many,
        "not_in": lambda actual: actual not in many,
        "contains": lambda actual: first in actual,
        "contains_any": lambda actual: not many.isdisjoint(actual),
        "contains_none": lambda actual: many.isdisjoint(actual),
    }
    return tests[op]


# ---------------------------------------------------------------------------------------------
# Rules, outcomes, contacts


@dataclass(frozen=True)
class Rule:
    key: str
    name: str
    conditions: tuple[Condition, ...]
    outcomes: tuple[str, ...]
    categories: tuple[str, ...] = ()  # contact categories the rule shows besides its outcomes'
    # The conditions split once, for evaluate: those on the whole case, those per concern.
    whole_case: tuple[Condition, ...] = field(init=False, repr=False, compare=False)
    by_concern: tuple[Condition, ...] = field(init=False, repr=False, compare=False)
    # The facts the conditions test, in order, each once (the outcomes given aside).
    tested: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "whole_case", tuple(c for c in self.conditions if not c.per_concern)
        )
        object.__setattr__(self, "by_concern", tuple(c for c in self.conditions if c.per_concern))
        tested = dict.fromkeys(c.fact for c in self.conditions if c.fact != OUTCOMES_FACT)
        object.__setattr__(self, "tested", tuple(tested))

    def depends_on(self) -> frozenset[str]:
        """Outcome codes this rule's conditions test."""
        return frozenset(v for c in self.conditions if c.fact == OUTCOMES_FACT for v in c.value)


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of an outcome's text shown only when ``condition`` holds (always when it
    is None), with legal sources that are cited only when it is shown."""

    texts: Mapping[str, str]
    condition: Condition | None = None
    legal_links: tuple[tuple[str, str], ...] = ()  # (citation, url)

    def text(self, lang: str = "nb") -> str:
        return self.texts.get(lang) or self.texts.get("nb") or ""

    def fits(self, facts: Mapping[str, Any], codes: Collection[str]) -> bool:
        if self.condition is None:
            return True
        if self.condition.fact == OUTCOMES_FACT:
            return self.condition._test(frozenset(codes))
        return self.condition.holds(facts)


# The one-line texts an outcome may have besides its title and body: the "do this now" line,
# the section's conclusion, the record note's sentence and its "done" line with blanks.
LINES = ("now", "summary", "note", "done")


@dataclass(frozen=True)
class Outcome:
    code: str
    kind: str
    section: str
    priority: int = 100
    titles: Mapping[str, str] = field(default_factory=dict)
    bodies: Mapping[str, str] = field(default_factory=dict)
    legal_basis: tuple[str, ...] = ()
    legal_links: tuple[tuple[str, str], ...] = ()  # (citation, url)
    categories: tuple[str, ...] = ()
    paragraphs: tuple[Paragraph, ...] = ()
    lines: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # LINES -> lang -> text

    def title(self, lang: str = "nb") -> str:
        return self.titles.get(lang) or self.titles.get("nb") or self.code

    def body(self, lang: str = "nb") -> str:
        return self.bodies.get(lang) or self.bodies.get("nb") or ""

    def line(self, name: str, lang: str = "nb") -> str:
        texts = self.lines.get(name) or {}
        return texts.get(lang) or texts.get("nb") or ""

    def fitting(self, facts: Mapping[str, Any], codes: Collection[str]) -> tuple[Paragraph, ...]:
        """The conditional paragraphs that fit the case (``codes``: the result's outcomes)."""
        return tuple(p for p in self.paragraphs if p.fits(facts, codes))

    @property
    def sort_key(self) -> tuple[int, int, str]:
        section = SECTIONS.index(self.section) if self.section in SECTIONS else len(SECTIONS)
        return (section, self.priority, self.code)


@dataclass(frozen=True)
class Contact:
    slug: str
    names: Mapping[str, str]
    categories: tuple[str, ...]
    counties: frozenset[str] | None = None  # None: national
    phone: str | None = None
    order: int = 100
    extra: Mapping[str, Any] = field(default_factory=dict)  # display data for the pages

    def name(self, lang: str = "nb") -> str:
        return self.names.get(lang) or self.names.get("nb") or self.slug

    def serves(self, county: str) -> bool:
        return self.counties is None or county in self.counties


@dataclass(frozen=True)
class RuleSet:
    """Everything evaluation needs, compiled once: rules in dependency order, outcomes by code,
    contacts, and the known counties."""

    rules: tuple[Rule, ...]
    outcomes: Mapping[str, Outcome]
    contacts: tuple[Contact, ...] = ()
    counties: frozenset[str] = frozenset()

    @classmethod
    def build(
        cls,
        rules: Sequence[Rule],
        outcomes: Sequence[Outcome],
        contacts: Sequence[Contact] = (),
        counties: Sequence[str] = (),
    ) -> RuleSet:
        by_code = {o.code: o for o in outcomes}
        for rule in rules:
            for code in rule.outcomes:
                if code not in by_code:
                    raise RuleError(
                        f"rule '{rule.key}' gives unknown outcome '{code}'",
                        field="outcomes",
                        code="unknown_outcome",
                        value=code,
                    )
        ordered = order_rules(rules)
        return cls(
            rules=ordered,
            outcomes=MappingProxyType(by_code),
            contacts=tuple(sorted(contacts, key=lambda c: (c.order, c.slug))),
            counties=frozenset(counties),
        )


def order_rules(rules: Sequence[Rule]) -> tuple[Rule, ...]:
    """Order rules so that a rule testing an outcome runs after every rule that gives it.

    Each rule gets a layer: 0 if it tests no outcome, otherwise one more than the highest layer
    of the rules giving what it tests. A cycle (a rule that would wait on itself) is an error.
    """
    givers: dict[str, list[int]] = {}
    for i, rule in enumerate(rules):
        for code in rule.outcomes:
            givers.setdefault(code, []).append(i)
    layer: dict[int, int] = {}
    visiting: set[int] = set()

    def layer_of(i: int) -> int:
        if i in layer:
            return layer[i]
        if i in visiting:
            raise RuleError(
                f"rule '{rules[i].key}' depends on its own outcome through a cycle",
                field="outcomes",
                code="rule_cycle",
                value=rules[i].key,
            )
        visiting.add(i)
        deps = [j for code in rules[i].depends_on() for j in givers.get(code, ())]
        layer[i] = 1 + max(map(layer_of, deps)) if deps else 0
        visiting.discard(i)
        return layer[i]

    indexes = sorted(range(len(rules)), key=lambda i: (layer_of(i), i))
    return tuple(rules[i] for i in indexes)


# ---------------------------------------------------------------------------------------------
# Facts


def normalize_facts(
    raw: Mapping[str, Any], counties: frozenset[str] = frozenset()
) -> Mapping[str, Any]:
    """Check ``raw`` against the contract and fill in neutral values for omitted facts.

    Raises FactError naming the first fact that is unknown, missing or has a wrong value.
    Lenient where the contract asks it to be: YAML's bare yes/no for children_in_household and
    an unquoted county number are accepted. ``counties``, when given, lists the valid county
    numbers.
    """
    if not isinstance(raw, Mapping):
        raise FactError("facts", "expected a mapping of fact names to values")
    for key in raw:
        if key not in FACTS:
            raise FactError(str(key), f"unknown fact; expected one of {', '.join(FACTS)}")
    facts: dict[str, Any] = {}
    for name, spec in FACTS.items():
        if name not in raw or raw[name] is None:
            if spec.required:
                raise FactError(name, "missing; this fact is required")
            facts[name] = spec.default
            continue
        if spec.per_concern:
            facts[name] = normalize_per_concern(spec, raw[name], facts["concerns"])
            continue
        facts[name] = parse_value(name, raw[name], counties)
    return MappingProxyType(facts)


def normalize_per_concern(spec: FactSpec, value: Any, concerns: frozenset[str]) -> Any:
    """One value for every concern, or a mapping that names exactly the case's concerns.

    A mapping whose values are all the same is the same answer as that one value, and is
    returned as it; otherwise a read-only mapping from concern to value.
    """
    if not isinstance(value, Mapping):
        return parse_value(spec.name, value)
    name = spec.name
    for concern in value:
        if concern not in concerns:
            raise FactError(
                f"{name}.{concern}",
                f"'{concern}' is not one of the case's concerns "
                f"({', '.join(sorted(concerns))}); name exactly those",
            )
    missing = sorted(concerns - set(value))
    if missing:
        raise FactError(
            f"{name}.{missing[0]}",
            f"missing; a {name} mapping must give a value for each concern "
            f"({', '.join(sorted(concerns))})",
        )
    typed = {}
    for concern, item in value.items():
        try:
            typed[concern] = parse_value(name, item)
        except FactError as e:
            raise FactError(f"{name}.{concern}", e.message) from None
    if len(set(typed.values())) == 1:
        return next(iter(typed.values()))
    return MappingProxyType(dict(sorted(typed.items(), key=lambda kv: CONCERNS.index(kv[0]))))


def value_for(facts: Mapping[str, Any], fact: str, concern: str) -> Any:
    """The answer to a per-concern fact for one concern."""
    value = facts[fact]
    return value[concern] if isinstance(value, Mapping) else value


def parse_value(fact: str, value: Any, counties: frozenset[str] = frozenset()) -> Any:
    """One answer to ``fact`` as its typed value: a frozenset for a list, a bool, an enum's
    value, a two-digit county number (one of ``counties``, when given).

    Lenient as ``normalize_facts`` is (YAML's bare yes/no, an unquoted county number, "true"
    as text); raises FactError when the value does not fit.
    """
    spec = FACTS[fact]
    name = spec.name
    if spec.kind == "list":
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple, set, frozenset)) or not value:
            raise FactError(name, f"expected a list of at least one of {', '.join(spec.values)}")
        for item in value:
            if item not in spec.values:
                raise FactError(
                    name, f"unknown value '{item}'; expected one of {', '.join(spec.values)}"
                )
        return frozenset(value)
    if spec.kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise FactError(name, f"expected true or false, got '{value}'")
    if spec.kind == "enum":
        if isinstance(value, bool) and spec.values == YES_NO_UNKNOWN:
            # YAML 1.1 reads a bare yes/no as a boolean: take it as the trainer meant it.
            return "yes" if value else "no"
        if value not in spec.values:
            raise FactError(
                name, f"unknown value '{value}'; expected one of {', '.join(spec.values)}"
            )
        return value
    # county: a two-digit string; YAML reads a bare 03 as the number 3.
    if isinstance(value, int) and not isinstance(value, bool):
        value = f"{value:02d}"
    if not isinstance(value, str) or not re.fullmatch(r"\d\d", value):
        raise FactError(name, f"expected a two-digit county number, got '{value}'")
    if counties and value not in counties:
        raise FactError(
            name, f"unknown county '{value}'; expected one of {', '.join(sorted(counties))}"
        )
    return value


# ---------------------------------------------------------------------------------------------
# Evaluation


class TraceEntry:
    """A rule that fired: which, what it gave, and why. ``because`` and ``unmet`` are worked
    out when first read, from what the engine saw: the result page reads ``unmet`` for a few
    rules and ``because`` for none, and working both out for every rule was a third of the
    engine's time (issue 11)."""

    def __init__(
        self,
        rule: Rule,
        concern: str | None,
        seen: tuple[
            RuleSet, Mapping[str, Any], frozenset[str], Sequence[tuple[str, dict[str, Any]]]
        ],
    ) -> None:
        self.rule = rule.key
        self.name = rule.name
        self.outcomes = rule.outcomes
        self.facts = rule.tested  # the facts the rule's conditions tested, in order
        # The concern that met the rule's per-concern conditions (None: no such condition).
        self.concern = concern
        # The rule, the ruleset, the facts, the outcomes given before the rule fired and the
        # concerns' scopes.
        self._seen = (rule, *seen)

    def _scope(self) -> dict[str, Any]:
        """The facts as the rule saw them, the outcomes given by then among them."""
        _rule, _ruleset, facts, given, _concerns = self._seen
        return {**facts, OUTCOMES_FACT: given}

    @cached_property
    def because(self) -> tuple[str, ...]:
        """Each condition of the rule with the value it saw ("likelihood = unclear")."""
        rule, _ruleset, _facts, _given, concerns = self._seen
        seen = self._scope() | (dict(concerns)[self.concern] if self.concern else {})
        because = tuple(c.describe(seen) for c in rule.conditions)
        return ((f"concern = {self.concern}",) if self.concern else ()) + because

    @cached_property
    def unmet(self) -> tuple[Condition, ...]:
        """For a rule that fired because another outcome was not given (``outcomes`` contains
        none of …): the conditions of the nearest rules giving it that the answers did not
        meet, such as a likelihood below "certain or most likely" for a duty to avert."""
        rule, ruleset, _facts, _given, concerns = self._seen
        return unmet_conditions(ruleset, rule, self._scope(), concerns, self.concern)


@dataclass(frozen=True)
class Result:
    facts: Mapping[str, Any]
    outcomes: tuple[Outcome, ...]
    contacts: tuple[Contact, ...]
    trace: tuple[TraceEntry, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(o.code for o in self.outcomes)

    @property
    def contact_slugs(self) -> tuple[str, ...]:
        return tuple(c.slug for c in self.contacts)

    def rules_for(self, code: str) -> tuple[TraceEntry, ...]:
        """The trace entries (rules and reasons) that gave outcome ``code``."""
        return self._by_outcome.get(code, ())

    @cached_property
    def _by_outcome(self) -> dict[str, tuple[TraceEntry, ...]]:
        found: dict[str, list[TraceEntry]] = {}
        for t in self.trace:
            for code in dict.fromkeys(t.outcomes):
                found.setdefault(code, []).append(t)
        return {code: tuple(entries) for code, entries in found.items()}


def concern_scopes(facts: Mapping[str, Any]) -> tuple[tuple[str, dict[str, Any]], ...]:
    """For each concern of the case, in the contract's order, what its per-concern
    conditions see: that one concern, with its own timing and likelihood."""
    return tuple(
        (
            concern,
            {"concerns": frozenset((concern,))}
            | {fact: value_for(facts, fact, concern) for fact in PER_CONCERN_FACTS},
        )
        for concern in CONCERNS
        if concern in facts["concerns"]
    )


def fires(
    rule: Rule, scope: Mapping[str, Any], concerns: Sequence[tuple[str, Mapping[str, Any]]]
) -> tuple[bool, str | None]:
    """Whether ``rule`` fires: every whole-case condition holds, and one concern meets all of
    its per-concern conditions at once. Returns the concern too (None when the rule has no
    per-concern condition)."""
    for condition in rule.whole_case:
        if not condition._test(scope[condition.fact]):
            return False, None
    if not rule.by_concern:
        return True, None
    for concern, seen in concerns:
        for condition in rule.by_concern:
            if not condition._test(seen[condition.fact]):
                break
        else:
            return True, concern
    return False, None


def evaluate(ruleset: RuleSet, raw_facts: Mapping[str, Any]) -> Result:
    """Apply every rule of ``ruleset`` to the facts and collect what fires.

    Outcomes come ordered by section, then priority; contacts are those in the categories of
    the outcomes (and of the rules that fired), national ones and those serving the county, in
    the order of the first outcome that calls for them. Raises FactError when the facts do not
    fit the contract.
    """
    return evaluate_facts(ruleset, normalize_facts(raw_facts, ruleset.counties))


def evaluate_facts(ruleset: RuleSet, facts: Mapping[str, Any]) -> Result:
    """``evaluate`` for facts that ``normalize_facts`` has already checked."""
    given: set[str] = set()
    trace: list[TraceEntry] = []
    fired: list[Rule] = []
    concerns = concern_scopes(facts)
    # Rules are ordered by layer, so ``given`` holds every outcome a dependent rule may test.
    scope = dict(facts)
    scope[OUTCOMES_FACT] = given
    for rule in ruleset.rules:
        hit, concern = fires(rule, scope, concerns)
        if not hit:
            continue
        # The outcomes given so far, as the rule saw them (``given`` grows as rules fire).
        trace.append(TraceEntry(rule, concern, (ruleset, facts, frozenset(given), concerns)))
        fired.append(rule)
        given.update(rule.outcomes)
    outcomes = sorted((ruleset.outcomes[code] for code in given), key=lambda o: o.sort_key)
    return Result(
        facts=facts,
        outcomes=tuple(outcomes),
        contacts=select_contacts(ruleset.contacts, outcomes, facts["county"], fired),
        trace=tuple(trace),
    )


def unmet_conditions(
    ruleset: RuleSet,
    rule: Rule,
    scope: dict[str, Any],
    concerns: Sequence[tuple[str | None, dict[str, Any]]],
    concern: str | None,
) -> tuple[Condition, ...]:
    """What kept the outcomes that ``rule`` waits the absence of from being given: for each
    outcome its ``contains_none`` condition names, the rules giving it that concern the same
    matter (their conditions on the concerns hold for ``concern``, or for any concern), and
    of those the ones that missed by the fewest conditions. Their unmet conditions, each once.
    """
    absent = {
        code
        for c in rule.conditions
        if c.fact == OUTCOMES_FACT and c.op == "contains_none"
        for code in c.value
    }
    if not absent:
        return ()
    scopes = [pair for pair in concerns if concern is None or pair[0] == concern]
    misses: list[tuple[Condition, ...]] = []
    for giver in ruleset.rules:
        if absent.isdisjoint(giver.outcomes):
            continue
        for _, seen in scopes if giver.by_concern else [(None, {})]:
            view = dict(scope) | seen
            about = [c for c in giver.by_concern if c.fact == "concerns"]
            if not all(c._test(view["concerns"]) for c in about):
                continue  # about another matter
            failed = tuple(
                c for c in giver.conditions if c.fact != OUTCOMES_FACT and not c._test(view[c.fact])
            )
            if failed:
                misses.append(failed)
    if not misses:
        return ()
    fewest = min(len(m) for m in misses)
    return tuple(dict.fromkeys(c for m in misses if len(m) == fewest for c in m))


@functools.cache
def public_holidays(year: int) -> frozenset[dt.date]:
    """Norway's public holidays (helligdager and 1 and 17 May) in ``year``, from the ``holidays``
    package. Sundays are left out: weekly hours already say whether a service works Sundays."""
    return frozenset(holidays.country_holidays("NO", years=year, include_sundays=False))


def is_holiday(day: dt.date) -> bool:
    return day in public_holidays(day.year)


def is_open(contact: Contact, at: dt.datetime) -> bool | None:
    """Whether ``contact`` answers at ``at`` (a local Europe/Oslo datetime, passed in so tests
    can freeze the clock). Weekly hours do not apply on Norwegian public holidays; a contact
    open round the clock is open on them too. None when its hours are not known."""
    if contact.extra.get("always_open"):
        return True
    hours = contact.extra.get("hours") or ()
    if not hours:
        return None
    if is_holiday(at.date()):
        return False
    weekday, now = at.weekday(), at.time()
    return any(day == weekday and opens <= now < closes for day, opens, closes in hours)


def next_opening(contact: Contact, at: dt.datetime) -> dt.datetime | None:
    """When ``contact`` next opens after ``at``, skipping Norwegian public holidays; None when
    it is open at ``at``, open round the clock, or its hours are not known. The answer has
    ``at``'s tzinfo (weekly hours are Oslo wall-clock times)."""
    hours = contact.extra.get("hours") or ()
    if contact.extra.get("always_open") or not hours or is_open(contact, at):
        return None
    # Easter closes Thursday to Monday; three weeks is more than any run of holidays.
    for ahead in range(22):
        day = at.date() + dt.timedelta(days=ahead)
        if is_holiday(day):
            continue
        opens = sorted(o for d, o, _ in hours if d == day.weekday())
        for time in opens:
            when = dt.datetime.combine(day, time, tzinfo=at.tzinfo)
            if when > at:
                return when
    return None


def select_contacts(
    contacts: Sequence[Contact],
    outcomes: Sequence[Outcome],
    county: str,
    fired: Sequence[Rule] = (),
) -> tuple[Contact, ...]:
    """Contacts in the categories of the outcomes and of the rules that fired, that serve
    ``county``, each once. A rule's own categories rank with its first outcome."""
    rank: dict[str, int] = {}
    for i, outcome in enumerate(outcomes):
        for category in outcome.categories:
            rank.setdefault(category, i)
    position = {o.code: i for i, o in enumerate(outcomes)}
    for rule in fired:
        first = min((position[code] for code in rule.outcomes), default=len(outcomes))
        for category in rule.categories:
            rank[category] = min(rank.get(category, first), first)
    chosen = []
    for contact in contacts:
        ranks = [rank[c] for c in contact.categories if c in rank]
        if ranks and contact.serves(county):
            chosen.append((min(ranks), contact))
    chosen.sort(key=lambda pair: (pair[0], pair[1].order, pair[1].slug))
    return tuple(contact for _, contact in chosen)


# ---------------------------------------------------------------------------------------------
# Case files (CONTRACT.md section 4)

CASE_KEYS = {
    *("slug", "title", "summary", "facts", "expect", "title_en", "summary_en"),
    *("prompts", "prompts_en", "session"),
}


@dataclass(frozen=True)
class Expectation:
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class Case:
    slug: str
    title: str
    summary: str
    facts: Mapping[str, Any]
    outcomes: Expectation = Expectation()
    contacts: Expectation = Expectation()
    has_expect: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)


class CaseError(ValueError):
    """A case document does not fit the contract; the message names the key, and ``key``
    holds it alone ("facts.timing", "expect.outcomes.include"; None for the whole document)."""

    def __init__(self, message: str, key: str | None = None):
        super().__init__(message)
        head, sep, _ = message.partition(": ")
        self.key = key or (head if sep and re.fullmatch(r"[\w.-]+", head) else None)


def parse_case(doc: Any, contact_slugs: Sequence[str] = CONTACT_SLUGS) -> Case:
    """Check a loaded case document (from YAML or JSON) and return a Case.

    The facts are kept as written (normalized only by ``evaluate``) but checked here, so a bad
    file is reported before anything is evaluated.
    """
    if not isinstance(doc, Mapping):
        raise CaseError("the document is not a mapping with slug, title, facts and expect")
    unknown = sorted(str(k) for k in doc if k not in CASE_KEYS)
    if unknown:
        raise CaseError(f"{unknown[0]}: unknown key; expected {', '.join(sorted(CASE_KEYS))}")
    slug = doc.get("slug")
    if not isinstance(slug, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]*", slug):
        raise CaseError("slug: missing or not a lowercase slug (letters, digits, hyphens)")
    if "facts" not in doc:
        raise CaseError("facts: missing; a case needs its facts")
    try:
        normalize_facts(doc["facts"])
    except FactError as e:
        key = "facts" if e.key == "facts" else f"facts.{e.key}"  # not "facts.facts"
        raise CaseError(f"{key}: {e.message}") from None
    expect = doc.get("expect")
    outcomes = contacts = Expectation()
    if expect is not None:
        if not isinstance(expect, Mapping):
            raise CaseError("expect: expected a mapping with outcomes and/or contacts")
        for key in expect:
            if key not in ("outcomes", "contacts"):
                raise CaseError(f"expect.{key}: unknown key; expected outcomes or contacts")
        outcomes = _expectation(expect.get("outcomes"), "expect.outcomes", OUTCOME_CODES)
        contacts = _expectation(expect.get("contacts"), "expect.contacts", contact_slugs)
    if "session" in doc:
        _check_session(doc["session"])
    extra = {
        k: doc[k]
        for k in ("title_en", "summary_en", "prompts", "prompts_en", "session")
        if k in doc
    }
    return Case(
        slug=slug,
        title=str(doc.get("title") or slug),
        summary=str(doc.get("summary") or "").strip(),
        facts=MappingProxyType(dict(doc["facts"])),
        outcomes=outcomes,
        contacts=contacts,
        has_expect=expect is not None,
        extra=MappingProxyType(extra),
    )


def _check_session(block: Any) -> None:
    """A case file may place its case in a trainer's session: {slug, title, order}."""
    if not isinstance(block, Mapping):
        raise CaseError("session: expected a mapping with slug, title and order")
    unknown = sorted(str(k) for k in block if k not in ("slug", "title", "order"))
    if unknown:
        raise CaseError(f"session.{unknown[0]}: unknown key; expected slug, title, order")
    slug = block.get("slug")
    if not isinstance(slug, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]*", slug):
        raise CaseError("session.slug: missing or not a lowercase slug (letters, digits, hyphens)")
    if not isinstance(block.get("title", ""), str):
        raise CaseError("session.title: expected text")
    order = block.get("order")
    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        raise CaseError("session.order: expected a whole number from 1 (the case's place)")


def _expectation(block: Any, where: str, known: Sequence[str]) -> Expectation:
    if block is None:
        return Expectation()
    if not isinstance(block, Mapping):
        raise CaseError(f"{where}: expected a mapping with include and/or exclude")
    lists = {}
    for key, value in block.items():
        if key not in ("include", "exclude"):
            raise CaseError(f"{where}.{key}: unknown key; expected include or exclude")
        if not isinstance(value, (list, tuple)):
            raise CaseError(f"{where}.{key}: expected a list")
        for item in value:
            if item not in known:
                raise CaseError(f"{where}.{key}: unknown code '{item}'")
        lists[key] = tuple(value)
    return Expectation(**lists)


@dataclass(frozen=True)
class CheckResult:
    case: Case
    result: Result
    missing_outcomes: tuple[str, ...]
    unexpected_outcomes: tuple[str, ...]
    missing_contacts: tuple[str, ...]
    unexpected_contacts: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not (
            self.missing_outcomes
            or self.unexpected_outcomes
            or self.missing_contacts
            or self.unexpected_contacts
        )

    def problems(self, lang: str = "en") -> list[str]:
        """What falls short, one line per kind, labelled in English or ("nb") bokmål."""
        found = (
            self.missing_outcomes,
            self.unexpected_outcomes,
            self.missing_contacts,
            self.unexpected_contacts,
        )
        return [
            f"{label}: {', '.join(codes)}"
            for label, codes in zip(PROBLEM_LABELS[lang], found, strict=True)
            if codes
        ]


# The four kinds of shortfall of CheckResult.problems: English for evaluate and the API,
# bokmål for the admin's case check.
PROBLEM_LABELS = {
    "en": (
        "missing outcomes",
        "outcomes that should not be there",
        "missing contacts",
        "contacts that should not be there",
    ),
    "nb": (
        "mangler utfall",
        "gir utfall som ikke skal være der",
        "mangler kontakter",
        "viser kontakter som ikke skal være der",
    ),
}


def check_case(ruleset: RuleSet, case: Case) -> CheckResult:
    """Evaluate ``case`` and compare the result with its expectations."""
    result = evaluate(ruleset, case.facts)
    codes, slugs = set(result.codes), set(result.contact_slugs)
    return CheckResult(
        case=case,
        result=result,
        missing_outcomes=tuple(c for c in case.outcomes.include if c not in codes),
        unexpected_outcomes=tuple(c for c in case.outcomes.exclude if c in codes),
        missing_contacts=tuple(s for s in case.contacts.include if s not in slugs),
        unexpected_contacts=tuple(s for s in case.contacts.exclude if s in slugs),
    )


def result_as_dict(case_slug: str | None, result: Result, lang: str = "nb") -> dict[str, Any]:
    """The JSON shape of CONTRACT.md section 5."""
    return {
        "case": case_slug,
        "outcomes": [
            {
                "code": o.code,
                "kind": o.kind,
                "title": o.title(lang),
                "legal_basis": list(o.legal_basis),
            }
            for o in result.outcomes
        ],
        "contacts": [
            {"slug": c.slug, "name": c.name(lang), "phone": c.phone} for c in result.contacts
        ],
        "trace": [
            {
                "rule": t.rule,
                "outcomes": list(t.outcomes),
                "because": list(t.because),
                **({"concern": t.concern} if t.concern else {}),
            }
            for t in result.trace
        ],
    }


# ---------------------------------------------------------------------------------------------
# The questionnaire: which questions to ask, given the answers so far


@dataclass(frozen=True)
class Option:
    value: str
    labels: Mapping[str, str]
    helps: Mapping[str, str] = field(default_factory=dict)

    def label(self, lang: str = "nb") -> str:
        return self.labels.get(lang) or self.labels.get("nb") or self.value

    def help(self, lang: str = "nb") -> str:
        return self.helps.get(lang) or self.helps.get("nb") or ""


@dataclass(frozen=True)
class Question:
    key: str
    fact: str
    order: int
    texts: Mapping[str, str]
    helps: Mapping[str, str] = field(default_factory=dict)
    options: tuple[Option, ...] = ()
    show_when: tuple[Condition, ...] = ()
    topic: str = ""  # one of TOPICS; questions of one topic share a page

    @property
    def kind(self) -> str:
        return FACTS[self.fact].kind

    def text(self, lang: str = "nb") -> str:
        return self.texts.get(lang) or self.texts.get("nb") or self.key

    def help(self, lang: str = "nb") -> str:
        return self.helps.get(lang) or self.helps.get("nb") or ""

    def applies(self, answers: Mapping[str, Any]) -> bool:
        """Whether earlier answers call for this question. A condition on a fact not yet
        answered does not hold, so a follow-up question waits for the answer it depends on."""
        for condition in self.show_when:
            if condition.fact not in answers or not condition.holds(answers):
                return False
        return True

    def label_of(
        self, value: Any, lang: str = "nb", concern_labels: Mapping[str, str] | None = None
    ) -> str:
        """The answer in words, for the review page and the trace. A per-concern answer reads
        "concern: answer; concern: answer" (``concern_labels`` names the concerns)."""
        if isinstance(value, Mapping):
            names = concern_labels or {}
            return "; ".join(
                f"{names.get(concern, concern)}: {self.label_of(item, lang)}"
                for concern, item in value.items()
            )
        if isinstance(value, bool):
            value = "true" if value else "false"
        if isinstance(value, (frozenset, list, tuple)):
            ordered = [o for o in self.options if o.value in value]
            return ", ".join(o.label(lang) for o in ordered)
        for option in self.options:
            if option.value == value:
                return option.label(lang)
        return str(value)


def visible_questions(questions: Sequence[Question], answers: Mapping[str, Any]) -> list[Question]:
    """The questions to ask, in order, for these answers (parsed facts, not raw strings)."""
    return [q for q in questions if q.applies(answers)]


def first_unanswered(questions: Sequence[Question], answers: Mapping[str, Any]) -> Question | None:
    """The first question to ask that has no answer yet, or None when all are answered."""
    for question in visible_questions(questions, answers):
        if question.fact not in answers:
            return question
    return None


def prune_answers(questions: Sequence[Question], answers: Mapping[str, Any]) -> dict[str, Any]:
    """Drop the answers to questions that earlier answers no longer call for, and keep the
    rest: changing an earlier answer keeps every later answer that still applies."""
    kept = dict(answers)
    changed = True
    while changed:  # hiding one question can hide another that depends on it
        changed = False
        for question in questions:
            if question.fact in kept and not question.applies(kept):
                del kept[question.fact]
                changed = True
    return kept


def asks_per_concern(answers: Mapping[str, Any]) -> bool:
    """Whether timing and likelihood are asked concern by concern, on one page: when more than
    one concern is chosen."""
    return len(answers.get("concerns") or ()) > 1


# Topics group the questions into pages. The order here is only the vocabulary's; the pages
# follow the questions' own order. A question without a topic has a page of its own.
TOPICS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "danger": {"nb": "Akutt fare", "en": "Danger now"},
        "suspicion": {"nb": "Hva du mistenker", "en": "What you suspect"},
        "person": {"nb": "Personen", "en": "The person"},
        "act": {"nb": "Om handlingen", "en": "About the act"},
        "certainty": {"nb": "Når, og hvor sikker", "en": "When, and how sure"},
        "meeting": {"nb": "Samtalen", "en": "The meeting"},
        "place": {"nb": "Arbeidsstedet", "en": "Your workplace"},
    }
)


def topic_name(topic: str, lang: str = "nb") -> str:
    names = TOPICS.get(topic) or {}
    return names.get(lang) or names.get("nb") or ""


@dataclass(frozen=True)
class Page:
    """One page of the walk: consecutive questions of one topic. ``per_concern``: timing and
    likelihood asked concern by concern (several concerns chosen)."""

    topic: str
    questions: tuple[Question, ...]
    per_concern: bool = False

    @property
    def key(self) -> str:
        """The page's address: its first question's key."""
        return self.questions[0].key

    def answered(self, answers: Mapping[str, Any]) -> bool:
        return all(q.fact in answers for q in self.questions)


def pages(questions: Sequence[Question], answers: Mapping[str, Any]) -> list[Page]:
    """The pages of the walk for these answers, in order.

    A page holds the consecutive visible questions of one topic. A question starts a page of
    its own topic (a follow-up page) when it is shown by an answer given on the page so far,
    so the page works without JavaScript: it appears once that answer is in. Timing and
    likelihood asked per concern have a page to themselves."""
    per_concern = asks_per_concern(answers)
    result: list[Page] = []
    group: list[Question] = []
    group_per_concern = False

    def close() -> None:
        if group:
            result.append(Page(group[0].topic, tuple(group), group_per_concern))

    for question in visible_questions(questions, answers):
        this_per_concern = per_concern and question.fact in PER_CONCERN_FACTS
        on_page = {q.fact for q in group}
        joins = (
            group
            and question.topic
            and question.topic == group[0].topic
            and this_per_concern == group_per_concern
            and not any(c.fact in on_page for c in question.show_when)
        )
        if not joins:
            close()
            group, group_per_concern = [], this_per_concern
        group.append(question)
    close()
    return result


@dataclass(frozen=True)
class Route:
    """The pages of the walk for some answers, worked out once (``route``), and the ways
    through them: which page the clinician may open now, where Next and Back lead."""

    pages: tuple[Page, ...]
    answers: Mapping[str, Any]

    @property
    def pending(self) -> Page | None:
        """The first page with a question still to answer, or None when everything is
        answered (the review)."""
        return next((p for p in self.pages if not p.answered(self.answers)), None)

    def page_of(self, question: Question | None) -> Page | None:
        """The page that asks ``question``, or None when these answers do not ask it."""
        return next((p for p in self.pages if question in p.questions), None)

    def reachable(self, page: Page | None) -> bool:
        """Whether the clinician may open ``page`` now: it is asked for these answers, and no
        earlier page has a question still to answer. Otherwise the walk goes on at
        ``pending``."""
        if page is None or page not in self.pages:
            return False
        pending = self.pending
        return pending is None or self.pages.index(page) <= self.pages.index(pending)

    def after(self, page: Page | None) -> Page | None:
        """Where Next leads from ``page``: the first later page with a question still to
        answer (an answer given earlier, or the county this device remembers, costs no page),
        or None for the review. A page that is no longer asked starts the search from the
        beginning."""
        keys = [p.key for p in self.pages]
        start = keys.index(page.key) + 1 if page is not None and page.key in keys else 0
        return next((p for p in self.pages[start:] if not p.answered(self.answers)), None)

    def before(self, page: Page) -> Page | None:
        """Where Back leads from ``page``: the page before it, or None from the first."""
        position = self.pages.index(page)
        return self.pages[position - 1] if position else None


def route(questions: Sequence[Question], answers: Mapping[str, Any]) -> Route:
    """The walk's pages for these answers (``pages``), to find one's way through."""
    return Route(tuple(pages(questions, answers)), answers)


def page_of(
    question: Question | None, questions: Sequence[Question], answers: Mapping[str, Any]
) -> Page | None:
    """The page that asks ``question`` for these answers, or None when it is not asked."""
    return route(questions, answers).page_of(question)


def first_unanswered_page(questions: Sequence[Question], answers: Mapping[str, Any]) -> Page | None:
    """The first page with a question still to answer, or None when everything is answered."""
    return route(questions, answers).pending


def next_page(
    questions: Sequence[Question], answers: Mapping[str, Any], after: Page | None
) -> Page | None:
    """Where Next leads from ``after`` (``Route.after``)."""
    return route(questions, answers).after(after)


def reachable(page: Page, questions: Sequence[Question], answers: Mapping[str, Any]) -> bool:
    """Whether the clinician may open ``page`` now (``Route.reachable``)."""
    return route(questions, answers).reachable(page)


def topic_order(questions: Sequence[Question]) -> list[str]:
    """Every topic of the questionnaire once, in the order its first question is asked; a
    question without a topic counts as a topic of its own."""
    seen: list[str] = []
    for q in sorted(questions, key=lambda q: q.order):
        name = q.topic or f"question:{q.key}"
        if name not in seen:
            seen.append(name)
    return seen


def progress(page: Page, questions: Sequence[Question]) -> tuple[int, int]:
    """(topic number, number of topics) for ``page``. Topics are counted over the whole
    questionnaire, not over what these answers ask, so a topic with nothing to ask is skipped,
    not renumbered; and the number is the highest topic reached by the questions up to this
    page, so it never goes down as the clinician goes forward."""
    order = topic_order(questions)
    first = page.questions[0].order
    reached = [order.index(q.topic or f"question:{q.key}") for q in questions if q.order <= first]
    return max(reached, default=0) + 1, len(order)


def fit_per_concern(answers: Mapping[str, Any], concerns: Collection[str]) -> dict[str, Any]:
    """The answers after the concerns changed: a per-concern answer keeps the concerns still
    chosen; when a concern was added it is dropped, so the new concern gets its own answer."""
    kept = dict(answers)
    for fact in PER_CONCERN_FACTS:
        value = kept.get(fact)
        if not isinstance(value, Mapping):
            continue
        if not set(concerns) <= set(value):
            del kept[fact]
            continue
        narrowed = {c: v for c, v in value.items() if c in concerns}
        values = set(narrowed.values())
        kept[fact] = next(iter(values)) if len(values) == 1 else narrowed
    return kept


# ---------------------------------------------------------------------------------------------
# Checking the whole table


@dataclass(frozen=True)
class Problem:
    """Something in the content that the engine runs but that is wrong: ``code`` says what (one
    of PROBLEMS), ``where`` names the item (an outcome code, contact slug, rule key or question
    key) and ``message`` says it in English. The admin words it in bokmål by its code."""

    code: str
    where: str
    message: str
    fact: str = ""  # for value_not_offered: the fact and the value the condition names
    value: str = ""


# The codes a Problem may carry, each with the kind of item its ``where`` names.
PROBLEMS: Mapping[str, str] = MappingProxyType(
    {
        "duty_without_source": "outcome",
        "unreachable": "contact",
        "regional_without_counties": "contact",
        "unknown_outcome": "rule",
        "rule_cycle": "rule",
        "option_leads_nowhere": "question",
        "value_not_offered": "condition",
    }
)


def check_contact(
    slug: str,
    *,
    phones: Sequence[str] | None,
    website: str = "",
    email: str = "",
    counties: Collection[str] | None = None,
) -> list[Problem]:
    """The rules a contact must meet to be of use: it can be reached (a phone number, a
    website or an e-mail address) and, when regional, it covers a county (it is shown only in
    the counties it covers). ``counties`` None: a national contact. ``phones`` None: the
    numbers are not known here (the admin checks them with the phone rows), so reachability is
    not checked. The admin's contact form and the contact import both call this."""
    problems = []
    if counties is not None and not counties:
        problems.append(
            Problem(
                "regional_without_counties",
                slug,
                f"contact '{slug}' is regional but covers no county, so it is never shown",
            )
        )
    if phones is not None and not (phones or website or email):
        problems.append(
            Problem(
                "unreachable",
                slug,
                f"contact '{slug}' has no phone number, website or e-mail address",
            )
        )
    return problems


def _typed_option(question: Question, value: str) -> Any:
    """An option's value as a condition sees it (a list fact: that one value chosen)."""
    spec = FACTS[question.fact]
    if spec.kind == "list":
        return frozenset((value,))
    if spec.kind == "bool":
        return value == "true"
    return value


def validate(ruleset: RuleSet, questions: Sequence[Question] = ()) -> list[Problem]:
    """Everything wrong with the whole table that no single row shows, as Problems (an empty
    list when all is well). The checks:

    - a duty or a prohibition (kind must or must_not) cites a legal source;
    - every contact can be reached, and a regional one covers a county (``check_contact``);
    - every rule gives known outcomes, and no rule waits on its own outcome (a cycle);
    - every option leads somewhere: some rule, outcome paragraph or other question's "show
      only when" tests the question's fact in a way that tells its options apart, so that
      picking one option rather than another changes what the clinician is told or asked.
      Telling apart is mutual, so either every option of a question leads somewhere or none
      does: the problem names the question;
    - every value a condition names, on a fact a question asks with options, is one of that
      question's options: a rule waiting for an answer the questionnaire no longer offers can
      never fire, and a question shown only by it is never asked.

    Exhaustive checks over every answer set (dead rules, invariants) are ``guidance.proof``'s.
    """
    problems: list[Problem] = []
    for outcome in ruleset.outcomes.values():
        if outcome.kind in SOURCED_KINDS and not outcome.legal_basis:
            problems.append(
                Problem(
                    "duty_without_source",
                    outcome.code,
                    f"outcome '{outcome.code}' is a {outcome.kind.replace('_', ' ')} "
                    "without a legal source",
                )
            )
    for contact in ruleset.contacts:
        phones = [number for number, _ in contact.extra.get("phones") or ()]
        problems += check_contact(
            contact.slug,
            phones=phones or ([contact.phone] if contact.phone else []),
            website=contact.extra.get("website") or "",
            email=contact.extra.get("email") or "",
            counties=contact.counties,
        )
    for rule in ruleset.rules:
        for code in rule.outcomes:
            if code not in ruleset.outcomes:
                problems.append(
                    Problem(
                        "unknown_outcome", rule.key, f"rule '{rule.key}' gives unknown '{code}'"
                    )
                )
    try:
        order_rules(ruleset.rules)
    except RuleError as e:
        problems.append(Problem("rule_cycle", e.value, str(e)))
    problems += _question_problems(ruleset, questions)
    return problems


def _question_problems(ruleset: RuleSet, questions: Sequence[Question]) -> list[Problem]:
    # Every condition, with the item it belongs to: rules, outcome paragraphs, questions.
    tests: list[tuple[str, Condition]] = [(r.key, c) for r in ruleset.rules for c in r.conditions]
    tests += [
        (o.code, p.condition)
        for o in ruleset.outcomes.values()
        for p in o.paragraphs
        if p.condition is not None
    ]
    tests += [(q.key, c) for q in questions for c in q.show_when]
    problems = []
    offered = {q.fact: q for q in questions if q.options and q.kind != "county"}
    for question in offered.values():
        if len(question.options) < 2:
            continue  # no choice to make
        answers = [_typed_option(question, o.value) for o in question.options]
        own = [c for where, c in tests if c.fact == question.fact and where != question.key]
        if not any(len({c._test(a) for a in answers}) > 1 for c in own):
            problems.append(
                Problem(
                    "option_leads_nowhere",
                    question.key,
                    f"question '{question.key}': no rule, paragraph or question tells its "
                    f"options apart, so no answer to it changes anything",
                )
            )
    for where, condition in tests:
        asked = offered.get(condition.fact)
        if asked is None:
            continue
        values = {o.value for o in asked.options}
        for value in condition.value:
            if value not in values:
                problems.append(
                    Problem(
                        "value_not_offered",
                        where,
                        f"'{where}' tests {condition.fact} for '{value}', which question "
                        f"'{asked.key}' does not offer",
                        fact=condition.fact,
                        value=value,
                    )
                )
    return problems
