# Two commands on a fresh machine: `make serve` and `make test`. Everything else is a step of those.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: serve test check lint typecheck imports deps first-serve format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# the Lightly client without its training stack (torch, hydra): only its API client is used
	$(BIN)/python -m pip install --quiet --no-deps lightly==1.2.2
	# Azurite, the Azure Blob emulator the Lightly datasource tests start (needs node and npm)
	npm install --silent --no-audit --no-fund --prefix $(VENV)/node azurite@3
	touch $(VENV)/.installed $@

serve: $(VENV)/.installed
	$(BIN)/modelyard serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

imports: $(VENV)/.installed-dev
	$(BIN)/lint-imports

# every package src/ imports at run time is a runtime dependency, not only a dev extra
deps: $(VENV)/.installed-dev
	$(BIN)/deptry src

# the first README command from the built wheel in a clean venv without the dev extras
first-serve: $(VENV)/.installed-dev
	PYTHON=$(PYTHON) $(BIN)/python .ci/first_serve.py

check: lint typecheck imports deps test

format: $(VENV)/.installed-dev
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

clean:
	rm -rf $(VENV) .modelyard .pytest_cache .mypy_cache .ruff_cache
