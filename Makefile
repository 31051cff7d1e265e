# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck bench clean install browser

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

test: lint typecheck browser
	$(BIN)/python -m pytest -n 2 -q

# The report's browser tests drive Debian's chromium through its chromedriver (browsers cannot
# be downloaded here). Installed when missing and this user may (root with apt-get); otherwise
# those tests are skipped with a message saying so, except under CI=true, where they fail.
browser:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's chromium and chromium-driver for the report's browser tests"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 \
		|| { apt-get update -q >/dev/null 2>&1 \
		     && apt-get install -y -q chromium chromium-driver >/dev/null 2>&1; } \
		|| echo "could not install chromium: the browser tests will say so"; \
	else echo "no chromium and no way to install it: the browser tests will say so"; fi

# Every benchmark (not the _shared modules), as a module from the checkout's root so that
# `bench` and `tests.support` import; each prints its figures and ratios.
bench: $(STAMP)
	for f in bench/[!_]*.py; do m=bench.$$(basename $$f .py); echo "== $$m"; $(BIN)/python -m $$m || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
