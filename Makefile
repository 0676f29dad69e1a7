# Everything a fresh machine needs, from a clean clone: `make run`, `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install migrate demo serve bench bench-import bench-search bench-email bench-admin load wrk browser messages clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet ".[dev]"
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

## run: set up everything and serve the site with demo content on http://$(HOST):$(PORT)
run: demo
	@echo "Briefing is at http://$(HOST):$(PORT)/ (admin: http://$(HOST):$(PORT)/admin/)"
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

## test: set up everything and run the whole suite (browser tests need chromium: `make browser`)
test: install
	$(PY) -m pytest

## serve: production-like: collectstatic, migrate, gunicorn on $(HOST):$(PORT) (see README, Deployment)
serve: install
	DEBUG=0 $(PY) manage.py collectstatic --noinput --verbosity 0
	DEBUG=0 $(PY) manage.py migrate --noinput
	DEBUG=0 PORT=$(PORT) BIND=$(HOST):$(PORT) $(VENV)/bin/gunicorn -c briefing/gunicorn.conf.py briefing.wsgi:application

## bench: synthetic 1,000-issue site on PostgreSQL behind gunicorn, measured with wrk; writes bench/results/
bench: install wrk
	$(PY) bench/run.py

## load: the 60 s, concurrency-32 load phase alone (no errors, no 5xx, stable memory)
load: install wrk
	$(PY) bench/run.py --load-only

## wrk: Debian's wrk load generator, where it is missing (bench falls back to a Python generator)
wrk:
	@command -v wrk >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk) || echo "wrk unavailable: the Python load generator will be used"

## browser: install Debian's Chromium for the end-to-end tests, where it is missing
browser:
	@(command -v chromium && fc-list | grep -qi wqy) >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei)

## bench-import: import the whole corpus into an empty database, on SQLite and on PostgreSQL
bench-import: install
	$(PY) bench/import_corpus.py --database sqlite
	$(PY) bench/import_corpus.py --database postgres

## bench-search: time search over a generated archive (ENTRIES=20000) in a throwaway database
bench-search: install
	$(PY) bench/search.py --entries $${ENTRIES:-20000}

## bench-email: one issue to 10,000 subscribers by one and two db_worker processes, to an aiosmtpd sink (PostgreSQL)
bench-email: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres} $(PY) bench/send_email.py --subscribers $${SUBSCRIBERS:-10000}

## bench-admin: the issue editor opening and saving issues of 10, 40 and 80 entries (PostgreSQL unless DATABASE_URL says otherwise)
bench-admin: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres} $(PY) bench/admin.py

messages: install
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) staticfiles test-artifacts
