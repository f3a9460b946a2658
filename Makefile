# Two commands do all the set-up on a fresh Debian machine (as root, or with sudo):
#   make run   - virtual environment, runtime packages, Debian chromium; serves the dashboard
#   make test  - the same plus test packages; runs every test (unit, app, browser)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8501
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test bench paper system-deps chromium clean

$(VENV)/.run-installed: requirements.txt | system-deps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.run-installed requirements-dev.txt
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@

# python3-venv (for `python3 -m venv`) where the interpreter lacks ensurepip
system-deps:
	@$(PYTHON) -c "import ensurepip, venv" 2>/dev/null || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-venv python3-pip; }

# Debian's chromium serves kaleido (static image export) and Playwright; never a browser download
chromium:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }

run: $(VENV)/.run-installed chromium
	$(BIN)/python -m dashboard serve --server.address $(HOST) --server.port $(PORT) --server.headless true

test: $(VENV)/.dev-installed chromium
	$(BIN)/python -m pytest

paper: $(VENV)/.run-installed
	$(BIN)/python -m costmodel paper

bench: $(VENV)/.dev-installed
	$(BIN)/python bench/bench_core.py
	$(BIN)/python bench/bench_afd.py
	$(BIN)/python bench/bench_pages.py
	$(BIN)/python bench/bench_export.py
	$(BIN)/python bench/bench_felt.py
	$(BIN)/python bench/bench_load.py
	$(BIN)/python bench/bench_codesign.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
