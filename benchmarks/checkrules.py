"""Speed of the proof over every answer set (`manage.py checkrules`).

Run with `make bench` (or `.venv/bin/python benchmarks/checkrules.py` after `make setup`).
Prints, for the seed table and for synthetic tables 10× and 100× its size: the answer sets
covered, seconds, and answer sets per second. Goal: under 30 seconds on one core for the seed
table, and time growing no faster than linearly with the number of rules.

The synthetic tables are copies of the seed rules whose whole-case conditions are redrawn at
random (other ages, consents, children at home...), keeping the per-concern conditions the law
uses; they give the seed outcomes, so the invariants are checked for real on each.
"""

import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "avverge.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from guidance import content, proof, rules  # noqa: E402


def redrawn(condition, rng):
    """The condition on the same fact with another value set of the same shape."""
    spec = rules.FACTS.get(condition.fact)
    if spec is None or condition.per_concern or spec.kind not in ("enum", "bool"):
        return condition
    if spec.kind == "bool":
        return rules.Condition(condition.fact, rng.choice(["is_true", "is_false"]))
    k = len(condition.value)
    return rules.Condition(condition.fact, condition.op, tuple(rng.sample(spec.values, k)))


def synthetic(seed, times, rng):
    made = list(seed.rules)
    for n in range(1, times):
        for rule in seed.rules:
            made.append(
                rules.Rule(
                    key=f"{rule.key}-copy-{n}",
                    name=rule.name,
                    conditions=tuple(redrawn(c, rng) for c in rule.conditions),
                    outcomes=rule.outcomes,
                    categories=rule.categories,
                )
            )
    return rules.RuleSet.build(made, seed.outcomes.values(), seed.contacts, seed.counties)


def main():
    seed = content.load_ruleset()
    questions = content.load_questions()
    rng = random.Random(196)
    print(f"{'table':>16} {'rules':>6} {'answer sets':>22} {'seconds':>8} {'sets/second':>14}")
    for label, table in (
        ("seed", seed),
        ("10× synthetic", synthetic(seed, 10, rng)),
        ("100× synthetic", synthetic(seed, 100, rng)),
    ):
        start = time.perf_counter()
        report = proof.prove(table, questions)
        seconds = time.perf_counter() - start
        print(
            f"{label:>16} {len(table.rules):>6} {report.answer_sets:>22,} {seconds:>8.1f} "
            f"{report.answer_sets / seconds:>14.3g}"
        )


if __name__ == "__main__":
    main()
