# The two commands a new user needs: `make run` and `make test`. Both set everything up first.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test test-fast bench infra venv lint contracts down clean

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] < (3, 13) else "wuyuan needs Python 3.11 or 3.12; set PYTHON=python3.11")'
	@$(PYTHON) -m venv --help >/dev/null 2>&1 || { echo "python venv missing: apt-get install python3-venv"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

infra:
	@bash scripts/ensure-infra.sh

run: venv infra
	$(BIN)/wuyuan up

test: lint infra
	$(BIN)/pytest

test-fast: venv
	$(BIN)/pytest tests/unit tests/service

bench: venv infra
	$(BIN)/python -m bench.lifecycle $(BENCH_ARGS)

# Lint, format and strict types over the whole tree (mypy reads its settings and typings/ from pyproject.toml).
lint: venv
	$(BIN)/ruff check shared services wuyuan tests bench typings
	$(BIN)/ruff format --check --quiet shared services wuyuan tests bench typings
	$(BIN)/mypy shared services wuyuan

contracts: venv
	$(BIN)/python -m shared.contracts.export docs/contracts

down: venv
	$(BIN)/wuyuan down

clean:
	rm -rf $(VENV) var
