#!/usr/bin/env bash
# A production install works without dev tools: a fresh clone, `npm ci`,
# `npm run build`, `npm prune --omit=dev`, then `policy build` compiles Rego
# and `policy serve --example` answers /health?bundles. The same steps as the
# Dockerfile's stages, checked without a container engine (none runs here).
# Loopback only; every wait is bounded; what it starts, it stops.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
pid=""
cleanup() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi; rm -rf "$work"; }
trap cleanup EXIT

git clone -q "$repo" "$work/meshgate"
cd "$work/meshgate"
npm ci --no-audit --no-fund >/dev/null
npm run build >/dev/null
npm prune --omit=dev --no-audit --no-fund >/dev/null
for dev in typescript assemblyscript tap tsx autocannon; do
  if [ -e "node_modules/$dev" ]; then echo "check-production-install: dev dependency $dev is still installed" >&2; exit 1; fi
done

# The registry's console serves its assets from the production install: uPlot
# from node_modules (a dependency), the page script compiled into dist/.
node --input-type=module -e "
const { ConsoleAssets, ASSET_NAMES } = await import('./dist/src/registry/console/assets.js')
const assets = new ConsoleAssets()
for (const name of ASSET_NAMES) if (!(await assets.get(name)).body.length) throw new Error('console asset ' + name + ' is empty')
"

node bin/policy.js build -b -o "$work/global.tar.gz" policies/global
test -s "$work/global.tar.gz"

node bin/policy.js serve --example --addr 127.0.0.1:0 --bundle-dir "$work/bundles" >"$work/serve.out" 2>"$work/serve.err" &
pid=$!
url=""
for _ in $(seq 1 300); do
  url="$(sed -n 's/^meshgate sidecar listening on \(http:[^ ]*\)$/\1/p' "$work/serve.out" | head -n1)"
  [ -n "$url" ] && break
  if ! kill -0 "$pid" 2>/dev/null; then cat "$work/serve.err" >&2; exit 1; fi
  sleep 0.1
done
[ -n "$url" ] || { echo "check-production-install: the sidecar did not start" >&2; cat "$work/serve.err" >&2; exit 1; }
code="$(node -e "fetch(process.argv[1] + '/health?bundles').then(r => console.log(r.status), () => console.log(0))" "$url")"
[ "$code" = "200" ] || { echo "check-production-install: /health?bundles answered $code" >&2; exit 1; }
echo "check-production-install: ok (policy build, policy serve --example and the console's assets work after npm prune --omit=dev)"
