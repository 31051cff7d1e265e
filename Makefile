# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck bench clean install

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/pollbot demo

lint: $(STAMP)
	$(BIN)/ruff check bot jobs storage tests bench
	$(BIN)/ruff format --check bot jobs storage tests bench
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/mypy -p tests.support

test: lint typecheck
	$(BIN)/python -m pytest -n 2 -q

# Every benchmark (not the _shared modules), as a module from the checkout's root so that
# `bench` and `tests.support` import; each prints its figures and ratios.
bench: $(STAMP)
	for f in bench/[!_]*.py; do m=bench.$$(basename $$f .py); echo "== $$m"; $(BIN)/python -m $$m || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
