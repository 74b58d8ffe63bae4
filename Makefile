# CRM Hub — the README's two commands: `make demo` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: install demo test lint stop-sources bench screenshots clean compose-env

install: $(VENV)/.installed

# The versions in uv.lock, exactly (--frozen: never re-resolved here; `uv lock` after changing
# pyproject.toml). --inexact keeps uv itself and what was installed by hand in the venv.
# --compile-bytecode: uv, unlike pip, writes no .pyc, and where PYTHONDONTWRITEBYTECODE is set (as
# on CI's image) every process then compiled its libraries again: 2.5 of the 4.2 s a source worker,
# an Airflow task or a golden-record worker took to import the hub.
$(VENV)/.installed: pyproject.toml uv.lock scripts/install-os-packages.sh sources/tryton/requirements.txt
	./scripts/install-os-packages.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check uv
	UV_PROJECT_ENVIRONMENT=$(abspath $(VENV)) $(VENV)/bin/uv sync -q --frozen --inexact --compile-bytecode \
		--extra airflow --extra dev --extra bench --extra demo
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
	$(VENV)/bin/python scripts/screenshots.py

bench: install
	$(PY) -m bench.matching_benchmark

clean: stop-sources
	rm -rf var
