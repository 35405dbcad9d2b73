"""Proof over every answer set: the contract's invariants (CONTRACT.md section 6), checked for
every answer set the questionnaire can produce, exhaustively, not by sampling.

Plain Python over ``guidance.rules``, like the engine. A naive product of all facts is billions
of answer sets; three exact reductions make it small:

1. **Independent parts.** Facts that no rule or question combines (through a condition, an
   outcome one rule tests and another gives, or a question shown by another's answer) form
   separate parts. Each part is enumerated alone; the results combine as a product, and the
   invariants are checked on every combination of what the parts give.
2. **Values no condition tells apart.** Two values of a fact that every condition (and, for the
   county, every contact) treats alike give the same result: one stands for both, and counts
   for both.
3. **Concern by concern.** A rule's per-concern conditions are met by one concern at a time, so
   all that the concerns' timings and likelihoods decide is which rules some concern meets: a
   bit mask. The masks a set of concerns can reach are built concern by concern; the rules are
   then run for all masks at once, as bit sets over the masks.

Every answer set is counted once, so the total printed is the size of the whole space. Each
violation found is replayed through ``rules.evaluate`` before it is reported.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import rules

BLOCK = ("concerns", *rules.PER_CONCERN_FACTS)  # facts that live concern by concern
AVERT_CODES = ("AVERT_DUTY", "AVERT_WATCH", "NO_AVERT_DUTY")
DUTY_TO_SHARE = ("AVERT_DUTY", "NOTIFY_POLICE", "NOTIFY_CHILD_WELFARE")
RIGHT_TO_SHARE = ("SHARE_WITH_CONSENT", "SHARE_WITH_PROXY_CONSENT", "SHARE_WITHOUT_CONSENT")
SHARING_CODES = (*DUTY_TO_SHARE, *RIGHT_TO_SHARE, "KEEP_CONFIDENTIALITY")
OBSERVED = ("acute_danger", "county")  # facts the invariants read besides the outcomes


@dataclass(frozen=True)
class Finding:
    kind: str  # "invariant", "dead_rule", "unused_outcome", "hidden_question", "unexercised"
    subject: str  # the invariant number, rule key, outcome code or question key
    message: str
    example: Mapping[str, Any] | None = None


@dataclass
class Report:
    answer_sets: int = 0
    parts: list[tuple[tuple[str, ...], int]] = field(default_factory=list)
    evaluations: int = 0
    seconds: float = 0.0
    findings: list[Finding] = field(default_factory=list)

    @property
    def violations(self):
        return [f for f in self.findings if f.kind == "invariant"]

    def of(self, kind):
        return [f for f in self.findings if f.kind == kind]


class ProofError(ValueError):
    """The questionnaire uses something the proof cannot cover; the message says what."""


# ---------------------------------------------------------------------------------------------
# The questionnaire's answers


def typed(fact: str, value: str) -> Any:
    return rules.parse_value(fact, value)


def options(question: rules.Question, counties: Sequence[str]) -> list:
    """The typed answers a question offers (for the county, every county)."""
    spec = rules.FACTS[question.fact]
    if spec.kind == "county":
        return list(counties)
    return [typed(question.fact, o.value) for o in question.options if o.value in spec.values]


def neutral(fact: str) -> Any:
    return rules.FACTS[fact].default


def _visible(question, answers):
    return all(c.fact in answers and c.holds(answers) for c in question.show_when)


# ---------------------------------------------------------------------------------------------
# Parts


class _Parts:
    """Union-find over facts and rules ("rule:<key>"): a rule joins the facts it tests and the
    rules that give an outcome it tests."""

    def __init__(self, ruleset):
        self.parent = {f: f for f in rules.FACTS}
        self.parent |= {f"rule:{r.key}": f"rule:{r.key}" for r in ruleset.rules}
        for fact in BLOCK[1:]:
            self.join("concerns", fact)

    def find(self, f):
        while self.parent[f] != f:
            self.parent[f] = self.parent[self.parent[f]]
            f = self.parent[f]
        return f

    def join(self, a, b):
        self.parent[self.find(a)] = self.find(b)

    def join_all(self, nodes):
        nodes = list(nodes)
        for other in nodes[1:]:
            self.join(nodes[0], other)


def split_into_parts(ruleset: rules.RuleSet, questions: Sequence[rules.Question]):
    """Group the facts into independent parts and give each rule to its part.

    Returns a list of (facts, rules) with rules in the engine's order; a part with no facts
    holds the rules that test nothing, directly or through the outcomes they test (they give
    the same for every answer set)."""
    parts = _Parts(ruleset)
    givers: dict[str, list[str]] = {}
    for rule in ruleset.rules:
        for code in rule.outcomes:
            givers.setdefault(code, []).append(f"rule:{rule.key}")
    for rule in ruleset.rules:
        node = f"rule:{rule.key}"
        facts = [c.fact for c in rule.conditions if c.fact != rules.OUTCOMES_FACT]
        parts.join_all([node, *facts])
        for code in rule.depends_on():
            parts.join_all([node, *givers.get(code, ())])
    for q in questions:
        parts.join_all([q.fact, *(c.fact for c in q.show_when if c.fact in rules.FACTS)])

    grouped: dict[str, list[str]] = {}
    for fact in rules.FACTS:
        grouped.setdefault(parts.find(fact), []).append(fact)
    owned: dict[str, list[rules.Rule]] = {}
    for rule in ruleset.rules:
        owned.setdefault(parts.find(f"rule:{rule.key}"), []).append(rule)
    result = [(tuple(facts), owned.pop(root, [])) for root, facts in grouped.items()]
    constant = [rule for group in owned.values() for rule in group]
    if constant:
        result.append(((), constant))
    return result


# ---------------------------------------------------------------------------------------------
# Enumerating one part


@dataclass
class _Part:
    facts: tuple[str, ...]
    rules: list[rules.Rule]
    answer_sets: int = 0
    # what the part gives -> one example answer set (its facts only)
    given: dict = field(default_factory=dict)
    fired: set = field(default_factory=set)
    shown: set = field(default_factory=set)
    evaluations: int = 0

    def __post_init__(self):
        self.rule_by_key = {r.key: r for r in self.rules}


def _value_classes(fact, values, conditions, contacts):
    """Values of ``fact`` that no condition (and, for the county, no contact) tells apart,
    grouped: [(representative, how many values it stands for)]."""
    classes: dict[tuple, list] = {}
    for value in values:
        key = tuple(c._test(value) for c in conditions)
        if fact == "county":
            key += (frozenset(c.slug for c in contacts if c.serves(value)),)
        classes.setdefault(key, []).append(value)
    return [(members[0], len(members)) for members in classes.values()]


def enumerate_part(part: _Part, ruleset, questions, counties):
    facts = set(part.facts)
    asked = [q for q in questions if q.fact in facts]
    by_fact = {q.fact: q for q in asked}
    has_block = "concerns" in facts
    order = {q.fact: i for i, q in enumerate(questions)}
    for q in asked:
        for c in q.show_when:
            if c.fact in rules.PER_CONCERN_FACTS:
                raise ProofError(
                    f"question '{q.key}' is shown by an answer to {c.fact}, which is given per "
                    "concern; the proof covers questions shown by other answers only"
                )
            if c.fact in order and order[c.fact] >= order[q.fact]:
                raise ProofError(
                    f"question '{q.key}' is shown by the answer to a later question ({c.fact}); "
                    "show a question only by earlier answers"
                )
        if q.fact in rules.PER_CONCERN_FACTS and q.show_when:
            raise ProofError(
                f"question '{q.key}' is asked for every concern and cannot be hidden by "
                "other answers"
            )

    conditions: dict[str, list[rules.Condition]] = {}
    for rule in part.rules:
        for c in rule.whole_case:
            conditions.setdefault(c.fact, []).append(c)
    for q in asked:
        for c in q.show_when:
            conditions.setdefault(c.fact, []).append(c)

    flat = [q for q in asked if q.fact not in BLOCK]
    classes = {
        q.fact: _value_classes(
            q.fact, options(q, counties), conditions.get(q.fact, []), ruleset.contacts
        )
        for q in flat
    }
    fixed = {f: neutral(f) for f in facts if f not in by_fact and f not in BLOCK}

    # Concern by concern: which per-concern rule conditions each (concern, timing, likelihood)
    # meets, as bits, and the masks each set of concerns reaches.
    by_concern_rules = [r for r in part.rules if r.by_concern]
    # Rules with the same per-concern conditions share a bit: the masks stay as few as the
    # distinct per-concern tests, however many rules repeat them.
    tests: dict[frozenset, int] = {}
    bit = {}
    for r in by_concern_rules:
        signature = frozenset((c.fact, c.op, c.value) for c in r.by_concern)
        bit[r.key] = 1 << tests.setdefault(signature, len(tests))
    groups: dict[tuple, dict[int, list]] = {}  # concern signature -> mask -> [count, example]
    if has_block:
        q_concerns = by_fact.get("concerns")
        if q_concerns is None:
            raise ProofError("there is no question for the concerns")
        per_concern_values = []
        for fact in rules.PER_CONCERN_FACTS:
            q = by_fact.get(fact)
            if q is None:
                if rules.FACTS[fact].required:
                    raise ProofError(f"there is no question for {fact}, which is required")
                per_concern_values.append([neutral(fact)])
            else:
                per_concern_values.append(options(q, counties))
        choices = list(itertools.product(*per_concern_values))
        offered = {o.value for o in q_concerns.options}
        concern_values = [c for c in rules.CONCERNS if c in offered]
        masks_of: dict[str, list[tuple[int, tuple[Any, ...]]]] = {}
        for c in concern_values:
            masks_of[c] = []
            for values in choices:
                seen = {
                    "concerns": frozenset((c,)),
                    **dict(zip(rules.PER_CONCERN_FACTS, values, strict=True)),
                }
                m = 0
                for r in by_concern_rules:
                    if all(cond._test(seen[cond.fact]) for cond in r.by_concern):
                        m |= bit[r.key]
                masks_of[c].append((m, values))
        signature_conditions = conditions.get("concerns", [])
        reach: dict[tuple, dict[int, list]] = {(): {0: [1, ()]}}
        for size in range(1, len(concern_values) + 1):
            for subset in itertools.combinations(concern_values, size):
                parent = reach[subset[:-1]]
                last = subset[-1]
                mine: dict[int, list] = {}
                for m, (count, example) in parent.items():
                    for m2, values in masks_of[last]:
                        entry = mine.setdefault(m | m2, [0, (*example, (last, values))])
                        entry[0] += count
                reach[subset] = mine
                concerns = frozenset(subset)
                sig = tuple(c._test(concerns) for c in signature_conditions)
                group = groups.setdefault(sig, {})
                for m, (count, example) in mine.items():
                    entry = group.setdefault(m, [0, example])
                    entry[0] += count
            # the parent level is no longer needed
            for subset in [s for s in reach if len(s) == size - 1]:
                del reach[subset]
        part.shown.add(q_concerns.key)
        for fact in rules.PER_CONCERN_FACTS:
            if fact in by_fact:
                part.shown.add(by_fact[fact].key)
    else:
        groups = {(): {0: [1, ()]}}

    for group in groups.values():
        masks = list(group)
        counts = [group[m][0] for m in masks]
        examples = [group[m][1] for m in masks]
        everything = (1 << len(masks)) - 1
        per_test = {}
        for b in set(bit.values()):
            s = 0
            for i, m in enumerate(masks):
                if m & b:
                    s |= 1 << i
            per_test[b] = s
        per_rule = {r.key: per_test[bit[r.key]] for r in by_concern_rules}
        # any concern set of this signature stands for the others in whole-case tests
        sample = frozenset(c for c, _ in examples[0]) if has_block else frozenset()
        total_here = sum(counts)
        for answers, weight in _flat_answers(flat, classes, sample, has_block):
            answers = {**fixed, **answers}
            if has_block:
                answers["concerns"] = sample
            part.shown.update(q.key for q in flat if q.fact in answers)
            full = {f: answers.get(f, neutral(f)) for f in facts if f not in BLOCK[1:]}
            part.answer_sets += total_here * weight
            _run(part, full, everything, per_rule, masks, examples, has_block)


def _flat_answers(flat, classes, sample, has_block):
    """Every combination of the part's other answers (one value per class), respecting which
    questions earlier answers show: [(answers, how many answer sets each stands for)]."""
    results = []

    def walk(i, answers, weight):
        if i == len(flat):
            results.append((dict(answers), weight))
            return
        q = flat[i]
        seen = dict(answers)
        if has_block:
            seen["concerns"] = sample
        if not _visible(q, seen):
            walk(i + 1, answers, weight)
            return
        for value, size in classes[q.fact]:
            answers[q.fact] = value
            walk(i + 1, answers, weight * size)
            del answers[q.fact]

    walk(0, {}, 1)
    return results


def _run(part, answers, everything, per_rule, masks, examples, has_block):
    """Run the part's rules for every mask at once; record what each distinct result gives."""
    given: dict[str, int] = {}
    fired: dict[str, int] = {}
    for rule in part.rules:
        s = per_rule[rule.key] if rule.by_concern else everything
        for c in rule.whole_case:
            if c.fact == rules.OUTCOMES_FACT:
                union = 0
                for code in c.value:
                    union |= given.get(code, 0)
                if c.op == "contains_none":
                    s &= ~union & everything
                elif c.op == "contains_any":
                    s &= union
                else:  # contains: one value
                    s &= given.get(c.value[0], 0)
            elif not c._test(answers[c.fact]):
                s = 0
            if not s:
                break
        if s:
            fired[rule.key] = s
            part.fired.add(rule.key)
            for code in rule.outcomes:
                given[code] = given.get(code, 0) | s
    part.evaluations += 1
    # Split the masks into classes that give the same outcomes and show the same rule-level
    # contact categories (by category, not by rule: many rules may show one category).
    shows: dict[str, int] = {}
    for key, s in fired.items():
        for category in part.rule_by_key[key].categories:
            shows[category] = shows.get(category, 0) | s
    features = [("o", code, s) for code, s in given.items()]
    features += [("c", category, s) for category, s in shows.items()]
    classes = [(everything, frozenset(), frozenset())]
    for kind, name, s in features:
        refined = []
        for members, codes, categories in classes:
            inside, outside = members & s, members & ~s
            if inside:
                refined.append(
                    (
                        inside,
                        codes | {name} if kind == "o" else codes,
                        categories | {name} if kind == "c" else categories,
                    )
                )
            if outside:
                refined.append((outside, codes, categories))
        classes = refined
    observed = tuple((f, answers[f]) for f in OBSERVED if f in answers)
    for members, codes, categories in classes:
        key = (codes, categories, observed)
        if key in part.given:
            continue
        example = {f: v for f, v in answers.items() if f not in BLOCK}
        if has_block:
            index = (members & -members).bit_length() - 1
            chosen = examples[index]
            example["concerns"] = [c for c, _ in chosen]
            for n, fact in enumerate(rules.PER_CONCERN_FACTS):
                example[fact] = {c: values[n] for c, values in chosen}
        part.given[key] = example


# ---------------------------------------------------------------------------------------------
# The invariants


def check_invariants(ruleset, codes, categories, acute, county):
    """The contract's invariants for one result: [(number, what is wrong)]."""
    wrong = []
    avert = [c for c in AVERT_CODES if c in codes]
    if len(avert) != 1:
        wrong.append(("1", f"gives {' and '.join(avert) or 'none'} of {', '.join(AVERT_CODES)}"))
    if not codes & set(SHARING_CODES):
        wrong.append(("2", "says nothing about sharing"))
    if "KEEP_CONFIDENTIALITY" in codes:
        clash = sorted(codes & set(DUTY_TO_SHARE + RIGHT_TO_SHARE))
        if clash:
            wrong.append(("3", f"gives KEEP_CONFIDENTIALITY together with {', '.join(clash)}"))
    if ("ACUTE_EMERGENCY" in codes) != bool(acute):
        wrong.append(
            (
                "4",
                "gives ACUTE_EMERGENCY without acute danger"
                if not acute
                else "does not give ACUTE_EMERGENCY for acute danger",
            )
        )
    if "DOCUMENT" not in codes:
        wrong.append(("4", "does not give DOCUMENT"))
    wanted = set(categories)
    for code in codes:
        wanted |= set(ruleset.outcomes[code].categories)
    shown = [c for c in ruleset.contacts if c.serves(county) and wanted & set(c.categories)]
    if not shown:
        wrong.append(("5", "lists no contact"))
    for code in sorted(codes):
        outcome = ruleset.outcomes[code]
        if (
            outcome.kind == "must"
            and outcome.categories
            and not any(
                c.serves(county) and set(c.categories) & set(outcome.categories)
                for c in ruleset.contacts
            )
        ):
            wrong.append(
                (
                    "5",
                    f"{code} shows no contact from {', '.join(outcome.categories)} "
                    f"that serves county {county}",
                )
            )
    return wrong


# ---------------------------------------------------------------------------------------------
# The proof


def prove(
    ruleset: rules.RuleSet,
    questions: Sequence[rules.Question],
    cases: Sequence[rules.Case] = (),
) -> Report:
    """Check every answer set the questionnaire can produce against the invariants, and
    report dead rules, outcomes never given, questions never shown and rules no case uses."""
    started = time.perf_counter()
    report = Report()
    questions = sorted(questions, key=lambda q: q.order)
    counties = sorted(ruleset.counties)
    parts = []
    for facts, owned in split_into_parts(ruleset, questions):
        part = _Part(facts=facts, rules=owned)
        asked = [q for q in questions if q.fact in facts]
        if not owned and not set(facts) & set(OBSERVED):
            # Answers nothing reads: count them, nothing more to check.
            part.answer_sets = _count_only(asked, counties)
            part.given[(frozenset(), frozenset(), ())] = {}
            part.shown.update(q.key for q in asked if not q.show_when)
        else:
            enumerate_part(part, ruleset, questions, counties)
        if part.answer_sets == 0 and facts:
            raise ProofError(f"no answer set reaches the facts {', '.join(facts)}")
        parts.append(part)
        report.parts.append((facts, part.answer_sets))
        report.evaluations += part.evaluations

    report.answer_sets = 1
    for part in parts:
        report.answer_sets *= part.answer_sets

    # The invariants read only some outcomes: the avert and sharing codes, ACUTE_EMERGENCY,
    # DOCUMENT, and (for the contacts) those with categories. What a part gives is combined
    # with the other parts' on those alone, so parts that differ only elsewhere count once.
    read = set(AVERT_CODES) | set(SHARING_CODES) | {"ACUTE_EMERGENCY", "DOCUMENT"}
    read |= {code for code, o in ruleset.outcomes.items() if o.categories}
    given_codes = set().union(*(key[0] for p in parts for key in p.given))
    reduced_parts = []
    for part in parts:
        reduced: dict[tuple[Any, ...], Any] = {}
        for (codes, categories, observed), example in part.given.items():
            reduced.setdefault((codes & read, categories, observed), example)
        reduced_parts.append(list(reduced.items()))

    seen_wrong = set()
    fired = set().union(*(p.fired for p in parts))
    checked = {}
    for combination in itertools.product(*reduced_parts):
        codes = frozenset().union(*(key[0] for key, _ in combination))
        categories = frozenset().union(*(key[1] for key, _ in combination))
        observed = dict(pair for key, _ in combination for pair in key[2])
        acute = observed.get("acute_danger", False)
        county = observed.get("county", counties[0] if counties else "")
        memo = (codes, categories, acute, county)
        if memo not in checked:
            checked[memo] = check_invariants(ruleset, codes, categories, acute, county)
        for number, message in checked[memo]:
            if (number, message) in seen_wrong:
                continue
            seen_wrong.add((number, message))
            example = {}
            for _, part_example in combination:
                example.update(part_example)
            example.setdefault("county", county)
            _replay(ruleset, example, codes, read)
            report.findings.append(
                Finding("invariant", number, f"invariant {number}: the result {message}", example)
            )

    for rule in ruleset.rules:
        if rule.key not in fired:
            report.findings.append(
                Finding("dead_rule", rule.key, f"rule {rule.key} fires for no answer set")
            )
    listed = {code for rule in ruleset.rules for code in rule.outcomes}
    for code in ruleset.outcomes:
        if code not in given_codes:
            why = "no rule gives it" if code not in listed else "no answer set gets it"
            report.findings.append(
                Finding("unused_outcome", code, f"outcome {code} is never given: {why}")
            )
    shown = set().union(*(p.shown for p in parts))
    for q in questions:
        if q.key not in shown:
            report.findings.append(
                Finding("hidden_question", q.key, f"question {q.key} is shown on no path")
            )
    exercised = set()
    for case in cases:
        try:
            result = rules.evaluate(ruleset, case.facts)
        except rules.FactError:
            continue
        exercised |= {t.rule for t in result.trace}
    if cases:
        for rule in ruleset.rules:
            if rule.key not in exercised:
                report.findings.append(
                    Finding("unexercised", rule.key, f"rule {rule.key} is used by no case file")
                )
    report.seconds = time.perf_counter() - started
    return report


def _count_only(asked, counties):
    total = 1
    for q in asked:
        spec = rules.FACTS[q.fact]
        n = len(options(q, counties))
        total *= (2**n - 1) if spec.kind == "list" else max(n, 1)
    return total


def _replay(ruleset, example, codes, read):
    """The engine must agree with the proof on a reported example; a mismatch is a fault in
    the proof, never to be reported as the rule table's."""
    result = rules.evaluate(ruleset, example)
    if codes != set(result.codes) & read:
        raise ProofError(
            f"the proof and the engine disagree on {example}: {sorted(codes)} vs "
            f"{sorted(result.codes)}"
        )
