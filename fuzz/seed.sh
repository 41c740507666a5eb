#!/usr/bin/env bash
# Fill fuzz/corpus/<target>/ with seeds before a run (README.md):
#   1. the curated seeds committed under fuzz/seeds/<target>/;
#   2. fresh exports made by the `peerid` binary that `cargo test --workspace`
#      builds (Ed25519, P-256, RSA-2048;
#      modern and legacy profiles) with the password "fuzz" and 1 iteration,
#      which is what the fuzz build derives with (cfg(fuzzing)), so that they
#      decrypt; plus their PFX, their PEERIDENTITYINFO and their peer names;
#   3. the Windows fixtures (crates/peerid/tests/vectors/windows, or $PEERID_FIXTURES),
#      as PFX files and wrapped in a PEERIDENTITYEXPORT document.
# Usage: fuzz/seed.sh [--no-fresh]
set -euo pipefail
shopt -s nullglob

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
corpus=$here/corpus
fixtures=${PEERID_FIXTURES:-$repo/crates/peerid/tests/vectors/windows}
targets=(export_document pfx_decode identity_info peer_name)

for t in "${targets[@]}"; do
    mkdir -p "$corpus/$t"
    if [ -d "$here/seeds/$t" ]; then
        cp "$here/seeds/$t"/* "$corpus/$t/"
    fi
done

wrap() { # wrap PEERNAME PFXFILE: a PEERIDENTITYEXPORT document on stdout
    printf '<PEERIDENTITYEXPORT VERSION="1.0">\n   <IDENTITY>%s</IDENTITY>\n   <IDENTITYDATA xmlns:dt="urn:schemas-microsoft-com:datatypes" dt:dt="bin.base64">%s</IDENTITYDATA>\n</PEERIDENTITYEXPORT>\n' \
        "$1" "$(base64 -w0 "$2")"
}

if [ -d "$fixtures" ]; then
    for f in "$fixtures"/*.p12 "$fixtures"/*.pfx; do
        name=$(basename "$f")
        install -m 0644 "$f" "$corpus/pfx_decode/windows-$name"
        wrap "0000000000000000000000000000000000000000.windows" "$f" \
            >"$corpus/export_document/windows-$name.xml"
    done
else
    echo "seed.sh: no fixtures at $fixtures; skipping them" >&2
fi

if [ "${1:-}" != --no-fresh ]; then
    # The binary the CLI's tests run: after `cargo test --workspace` (CI's
    # test phase) this builds nothing, where `cargo build -p peerid-cli`
    # was a second dev build of the workspace (other features, other hashes).
    (cd "$repo" && cargo test --workspace --locked --no-run --quiet)
    peerid=${CARGO_TARGET_DIR:-$repo/target}/debug/peerid
    store=$(mktemp -d)
    trap 'rm -rf "$store"' EXIT
    export PEERID_FUZZ_PASSWORD=fuzz
    for key in ed25519 p256 rsa2048; do
        name=$("$peerid" --store "$store" create --key "$key" --classifier "seed $key" \
            --friendly-name "Fuzz seed ($key)")
        "$peerid" --store "$store" xml "$name" >"$corpus/identity_info/fresh-$key.xml"
        printf '%s' "$name" >"$corpus/peer_name/fresh-$key"
        for profile in modern legacy; do
            flag=()
            [ "$profile" = legacy ] && flag=(--legacy)
            doc=$corpus/export_document/fresh-$key-$profile.xml
            "$peerid" --store "$store" export "$name" --iterations 1 \
                --password-env PEERID_FUZZ_PASSWORD "${flag[@]}" -o "$doc"
            sed -n 's/.*bin.base64">\([^<]*\)<.*/\1/p' "$doc" | base64 -d \
                >"$corpus/pfx_decode/fresh-$key-$profile.pfx"
        done
    done
fi

for t in "${targets[@]}"; do
    echo "seed.sh: $t: $(find "$corpus/$t" -type f | wc -l) files"
done
