# Two commands on a fresh machine: `make serve` and `make test`. Everything else is a step of those.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: sandbox-tools chromium serve test check lint typecheck imports deps first-serve format clean

# the sandbox for user code (bubblewrap, slirp4netns): installed with apt where we may, else named
SANDBOX_TOOLS := bwrap slirp4netns
SANDBOX_PACKAGES := bubblewrap slirp4netns
sandbox-tools:
	@missing=""; for tool in $(SANDBOX_TOOLS); do command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    echo "installing the sandbox for user code: $(SANDBOX_PACKAGES)"; \
	    (apt-get install -y -qq $(SANDBOX_PACKAGES) >/dev/null 2>&1 || \
	     (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq $(SANDBOX_PACKAGES) >/dev/null)) || \
	    echo "could not install $(SANDBOX_PACKAGES): user code will not be sandboxed"; \
	  elif command -v apt-get >/dev/null && command -v sudo >/dev/null; then \
	    sudo apt-get install -y -qq $(SANDBOX_PACKAGES) || echo "could not install $(SANDBOX_PACKAGES)"; \
	  else \
	    echo "the sandbox for user code needs$$missing: install $(SANDBOX_PACKAGES) (Debian/Ubuntu)"; \
	  fi; \
	fi

# the dashboard's browser tests (tests/ui) drive the Debian chromium: installed with apt where we
# may, else named; the tests fail saying so when it is missing
CHROMIUM ?= /usr/bin/chromium
chromium:
	@if [ ! -x "$(CHROMIUM)" ] && ! command -v chromium >/dev/null; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    echo "installing chromium for the dashboard's browser tests"; \
	    (apt-get install -y -qq chromium >/dev/null 2>&1 || \
	     (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium >/dev/null)) || \
	    echo "could not install chromium: tests/ui will fail until it is installed"; \
	  elif command -v apt-get >/dev/null && command -v sudo >/dev/null; then \
	    sudo apt-get install -y -qq chromium || echo "could not install chromium"; \
	  else \
	    echo "the dashboard's browser tests need chromium at $(CHROMIUM): install the chromium package (Debian/Ubuntu)"; \
	  fi; \
	fi

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

serve: $(VENV)/.installed sandbox-tools
	$(BIN)/modelyard serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-dev sandbox-tools chromium
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
