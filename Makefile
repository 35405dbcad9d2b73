# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
# Every install is pinned by constraints.txt (`make lock` writes it), as the Dockerfile's is.
CONSTRAINTS := constraints.txt
HOST ?= 127.0.0.1
PORT ?= 8000
# Local runs are development runs: DEBUG on unless the caller says otherwise.
export DEBUG ?= true

.PHONY: run setup install messages translations css test chromium lint lock check-migrations evaluate checkrules bench bench-rules bench-checkrules bench-growth bench-load bench-faults bench-fuzz clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): pyproject.toml $(CONSTRAINTS) | $(PY)
	$(PIP) install --quiet -c $(CONSTRAINTS) -e .
	@test -f .env || { printf '# Local development settings (git-ignored). See README "Production".\nDEBUG=true\n' > .env; echo "wrote .env (DEBUG=true for local development)"; }
	touch $@

# Compiled translations are part of the build (GNU gettext's msgfmt; apt installs it).
messages: $(STAMP)
	@command -v msgfmt >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext; \
	  else echo "msgfmt is missing: install GNU gettext" >&2; exit 1; fi; }
	$(PY) manage.py compilemessages --ignore=.venv -v0

## translations: gather the strings to translate into locale/nb (Python, and every template
## with its engine's extractor: guidance/management/commands/makemessages.py), then compile.
## Translate what is new in locale/nb/LC_MESSAGES/django.po and run it again.
translations: messages
	$(PY) manage.py makemessages -l nb --no-obsolete --ignore=staticfiles --ignore=benchmarks \
	  --ignore=tests --ignore=locale-vendor -v0
	$(PY) manage.py compilemessages --ignore=.venv -v0

$(TEST_STAMP): pyproject.toml $(CONSTRAINTS) $(STAMP)
	$(PIP) install --quiet -c $(CONSTRAINTS) -e '.[test]'
	touch $@

## lock: pin pyproject.toml's dependencies and its test extra, all the way down, in
## constraints.txt (after adding or changing a dependency). Pins already there are kept;
## `make lock UPGRADE=1` moves every pin to the newest release the ranges allow.
lock: | $(PY)
	$(PIP) install --quiet -c $(CONSTRAINTS) uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra test --universal --python-version 3.11 \
	  --quiet $(if $(UPGRADE),--upgrade) -o $(CONSTRAINTS)

install: $(STAMP)

## setup: install, migrate and load the seed content (safe to run again)
setup: install messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed

## run: setup, then serve on http://$(HOST):$(PORT) with SQLite
run: setup
	$(PY) manage.py runserver $(HOST):$(PORT)

## test: install what the tests need (Debian's Chromium included) and run them
test: $(TEST_STAMP) chromium messages
	$(PY) -m pytest

# Browser tests drive Debian's Chromium; Playwright's own browser download is not used.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "Chromium is missing: install Debian's chromium package to run the browser tests"; fi; }

## lint: ruff (lint and format) and mypy with django-stubs (strict for rules.py and content.py)
lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/djhtml --check $$(git ls-files 'templates/*.html')

check-migrations: $(STAMP)
	$(PY) manage.py makemigrations --check --dry-run

## evaluate: check every case file in fixtures/ and ../shared/cases* against the rules
evaluate: setup
	$(PY) manage.py evaluate --check fixtures/cases/*.yaml $(wildcard ../shared/cases/*.yaml) $(wildcard ../shared/cases-next/*.yaml)

## checkrules: prove the contract's invariants over every answer set the questionnaire can produce
checkrules: setup
	$(PY) manage.py checkrules

## bench: every page's CPU per request behind gunicorn, next to a bare view (benchmarks/pages.py)
bench: setup
	$(PY) benchmarks/pages.py

## bench-rules, bench-checkrules: the rule engine's and the invariant proof's own benchmarks
bench-rules: setup
	$(PY) benchmarks/rules.py

bench-checkrules: setup
	$(PY) benchmarks/checkrules.py

## bench-growth: the reload after a save and the page times at 1x, 10x and 100x the content
bench-growth: setup
	$(PY) benchmarks/growth.py

## css: rebuild the Bootstrap subset the pages link (static/vendor/bootstrap/bootstrap.subset.css)
## from the full vendored bootstrap.min.css and the templates, with PurgeCSS (npm; build time
## only, never at run time). Run it after adding Bootstrap classes to a template; the subset is
## checked in, and tests/test_css.py fails while it lacks a class a template uses.
css:
	rm -rf .css-build
	npx --yes purgecss@8.0.0 --config purgecss.config.cjs --output .css-build/
	mv .css-build/bootstrap.min.css static/vendor/bootstrap/bootstrap.subset.css
	rm -rf .css-build

clean:
	rm -rf $(VENV) staticfiles .pytest_cache

## bench-load, bench-faults, bench-fuzz: gunicorn + PostgreSQL under load, under database
## faults (an instance of its own), and the fuzz at 10,000 requests (benchmarks/*.py)
bench-load: setup
	$(PY) benchmarks/load.py

bench-faults: setup
	$(PY) benchmarks/faults.py

bench-fuzz: $(TEST_STAMP)
	$(PY) benchmarks/fuzz.py
