#!/usr/bin/env bash
# Makes sure the contract test (tests/unit/contracts/test_asyncapi_tools.py) can run the official AsyncAPI
# parser: Node.js with npm, and the packages pinned in tools/asyncapi/package-lock.json (`npm ci` there).
# Installs Debian's nodejs and npm on Debian/Ubuntu when missing. Safe to run again: npm ci runs only
# when the lock file changed since the last install.
set -euo pipefail

say() { printf '%s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

tool_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tools/asyncapi"
min_node=18

packages=()
have node || packages+=(nodejs)
have npm || packages+=(npm)

if ((${#packages[@]} > 0)); then
    have apt-get || die "no ${packages[*]} found and this is not a Debian/Ubuntu machine: install Node.js $min_node or newer with npm, then run $0 again"
    if ((EUID == 0)); then
        as_root=()
    elif have sudo; then
        as_root=(sudo)
    else
        die "installing ${packages[*]} needs root; run as root: apt-get update && apt-get install -y ${packages[*]}"
    fi
    say "contract check: installing ${packages[*]} (Debian packages)"
    "${as_root[@]}" apt-get update
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}"
fi

version=$(node --version 2>/dev/null) || die "node does not run: node --version failed"
major=${version#v}
major=${major%%.*}
((major >= min_node)) || die "node $version is too old for @asyncapi/parser: install Node.js $min_node or newer"

# npm writes node_modules/.package-lock.json on every install: newer than the lock file means up to date.
installed="$tool_dir/node_modules/.package-lock.json"
if [[ ! -f $installed || $tool_dir/package-lock.json -nt $installed ]]; then
    say "contract check: npm ci in tools/asyncapi (the AsyncAPI parser and Ajv, pinned)"
    # No install scripts: the parser needs none, and a dependency's would only phone home.
    (cd "$tool_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi

parser=$(node -p "require('$tool_dir/node_modules/@asyncapi/parser/package.json').version") \
    || die "the AsyncAPI parser is not installed in $tool_dir: remove its node_modules and run $0 again"
say "asyncapi: ready (node $version, @asyncapi/parser $parser)"
