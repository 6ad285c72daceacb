#!/usr/bin/env bash
# Builds the clients' release artifacts into one folder (default target/clients-release):
# the Python wheel and sdist, the TypeScript package's `npm pack` tarball, and the
# `webhookd-proto` and `webhookd-client` .crate files. Every manifest must carry the version
# of the newest CHANGELOG entry, and a `clients-v<version>` tag on HEAD, if there is one,
# must name it. CI runs this on every build of main; a release is the artifacts of a tagged
# commit.
#
#   bash clients/release.sh [out-dir]
#   WEBHOOKD_RELEASE_QUICK=1 skips cargo's build of the packaged crates and accepts
#   uncommitted changes: a check of the packaging, not a release (the test suite uses it).
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(realpath -m "${1:-target/clients-release}")"
mkdir -p "$out"

version="$(sed -n 's/^## \([0-9][0-9.]*\)$/\1/p' clients/CHANGELOG.md | head -1)"
[ -n "$version" ] || { echo "clients/CHANGELOG.md has no '## <version>' entry" >&2; exit 1; }
check() { # file, what it must contain
  grep -qF -- "$2" "$1" || { echo "$1 does not carry version $version (CHANGELOG.md): expected $2" >&2; exit 1; }
}
check clients/python/pyproject.toml "version = \"$version\""
check clients/python/src/webhookd_client/_version.py "__version__ = \"$version\""
check clients/typescript/package.json "\"version\": \"$version\""
check clients/typescript/src/version.ts "VERSION = \"$version\""
check clients/rust/Cargo.toml "version = \"$version\""
check clients/rust/Cargo.toml "webhookd-proto = { path = \"../../proto\", version = \"$version\" }"
check proto/Cargo.toml "version = \"$version\""
for tag in $(git tag --points-at HEAD 2>/dev/null | grep '^clients-v' || true); do
  [ "$tag" = "clients-v$version" ] || { echo "tag $tag on HEAD, but the clients are at $version" >&2; exit 1; }
done

# Python: wheel and sdist, built by PyPA's `build` in a venv of its own.
venv="target/client-tools/build-venv"
if [ ! -x "$venv/bin/pyproject-build" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "build==1.3.0"
fi
log="$(mktemp)"
"$venv/bin/pyproject-build" --outdir "$out" clients/python >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
rm -f "$log"

# TypeScript: the tarball npm publishes (dist/ is committed, built from src/).
(cd clients/typescript && npm pack --silent --pack-destination "$out" >/dev/null)

# Rust: the protocol crate and the client, as cargo would publish them.
quick=()
[ "${WEBHOOKD_RELEASE_QUICK:-0}" = 1 ] && quick=(--no-verify --allow-dirty)
cargo package --quiet --locked "${quick[@]}" -p webhookd-proto -p webhookd-client
cp "target/package/webhookd-proto-$version.crate" "target/package/webhookd-client-$version.crate" "$out/"

ls -1 "$out"
