# Every target sets up .venv (if missing or stale) before acting, so a fresh clone needs
# nothing but `make run` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench venv clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

venv: $(STAMP)

# Until the bot runtime lands, `make run` shows what the command line offers.
run: $(STAMP)
	@echo "triobot: the bot runtime ('triobot run') is not built yet; available commands:"
	$(BIN)/triobot --help

lint: $(STAMP)
	$(BIN)/ruff check framework strategies bots tests tools bench
	$(BIN)/ruff format --check framework strategies bots tests tools bench
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
