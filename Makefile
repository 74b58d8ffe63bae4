# CRM Hub — the README's two commands: `make demo` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: install demo test lint stop-sources bench screenshots clean compose-env

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml scripts/install-os-packages.sh sources/tryton/requirements.txt
	./scripts/install-os-packages.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check uv
	$(VENV)/bin/uv pip install -q --python $(PY) -e '.[airflow,dev,bench]'
	./scripts/tryton-venv.sh
	touch $@

demo: install
	./scripts/demo.sh

test: install
	./scripts/test.sh

lint: install
	$(VENV)/bin/ruff check .

# docker compose's .env with random secrets and database passwords (created once, mode 0600; stdlib only).
compose-env:
	$(PYTHON) -m crmhub.local_secrets compose-env .env

stop-sources:
	./scripts/sources.sh stop

screenshots: install
	CRMHUB_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(VENV)/bin/pytest -q tests/webapp/test_workbench_browser.py

bench: install
	$(PY) -m bench.matching_benchmark

clean: stop-sources
	rm -rf var
