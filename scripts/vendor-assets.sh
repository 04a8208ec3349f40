#!/usr/bin/env bash
# Refreshes the console's third-party browser assets from the npm registry, checked against the
# integrity hash pinned here. The console serves them itself: county networks are often closed, so
# no page may load anything from a CDN. Run it only to change a version; the files are committed.
set -euo pipefail

CHART_JS_VERSION=4.6.1
CHART_JS_INTEGRITY='sha512-hJyniucsFmq//EvXYvJ6c6mahPoI3kaxdjVH8awTaJ/fDNWeSqqqArixMJWkWNN6fcYvPU3HneSANFNYtRi61g=='

here=$(cd "$(dirname "$0")/.." && pwd)
vendor=$here/services/console/static/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$work"
tarball=$(npm pack "chart.js@$CHART_JS_VERSION" --silent)
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [[ $actual != "$CHART_JS_INTEGRITY" ]]; then
    echo "error: chart.js $CHART_JS_VERSION does not match its pinned integrity ($actual)" >&2
    exit 1
fi
tar xzf "$tarball"
# The source map is not shipped, so its reference goes too (a browser's tools would ask for it).
sed '/^\/\/# sourceMappingURL=/d' package/dist/chart.umd.min.js >"$vendor/chart.umd.min.js"
cp package/LICENSE.md "$vendor/chart.js-LICENSE.md"
echo "chart.js $CHART_JS_VERSION -> $vendor"
