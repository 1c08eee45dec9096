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

.PHONY: run test lint bench install install-dev system-deps screenshots clean document-samples

# Debian packages the tests need on a fresh machine: Debian's chromium for the page tests (never
# `playwright install`), CJK fonts so Chinese renders in pages and PDFs instead of boxes,
# poppler-utils to rasterise and read the rendered PDFs, pango for the PDF renderer.
SYSTEM_PACKAGES := chromium fonts-noto-cjk poppler-utils libpango-1.0-0 libpangoft2-1.0-0

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

# Installs only what is missing (as root, or through sudo); a machine that has them all is left as is.
system-deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:" $$missing; \
	  sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	fi

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# Lint, the layer contracts, then the suite on two processes (pytest-xdist; each worker has its
# own databases). PYTEST_ARGS adds options, e.g. PYTEST_ARGS="-k intake".
test: install-dev system-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

# docs/samples/<kind>.png: page 1 of one issued document of every kind, as the PDF download renders
# it (a throw-away SQLite database with the demo data; pdftoppm from poppler-utils).
document-samples: install-dev system-deps
	$(BIN)/python -m tests.make_document_samples

# A PNG of every page at 1366×768 into docs/screenshots/ (Debian's chromium, a fresh demo database).
screenshots: install-dev system-deps
	$(BIN)/python -m tests.screenshots

# Every benchmark in bench/ (docs/performance.md), against a scratch PostgreSQL database whose
# public schema each script DROPS:
#   make bench BENCH_POSTGRES=postgresql+psycopg://postgres@127.0.0.1:5432/bench
# The whole output goes to var/bench.txt; the issue's figures (each with its goal) end it.
BENCH_POSTGRES ?=
BENCH_OUT := var/bench.txt
bench: install-dev
	@test -n "$(BENCH_POSTGRES)" || { echo "set BENCH_POSTGRES to a scratch database URL"; exit 2; }
	@mkdir -p var && : > $(BENCH_OUT)
	cd bench && ../$(BIN)/python throughput.py --postgres $(BENCH_POSTGRES) | tee -a ../$(BENCH_OUT)
	cd bench && ../$(BIN)/python sweep_vs_sql.py --postgres $(BENCH_POSTGRES) | tee -a ../$(BENCH_OUT)
	cd bench && ../$(BIN)/python lists.py --postgres $(BENCH_POSTGRES) | tee -a ../$(BENCH_OUT)
	cd bench && ../$(BIN)/python sweep.py --postgres $(BENCH_POSTGRES) --open 10000 1000000 --due 100 2000 | tee -a ../$(BENCH_OUT)
	cd bench && ../$(BIN)/python fire.py --postgres $(BENCH_POSTGRES) | tee -a ../$(BENCH_OUT)
	cd bench && ../$(BIN)/python workdays.py | tee -a ../$(BENCH_OUT)
	@echo; echo "== issue 15's figures (all of $(BENCH_OUT) above) =="
	@grep -E "OK|NOT MET|floor:" $(BENCH_OUT)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
