#!/usr/bin/env bash
# Makes sure the browser tests (tests/browser) have a Chromium to drive: Debian's chromium package,
# plus a CJK font so the console's Chinese text renders in screenshots instead of empty boxes.
# Installs them on Debian/Ubuntu when missing. Safe to run again.
#
# Playwright (pinned in pyproject.toml) drives this system browser through `executable_path`;
# nothing here or in the tests downloads a browser (never run `playwright install`).
# WUYUAN_CHROMIUM names another Chromium binary to use instead; then nothing is installed.
set -euo pipefail

say() { printf '%s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

if [[ -n ${WUYUAN_CHROMIUM:-} ]]; then
    [[ -x $WUYUAN_CHROMIUM ]] || die "WUYUAN_CHROMIUM=$WUYUAN_CHROMIUM is not an executable file"
    say "chromium: using $WUYUAN_CHROMIUM (WUYUAN_CHROMIUM)"
    exit 0
fi

# What is missing: the browser, and a font with Chinese glyphs (fc-list comes with fontconfig,
# which chromium depends on; before chromium is installed there is no fc-list and no font check).
packages=()
have chromium || have chromium-browser || packages+=(chromium)
if ! have fc-list || [[ -z $(fc-list :lang=zh family 2>/dev/null) ]]; then
    packages+=(fonts-wqy-microhei)
fi

if ((${#packages[@]} > 0)); then
    have apt-get || die "no chromium found and this is not a Debian/Ubuntu machine: install Chromium (and a CJK font), or set WUYUAN_CHROMIUM to its binary, then run $0 again"
    if ((EUID == 0)); then
        as_root=()
    elif have sudo; then
        as_root=(sudo)
    else
        die "installing ${packages[*]} needs root; run as root: apt-get update && apt-get install -y ${packages[*]}"
    fi
    say "browser tests: installing ${packages[*]} (Debian packages)"
    "${as_root[@]}" apt-get update
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}"
fi

binary=$(command -v chromium || command -v chromium-browser) || die "chromium is still not on PATH after installing it"
version=$("$binary" --version 2>/dev/null) || die "$binary does not run: $binary --version failed"
say "chromium: ready at $binary ($version)"
