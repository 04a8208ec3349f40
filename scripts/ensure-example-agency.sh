#!/usr/bin/env bash
# Makes sure the worked example agency in Node.js (examples/womens_federation) can run: Node.js 20 or newer
# with npm, and the packages pinned in its package-lock.json (`npm ci` there). Run by
# tests/integration/test_example_agency.py before the conformance kit starts the agency, and before
# `wuyuan up` when the registry lists it. Safe to run again: npm ci runs only when node_modules is missing
# or older than the lock file.
set -euo pipefail

say() { printf '%s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

agency_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/examples/womens_federation"
# 20.19 is the first Node.js 20 that loads an ES module (jose) with require() unflagged.
min_major=20
min_minor=19

have node || die "node not found: the example agency needs Node.js $min_major.$min_minor or newer with npm (Debian/Ubuntu: scripts/ensure-asyncapi.sh installs them, or apt-get install nodejs npm), then run $0 again"
have npm || die "npm not found: install npm beside node $(node --version 2>/dev/null || true) (Debian/Ubuntu: apt-get install npm), then run $0 again"

version=$(node --version 2>/dev/null) || die "node does not run: node --version failed"
IFS=. read -r major minor _ <<<"${version#v}"
((major > min_major || (major == min_major && minor >= min_minor))) \
    || die "node $version is too old for the example agency: install Node.js $min_major.$min_minor or newer"

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
