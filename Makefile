# The two commands a new user needs: `make run` and `make test`. Both set everything up first.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test test-fast test-browser bench bench-hop bench-reports infra document-font browser asyncapi example-agency venv lint contracts down clean purge

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

# A Chinese TrueType font (Debian's fonts-arphic-uming) that supervision embeds in its letters' PDFs.
document-font:
	@bash scripts/ensure-document-font.sh

# Debian's chromium (and a CJK font) for tests/browser; Playwright drives it, never a downloaded browser.
browser:
	@bash scripts/ensure-browser.sh

# Node.js and the pinned AsyncAPI parser (tools/asyncapi) for the contract's check in tests/unit/contracts.
asyncapi:
	@bash scripts/ensure-asyncapi.sh

# The worked example agency in Node.js (examples/womens_federation): the conformance kit and an end-to-end test run it.
example-agency:
	@bash scripts/ensure-example-agency.sh

run: venv infra document-font
	$(BIN)/wuyuan up

# The browser tests run in a second pytest process: Playwright hangs in one that eventlet has
# monkey-patched, and every other test needs that patching. WUYUAN_BROWSER_TESTS=1 makes the
# root conftest skip it (and the first run leaves tests/browser out); WUYUAN_REQUIRE_BROWSER=1
# turns a missing Chromium into a failure instead of a skip. Make stops at the first that fails.
BROWSER_PYTEST := WUYUAN_BROWSER_TESTS=1 WUYUAN_REQUIRE_BROWSER=1 $(BIN)/pytest -p no:pytest_nameko tests/browser

test: lint infra browser asyncapi example-agency
	$(BIN)/pytest
	$(BROWSER_PYTEST)

test-fast: venv
	$(BIN)/pytest tests/unit tests/service

test-browser: venv infra browser
	$(BROWSER_PYTEST)

bench: venv infra
	$(BIN)/python -m bench.lifecycle $(BENCH_ARGS)

# The leaders' report over a read model of 10 million cases, on a database of the run's own (dropped at the end).
bench-hop: venv infra
	$(BIN)/python -m bench.hop $(BENCH_ARGS)

bench-reports: venv infra
	$(BIN)/python -m bench.reports $(BENCH_ARGS)

# The fault suite on a private PostgreSQL cluster and RabbitMQ node(s) (tests/chaos, README "Faults"): faults on
# one node, then the loss of a node of a three-node quorum-queue cluster. `make test` runs a short version of each.
.PHONY: chaos
CHAOS_ARGS ?= --cases 3000 --rate 8
CHAOS_NODE_LOSS_ARGS ?= --cases 1000 --rate 8
chaos: venv infra
	$(BIN)/python -m tests.chaos.run $(CHAOS_ARGS)
	$(BIN)/python -m tests.chaos.run --nodes 3 $(CHAOS_NODE_LOSS_ARGS)

# Lint, format and strict types over the whole tree (mypy reads its settings and typings/ from pyproject.toml).
lint: venv
	$(BIN)/ruff check shared services wuyuan tests bench typings
	$(BIN)/ruff format --check --quiet shared services wuyuan tests bench typings
	$(BIN)/mypy shared services wuyuan

# Regenerate docs/contracts (asyncapi.json, schemas/, examples/), then check it with the AsyncAPI parser.
contracts: venv asyncapi
	$(BIN)/python -m wuyuan.contracts_export docs/contracts
	node tools/asyncapi/check.mjs docs/contracts >/dev/null

# Rewrite deploy/compose.yaml and the Kubernetes manifests from config/agencies.toml (deploy/templates/*.j2).
.PHONY: deploy
deploy: venv
	$(BIN)/python -m wuyuan.deploy_render deploy

down: venv
	$(BIN)/wuyuan down

# What installing and the tools made: the venv (the platform is stopped first: nothing could stop it after),
# build files and caches. It keeps var/: the local platform's databases stay, and var/secrets holds the keys
# their data is sealed and signed with (var/backups the backups). To remove the local platform itself, on
# purpose: `make purge` (`wuyuan down --purge`), which asks first.
CACHE_DIRS := shared services wuyuan tests bench typings scripts tools examples
clean:
	-@if [ -x $(BIN)/wuyuan ]; then $(BIN)/wuyuan down; fi
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find $(CACHE_DIRS) -name node_modules -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

# The local platform's databases and roles, broker vhost and users, and var/'s secrets, logs and traces
# (backups kept): after a confirmation, or with PURGE_ARGS=--yes.
purge: venv
	$(BIN)/wuyuan down --purge $(PURGE_ARGS)
