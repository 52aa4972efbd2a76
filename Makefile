# DigitSight. `make run` serves the app; `make test` runs every check.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/digitsight
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
TEST_ENV := DJANGO_SETTINGS_MODULE=digitsight.settings.test DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS_TEST_URL)
SERVICES_ENV := DJANGO_SETTINGS_MODULE=digitsight.settings.local DATABASE_URL=$(PG_URL) REDIS_URL=redis://127.0.0.1:6379/0

.PHONY: install install-dev run worker test lint format data train evaluate bench clean

$(VENV)/bin/python:
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(RUNTIME): $(VENV)/bin/python requirements.txt
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(DEV): $(RUNTIME) requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

install: $(RUNTIME) node_modules/.package-lock.json
	@scripts/system-deps.sh

install-dev: $(DEV) node_modules/.package-lock.json
	@scripts/system-deps.sh --test

run: install
	@mkdir -p var
	$(PY) manage.py migrate --noinput
	@echo
	@echo "DigitSight runs at http://127.0.0.1:8000/"
	@echo "Create the first account at http://127.0.0.1:8000/accounts/signup/"
	@echo "(or an admin: $(PY) manage.py createsuperuser)"
	@echo
	$(PY) manage.py runserver 127.0.0.1:8000

worker: install
	$(SERVICES_ENV) $(VENV)/bin/celery -A digitsight worker --loglevel=INFO --concurrency=2

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: install-dev lint
	@scripts/services.sh
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(PY) -m pytest

data: install-dev
	$(PY) -m ml.data

train: data
	$(PY) -m ml.train

evaluate: data
	$(PY) -m ml.evaluate

bench: install-dev
	@scripts/services.sh
	$(PY) -m ml.bench

clean:
	rm -rf var/static var/reports .pytest_cache
