# DigitSight. `make run` serves the app; `make test` runs every check.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/digitsight
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
TEST_DB ?= test_digitsight
TEST_ENV := DJANGO_SETTINGS_MODULE=digitsight.settings.test DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS_TEST_URL) \
	DIGITSIGHT_TEST_DB=$(TEST_DB)
SERVICES_ENV := DJANGO_SETTINGS_MODULE=digitsight.settings.local DATABASE_URL=$(PG_URL) REDIS_URL=redis://127.0.0.1:6379/0

.PHONY: install install-dev services run worker test lint format data train evaluate bench clean

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

services:
	@scripts/services.sh

run: install
	@mkdir -p var
	$(PY) manage.py migrate --noinput
	@echo
	@echo "DigitSight runs at http://127.0.0.1:8000/"
	@echo "Create the first account at http://127.0.0.1:8000/accounts/signup/"
	@echo "(or an admin: $(PY) manage.py createsuperuser)"
	@echo
	$(PY) manage.py runserver 127.0.0.1:8000

# The worker must share the web app's database and broker: an exported DATABASE_URL /
# REDIS_URL / DJANGO_SETTINGS_MODULE wins, the local services are only the default.
WORKER_ENV = DJANGO_SETTINGS_MODULE=$(or $(DJANGO_SETTINGS_MODULE),digitsight.settings.local) \
	DATABASE_URL=$(or $(DATABASE_URL),$(PG_URL)) REDIS_URL=$(or $(REDIS_URL),redis://127.0.0.1:6379/0)

worker: install services
	$(WORKER_ENV) $(VENV)/bin/celery -A digitsight worker --loglevel=INFO --concurrency=2

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: install-dev lint services data
	@# A killed run can leave workers connected to the test database, which blocks
	@# dropping it; --create-db then rebuilds it from the migrations.
	@psql -h 127.0.0.1 -U postgres -qAtc "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
		WHERE datname = '$(TEST_DB)' AND pid <> pg_backend_pid()" >/dev/null
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(PY) -m pytest --create-db

data: install-dev
	$(PY) -m ml.data

# The digit model: from scratch on MNIST (+ composed crops), then a fine-tune with the allowed
# handwriting fonts and drawn continental digits (ml.fonts; DEVELOPERS.md), as shipped.
train: data
	@scripts/system-deps.sh --train
	$(PY) -m ml.train --out var/train/base
	$(PY) -m ml.train --init-from var/train/base/digits.tflite --fonts all --epochs 2 \
		--learning-rate 3e-4 --checkpoint var/train/fonts.keras
	$(PY) -m ml.train_lines --init-from ml/artifacts/lines.tflite --epochs 4 --learning-rate 1e-3
	$(PY) -m ml.calibrate

evaluate: data
	$(PY) -m ml.evaluate

# Figures, not pass/fail: the recognizer, the history page at 5,000 rows, then
# the whole stack (gunicorn + 2 Celery processes on Postgres + Redis) under load,
# then what a teacher feels in headless Chromium (click -> number, a class set of 30).
bench: install-dev services data
	$(PY) -m ml.bench
	$(PY) -m ml.evaluate --worksheets
	$(SERVICES_ENV) $(PY) manage.py migrate --noinput -v0
	$(SERVICES_ENV) $(PY) manage.py bench_history --rows 5000
	$(PY) scripts/bench_load.py --teachers 5 --photos 50 --out var/reports/load-50.json
	$(PY) scripts/bench_load.py --teachers 50 --photos 500 --out var/reports/load-500.json
	$(PY) scripts/bench_felt.py --photos 20 --pages 30 --out var/reports/felt.json
	$(PY) scripts/bench_pdf_upload.py
	$(PY) scripts/bench_queues.py --pages 200 --out var/reports/queues.json

clean:
	rm -rf var/static var/reports .pytest_cache
