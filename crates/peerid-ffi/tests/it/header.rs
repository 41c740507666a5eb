#!/usr/bin/env bash
# Fails when include/p2p.h is not what the pinned cbindgen generates from the
# Rust code: the header can never drift from the exported functions, types
# and constants. Installs the pinned cbindgen when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

CBINDGEN_VERSION=0.29.2
if [ "$(cbindgen --version 2>/dev/null)" != "cbindgen $CBINDGEN_VERSION" ]; then
    echo "check_header.sh: installing cbindgen $CBINDGEN_VERSION"
    cargo install cbindgen --version "=$CBINDGEN_VERSION" --locked --quiet
fi

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
cbindgen --quiet --config cbindgen.toml --output "$tmp"
if ! diff -u include/p2p.h "$tmp"; then
    echo "check_header.sh: include/p2p.h is out of date; regenerate it with" >&2
    echo "  (cd crates/peerid-ffi && cbindgen --config cbindgen.toml --output include/p2p.h)" >&2
    exit 1
fi
echo "check_header.sh: include/p2p.h matches the Rust code (cbindgen $CBINDGEN_VERSION)"
