"""What a bigger content table costs: the reload after a save, and the pages meanwhile.

The seed content, then 10× and 100× its rules and contacts (synthetic rows, a fixed random
seed, as in the performance review): for each size, the CPU time of the content reload every
worker pays once after an editor's save (goal at 10×: at most 0.2 s), and the in-process CPU
time of a question page GET and POST and of the result page, against the seed size (goal:
question pages keep their 1× time, with the content loaded).

Run with `make bench-growth` (about a minute). SQLite in a temporary folder.
"""

import os
import random
import shutil
import sys
import tempfile
import time
import uuid
from datetime import time as clock_time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
WORK = Path(tempfile.mkdtemp(prefix="avverge-growth-"))
os.environ.update(
    DJANGO_SETTINGS_MODULE="avverge.settings",
    DEBUG="false",
    SECRET_KEY="growth-benchmark-only-" + "0123456789abcdef" * 3,
    ALLOWED_HOSTS="testserver",
    DATABASE_URL=f"sqlite:///{WORK / 'db.sqlite3'}",
    SECURE_SSL_REDIRECT="false",
)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from harness import page_answers  # noqa: E402

from guidance import content, models, rules, seed  # noqa: E402


def grow(rules_to_add, contacts_to_add, rng):
    """Synthetic rules and contacts, written without signals; then one version bump."""
    simple = [n for n, s in rules.FACTS.items() if s.kind in ("enum", "bool")]
    outcomes = list(models.Outcome.objects.all())
    categories = list(models.ContactCategory.objects.all())
    counties = list(models.County.objects.all())
    start = models.Rule.objects.count()
    made = models.Rule.objects.bulk_create(
        models.Rule(key=f"synthetic-{start + i}", name=f"Synthetic {start + i}")
        for i in range(rules_to_add)
    )
    conditions, links = [], []
    for rule in made:
        for fact in rng.sample(simple, k=rng.randint(1, 3)):
            spec = rules.FACTS[fact]
            if spec.kind == "bool":
                conditions.append(models.RuleCondition(rule=rule, fact=fact, operator="is_true"))
            else:
                value = ",".join(rng.sample(spec.values, 2))
                conditions.append(
                    models.RuleCondition(rule=rule, fact=fact, operator="in", value=value)
                )
        value = ",".join(rng.sample(rules.CONCERNS, 2))
        conditions.append(
            models.RuleCondition(rule=rule, fact="concerns", operator="contains_any", value=value)
        )
        links.append(models.Rule.outcomes.through(rule=rule, outcome=rng.choice(outcomes)))
    models.RuleCondition.objects.bulk_create(conditions)
    models.Rule.outcomes.through.objects.bulk_create(links)

    start = models.Contact.objects.count()
    made = models.Contact.objects.bulk_create(
        models.Contact(
            slug=f"synthetic-{start + i}",
            name_nb=f"Syntetisk kontakt {start + i}",
            name_en=f"Synthetic contact {start + i}",
            description_nb="Et syntetisk kontaktpunkt for ytelsesmåling.",
            description_en="A synthetic contact for the benchmark.",
            scope=models.Scope.REGIONAL,
        )
        for i in range(contacts_to_add)
    )
    in_county, in_category, phones, hours = [], [], [], []
    for contact in made:
        for county in rng.sample(counties, k=rng.randint(1, 3)):
            in_county.append(models.Contact.counties.through(contact=contact, county=county))
        for category in rng.sample(categories, k=rng.randint(1, 2)):
            in_category.append(
                models.Contact.categories.through(contact=contact, contactcategory=category)
            )
        phones.append(models.ContactPhone(contact=contact, number="22 00 00 00"))
        hours += [
            models.OpeningHours(
                contact=contact, weekday=d, opens=clock_time(8), closes=clock_time(15, 30)
            )
            for d in range(5)
        ]
    models.Contact.counties.through.objects.bulk_create(in_county)
    models.Contact.categories.through.objects.bulk_create(in_category)
    models.ContactPhone.objects.bulk_create(phones)
    models.OpeningHours.objects.bulk_create(hours)
    models.ContentVersion.objects.filter(pk=1).update(token=uuid.uuid4())


def cpu_ms(call, number):
    call()
    start = time.thread_time()
    for _ in range(number):
        call()
    return (time.thread_time() - start) / number * 1000


def reload_ms():
    """The reload after a save, as the next request of a worker pays it (best of three)."""
    best = float("inf")
    for _ in range(3):
        models.ContentVersion.objects.filter(pk=1).update(token=uuid.uuid4())
        content.forget()
        start = time.thread_time()
        content.snapshot()
        best = min(best, (time.thread_time() - start) * 1000)
    return best


def walk(client):
    """Walk the guide with the walk's facts: the last token, and the page that asks how likely
    it is with the answers posted there."""
    location, token, measured = client.get("/guide/")["Location"], "", None
    while "/guide/q/" in location:
        path = urlparse(location).path
        asked = page_answers(client.get(location).content.decode())
        if "likelihood" in asked:
            measured = (path, asked)
        response = client.post(path, {"s": token, **asked})
        location = response["Location"]
        token = parse_qs(urlparse(location).query)["s"][0]
    return token, measured


def main():
    call_command("migrate", "--noinput", verbosity=0)
    seed.load()
    models.ContentVersion.objects.get_or_create(pk=1, defaults={"token": uuid.uuid4()})
    rng = random.Random(2026)
    base_rules, base_contacts = models.Rule.objects.count(), models.Contact.objects.count()
    client = Client(HTTP_ACCEPT_LANGUAGE="nb")
    token, (asking, asked) = walk(client)
    pages = {
        "question GET": lambda: client.get(f"{asking}?s={token}"),
        "question POST": lambda: client.post(
            asking, {"s": token, **asked, "likelihood": "unclear"}
        ),
        "result": lambda: client.get(f"/guide/result/?s={token}"),
    }
    print(f"{'size':>5} {'rules':>6} {'contacts':>8} {'reload ms':>10}", end="")
    print("".join(f" {name + ' ms':>17}" for name in pages))
    baseline = {}
    for factor in (1, 10, 100):
        if factor > 1:
            have_rules, have_contacts = models.Rule.objects.count(), models.Contact.objects.count()
            grow(base_rules * factor - have_rules, base_contacts * factor - have_contacts, rng)
        reload = reload_ms()
        times = {}
        for name, call in pages.items():
            times[name] = cpu_ms(call, 200 if name != "result" or factor < 100 else 10)
            baseline.setdefault(name, times[name])
        print(
            f"{factor:4d}× {models.Rule.objects.count():6d} {models.Contact.objects.count():8d} "
            f"{reload:10.1f}"
            + "".join(f" {t:8.2f} (×{t / baseline[n]:4.2f})" for n, t in times.items())
        )
    print("Goals: reload at 10× at most 200 ms; question pages at 10× and 100× about ×1.0.")


if __name__ == "__main__":
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    try:
        with override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}):
            main()
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
