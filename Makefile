# The two commands of the README's quick start:
#   make run   set up a virtual environment, create the database with a demo assessment, serve it
#   make test  run the whole test suite (on PostgreSQL too when TEST_DATABASE_URL is set)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
FLASK  := $(BIN)/flask --app survey_app
# The address survey links are built from (see config.py): the server's own, unless set.
PUBLIC_URL ?= http://$(HOST):$(PORT)

.PHONY: run test install demo clean screenshots bench

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# Reinstall when the project's dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --editable '.[test]'
	touch $@

install: $(VENV)/.installed

demo: install
	$(FLASK) init-db
	PUBLIC_URL=$(PUBLIC_URL) $(FLASK) demo

run: demo
	@echo "Serving on http://$(HOST):$(PORT)/ (Ctrl+C stops it)"
	PUBLIC_URL=$(PUBLIC_URL) $(FLASK) run --host $(HOST) --port $(PORT)

# The layer rules (pyproject.toml, docs/architecture.md) and ruff first: they take seconds.
test: install
	$(BIN)/lint-imports --no-cache
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Every benchmark and one table of figures with their goals (about 8 minutes on 2 cores);
# PostgreSQL too when BENCH_DATABASE_URL is set. See docs/performance.md.
$(VENV)/.bench-installed: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --editable '.[test,bench]'
	touch $@

bench: $(VENV)/.bench-installed
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Screenshots of the demo's survey and comparison page for docs/ (needs /usr/bin/chromium).
screenshots: install
	$(BIN)/python docs/screenshots.py

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis
