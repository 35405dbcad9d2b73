"""Rule engine speed: evaluation time per case for the seed rules and for synthetic tables.

Run with `make bench` (or `.venv/bin/python benchmarks/rules.py` after `make setup`). Prints
the best of several runs in microseconds per evaluation. Goals: well under a millisecond per
case for the seed set, and time growing no faster than linearly with the number of rules.
"""

import gc
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "avverge.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

import yaml  # noqa: E402

from guidance import content, rules  # noqa: E402


def case_facts():
    paths = sorted((ROOT / "fixtures" / "cases").glob("*.yaml"))
    paths += sorted((ROOT.parent / "shared" / "cases").glob("*.yaml"))
    return [(p.stem, yaml.safe_load(p.read_text(encoding="utf-8"))["facts"]) for p in paths]


def per_call_us(ruleset, facts, repeat=7):
    """Best of ``repeat`` timings of one evaluation, in microseconds, with the garbage
    collector off (as timeit does) so a collection does not land on one table by chance."""
    number = max(3, int(20_000 / max(len(ruleset.rules), 1)))
    samples = []
    gc.disable()
    try:
        for _ in range(repeat):
            start = time.perf_counter()
            for _ in range(number):
                rules.evaluate(ruleset, facts)
            samples.append((time.perf_counter() - start) / number * 1e6)
    finally:
        gc.enable()
    return min(samples)


def synthetic_ruleset(size, seed_ruleset, rng):
    """A table of ``size`` random rules over the contract's facts, with the seed outcomes."""
    simple = [n for n, s in rules.FACTS.items() if s.kind in ("enum", "bool")]
    made = []
    for i in range(size):
        conditions = []
        for fact in rng.sample(simple, k=rng.randint(1, 4)):
            spec = rules.FACTS[fact]
            if spec.kind == "bool":
                conditions.append(rules.Condition(fact, rng.choice(["is_true", "is_false"])))
            else:
                conditions.append(rules.Condition(fact, "in", tuple(rng.sample(spec.values, 2))))
        conditions.append(
            rules.Condition("concerns", "contains_any", tuple(rng.sample(rules.CONCERNS, 3)))
        )
        outcome = rng.choice(rules.OUTCOME_CODES)
        made.append(rules.Rule(f"synthetic-{i}", f"Synthetic {i}", tuple(conditions), (outcome,)))
    return rules.RuleSet.build(
        made,
        list(seed_ruleset.outcomes.values()),
        seed_ruleset.contacts,
        seed_ruleset.counties,
    )


def main():
    seed = content.load_ruleset()
    cases = case_facts()
    if not seed.rules:
        sys.exit("The database has no rules: run `make setup` first.")
    print(f"Seed rule table: {len(seed.rules)} rules, {len(cases)} cases")
    print(f"{'case':42} {'µs per evaluation':>18}")
    for name, facts in cases:
        print(f"{name:42} {per_call_us(seed, facts):18.1f}")
    rng = random.Random(2026)
    print()
    print(f"{'table':>12} {'rules':>7} {'µs per evaluation':>18} {'µs per rule':>12}")
    sample = [facts for _, facts in cases]
    baseline = None
    for size in (len(seed.rules), 1_000, 10_000):
        table = seed if size == len(seed.rules) else synthetic_ruleset(size, seed, rng)
        us = statistics.mean(per_call_us(table, f, repeat=3) for f in sample)
        label = "seed" if table is seed else "synthetic"
        print(f"{label:>12} {size:7d} {us:18.1f} {us / size:12.3f}")
        if size == 1_000:
            baseline = us
        elif size == 10_000 and baseline:
            print(f"growth from 1,000 to 10,000 rules: x{us / baseline:.1f} (linear would be x10)")


if __name__ == "__main__":
    main()
