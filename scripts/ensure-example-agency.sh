#!/usr/bin/env bash
# Makes sure the worked example agency in Node.js (examples/womens_federation) can run: Node.js 20.19 or
# newer with npm, and the packages pinned in its package-lock.json (`npm ci` there). It does not install
# Node.js itself. Run by `make example-agency` (and so by `make test`) and by
# tests/integration/test_example_agency.py before the conformance kit starts the agency; `wuyuan up` does
# not run it, so run it yourself before `wuyuan up` when your registry lists the example. Safe to run
# again: npm ci runs only when node_modules is missing or older than the lock file.
set -euo pipefail

say() { printf '%s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

agency_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/examples/womens_federation"
# 20.19 is the first Node.js 20 that loads an ES module (jose) with require() unflagged.
min_major=20
min_minor=19

# Debian 12 and Ubuntu 24.04 package Node.js 18 (scripts/ensure-asyncapi.sh installs that one, enough for
# the contract check but not for this agency); Debian 13 packages 20.19.
install_hint="install Node.js $min_major.$min_minor or newer with npm: on Debian 13, apt-get install nodejs npm; on Debian 12 or Ubuntu, NodeSource's nodejs 20 package (https://github.com/nodesource/distributions, it includes npm) or nvm (nvm install $min_major)"

have node || die "node not found: $install_hint; then run $0 again"
have npm || die "npm not found beside node $(node --version 2>/dev/null || true): $install_hint; then run $0 again"

version=$(node --version 2>/dev/null) || die "node does not run: node --version failed"
IFS=. read -r major minor _ <<<"${version#v}"
((major > min_major || (major == min_major && minor >= min_minor))) \
    || die "node $version is too old for the example agency: $install_hint; then run $0 again"

# npm writes node_modules/.package-lock.json on every install: newer than the lock file means up to date.
installed="$agency_dir/node_modules/.package-lock.json"
if [[ ! -f $installed || $agency_dir/package-lock.json -nt $installed ]]; then
    say "example agency: npm ci in examples/womens_federation (amqplib, pg, jose, ajv; pinned)"
    # No install scripts: none of these packages needs one.
    (cd "$agency_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi

amqplib=$(node -p "require('$agency_dir/node_modules/amqplib/package.json').version") \
    || die "amqplib is not installed in $agency_dir: remove its node_modules and run $0 again"
say "example agency: ready (node $version, amqplib $amqplib)"
