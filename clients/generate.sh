#!/usr/bin/env bash
# Regenerates every client's code from proto/ with pinned generators.
#   Python:     grpcio-tools (protoc + grpc plugin)   -> clients/python/src/webhookd/v1/
#               unasync: the blocking client from the asyncio one (aio.py -> client.py)
#   TypeScript: buf generate with protoc-gen-es      -> clients/typescript/src/gen/, built to dist/
#   Web page:   the TypeScript client's generated code, bundled to clients/web/dist/
#               (served by the server from the binary: `cargo build` needs no Node)
#   Rust:       generated at build time by proto/build.rs (the webhookd-proto crate; nothing to commit)
# CI runs this and fails if the committed code differs (`git diff --exit-code clients`).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="${WEBHOOKD_TOOLS_DIR:-$root/target/client-tools}"
mkdir -p "$tools"

# --- Python ---------------------------------------------------------------------------------
if [ ! -x "$tools/gen-venv/bin/python" ]; then
  python3 -m venv "$tools/gen-venv"
fi
"$tools/gen-venv/bin/pip" install -q --disable-pip-version-check grpcio-tools==1.85.1
out="$root/clients/python/src"
rm -rf "$out/webhookd"
mkdir -p "$out/webhookd/v1"
"$tools/gen-venv/bin/python" -m grpc_tools.protoc -I "$root/proto" \
  --python_out="$out" --pyi_out="$out" --grpc_python_out="$out" \
  "$root"/proto/webhookd/v1/*.proto
printf '"""Generated from proto/webhookd; do not edit."""\n' > "$out/webhookd/__init__.py"
printf '"""Generated from proto/webhookd/v1; do not edit."""\n' > "$out/webhookd/v1/__init__.py"
# The generated .pyi files type the messages for mypy and editors.
touch "$out/webhookd/py.typed"
# The blocking client is generated from the asyncio one (unasync), so that they cannot drift.
"$tools/gen-venv/bin/pip" install -q --disable-pip-version-check unasync==0.6.0
"$tools/gen-venv/bin/python" "$root/clients/python/unasync_client.py"

# --- TypeScript -----------------------------------------------------------------------------
if [ ! -x "$tools/buf/node_modules/.bin/buf" ]; then
  npm install --prefix "$tools/buf" --no-audit --no-fund --silent @bufbuild/buf@1.75.0
fi
cd "$root/clients/typescript"
npm ci --no-audit --no-fund --silent --ignore-scripts
rm -rf src/gen
# buf finds the pinned protoc-gen-es in the package's node_modules/.bin.
PATH="$PWD/node_modules/.bin:$PATH" "$tools/buf/node_modules/.bin/buf" generate "$root/proto" --template buf.gen.yaml
# The built JavaScript and declarations are committed, so that `npm install ./clients/typescript`
# from a fresh clone needs no build (and none of the dev dependencies).
rm -rf dist
node_modules/.bin/tsc -p tsconfig.json

# --- Web page -------------------------------------------------------------------------------
cd "$root/clients/web"
npm ci --no-audit --no-fund --silent --ignore-scripts
# The page imports the TypeScript client's generated code (one copy, generated above) and
# its error helpers; build.mjs bundles one copy of the runtimes they import.
# Type-checks the page, then bundles it with the pinned esbuild (same sources, same bytes).
npm run --silent build
echo "generated Python and TypeScript clients and the web page from proto/"
