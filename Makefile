# Voronka — the two set-up commands are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The newest Python 3.11+ on this machine; uv is told never to download one.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then command -v $$p; break; fi; done)
TOOLS := .tools
UV := $(TOOLS)/bin/uv
export UV_PYTHON_DOWNLOADS := never
PYTEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: help install run test lint format bench check-python messages

help:
	@echo "make run    - install what is missing and start Voronka (SQLite, demo data) at http://127.0.0.1:8000"
	@echo "make test   - install and run the tests (PostgreSQL with VORONKA_TEST_DATABASE_URL set)"
	@echo "make lint   - ruff, mypy, migrations check"
	@echo "make bench  - benchmarks (see bench/README.md)"

check-python:
	@if [ -z "$(PYTHON)" ]; then \
		echo "Voronka needs Python 3.11 or newer (python3.11, python3.12 or python3.13 on PATH). Install it, e.g. 'apt-get install python3'." >&2; \
		exit 1; fi

$(UV): | check-python
	@echo "Installing uv into $(TOOLS)/ ..."
	@$(PYTHON) -m venv $(TOOLS)
	@$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv

.venv/.installed: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --all-groups --python $(PYTHON)
	@touch $@

install: .venv/.installed

run: install
	$(UV) run --frozen --no-sync voronka run

test: install
	$(UV) run --frozen --no-sync pytest $(PYTEST_ARGS)

lint: install
	$(UV) run --frozen --no-sync ruff check voronka tests bench
	$(UV) run --frozen --no-sync ruff format --check voronka tests bench
	$(UV) run --frozen --no-sync mypy voronka
	$(UV) run --frozen --no-sync voronka makemigrations --check --dry-run

format: install
	$(UV) run --frozen --no-sync ruff check --fix voronka tests bench
	$(UV) run --frozen --no-sync ruff format voronka tests bench

messages: install
	cd voronka && ../$(UV) run --frozen --no-sync ../.venv/bin/voronka makemessages -l ru -l en --no-obsolete && ../$(UV) run --frozen --no-sync ../.venv/bin/voronka compilemessages

bench: install
	$(UV) run --frozen --no-sync python bench/items.py $(BENCH_ARGS)
	$(UV) run --frozen --no-sync python bench/rights.py $(BENCH_ARGS)
