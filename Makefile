# Every target sets up .venv (if missing or stale) before acting, so a fresh clone needs
# nothing but `make run` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench soak venv clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

venv: $(STAMP)

# The demo bot on the embedded simulator. It runs for DURATION seconds (default 60) and
# stops cleanly with a summary; `make run DURATION=` runs until Ctrl-C.
DURATION ?= 60
run: $(STAMP)
	$(BIN)/triobot run configs/demo.yaml --log-format console $(if $(DURATION),--duration $(DURATION))

lint: $(STAMP)
	$(BIN)/ruff check framework strategies bots tests tools bench
	$(BIN)/ruff format --check framework strategies bots tests tools bench
	$(BIN)/mypy

# Branch coverage over framework, bots and strategies: the table prints, and the run fails
# under COVERAGE_MIN % overall or under 100 % on the paths where money moves (the execution
# actor, the reconcilers of lost buys and orders, the journal).
COVERAGE_MIN ?= 95
# The suite runs on every core (pytest-xdist): under coverage one process took about five
# minutes on two cores, two take about three. `make test WORKERS=0` runs it in one process.
WORKERS ?= auto
MONEY_PATHS := framework/execution/*,framework/client/reconcile*.py,framework/journal.py

test: lint
	$(BIN)/pytest -q -n $(WORKERS) --cov=framework --cov=bots --cov=strategies --cov-branch \
		--cov-report=term-missing:skip-covered --cov-fail-under=$(COVERAGE_MIN)
	$(BIN)/coverage report --include='$(MONEY_PATHS)' --show-missing --fail-under=100

# Every benchmark, each beside a reference measured in the same run. The reference that
# needs its own environment (python_deriv_api, in .venv-deriv-api/) is installed on first use.
bench: $(STAMP)
	$(BIN)/python -m bench

# The fault soak: a bot and a simulator at speed 10 killed with SIGKILL at random for
# SOAK_MINUTES (default 5), under random faults; then the journal against the server's
# statement. One verdict line; fails on any lost, duplicated or mismatched trade.
SOAK_MINUTES ?= 5
soak: $(STAMP)
	$(BIN)/python -m tools.soak --minutes $(SOAK_MINUTES)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage
