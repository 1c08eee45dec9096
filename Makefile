# Two commands set everything up (see README.md):
#   make run   — install, create/upgrade the SQLite database under ./var/, load the demo data
#                if the database is empty, and serve on http://127.0.0.1:8000
#   make test  — install the dev dependencies and run the whole suite (ruff + pytest)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# The demo data is a Guangdong org tree: its documents and clocks cite Guangdong's rules.
CASEWORK_JURISDICTION ?= guangdong

.PHONY: run test lint install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: export CASEWORK_JURISDICTION := $(CASEWORK_JURISDICTION)
run: install
	$(BIN)/casework init
	$(BIN)/casework demo --if-empty
	$(BIN)/casework serve --bind $(HOST):$(PORT)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# Lint, the layer contracts, then the suite on two processes (pytest-xdist; each worker has its
# own databases). PYTEST_ARGS adds options, e.g. PYTEST_ARGS="-k intake".
test: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
