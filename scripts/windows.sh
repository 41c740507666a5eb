#!/usr/bin/env bash
# Builds peerid's library for x86_64-pc-windows-gnu and runs its tests under
# Wine (docs/design.md §6, "On Windows"). Installs what it needs by package
# name when missing: mingw-w64 (the linker and the C compiler for the bundled
# SQLite and ring), Wine, and Debian's Rust 1.96 with its standard library
# source (rustc-web, cargo-web, rust-web-src; rustup cannot download the
# Windows standard library here, so std is built from source with
# -Zbuild-std, which needs RUSTC_BOOTSTRAP=1).
#
# Wine 8.0 lacks ProcessPrng in bcryptprimitives.dll, which Rust's std
# imports since 1.78 (rust-lang/rust#121337): scripts/windows/
# bcryptprimitives.c is a stand-in that forwards to RtlGenRandom, built here
# and put beside the test executables (mozilla/glean did the same).
#
# Usage: scripts/windows.sh [TEST-FILTER...]   (the filter goes to the tests)
# Environment: WIN_TARGET_DIR (default target/win-gnu).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v x86_64-w64-mingw32-gcc >/dev/null || missing+=(gcc-mingw-w64-x86-64)
command -v wine >/dev/null || missing+=(wine wine64)
[ -x /usr/bin/rustc ] && /usr/bin/rustc --version | grep -q '^rustc 1\.9[6-9]' || missing+=(rustc-web)
[ -x /usr/bin/cargo ] || missing+=(cargo-web)
[ -d /usr/lib/rustlib/src/rust/library ] || missing+=(rust-web-src)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

target=x86_64-pc-windows-gnu
out=${WIN_TARGET_DIR:-$PWD/target/win-gnu}
export CARGO_TARGET_DIR=$out
# Debian's toolchain, not rustup's (first on PATH; its 1.95 cannot use the
# 1.96 std source).
export RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
# Wine quiet, its prefix made once, no desktop integration asked for.
# The tests relax what Wine cannot keep (DACL flags, inherit-only
# entries; src/store/path_windows/tests.rs, under_wine).
export PEERID_TEST_UNDER_WINE=1
export WINEDEBUG=${WINEDEBUG:--all} WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-mscoree,mshtml=}
cargo=(/usr/bin/cargo)

mkdir -p "$out/prng"
prng=$out/prng/bcryptprimitives.dll
if [ ! -f "$prng" ] || [ scripts/windows/bcryptprimitives.c -nt "$prng" ]; then
    x86_64-w64-mingw32-gcc -shared -O2 -o "$prng" \
        scripts/windows/bcryptprimitives.c scripts/windows/bcryptprimitives.def -ladvapi32
fi

echo "== build: the library and its tests for $target" >&2
"${cargo[@]}" test -Zbuild-std --target $target -p peerid --locked --no-run \
    --message-format=json-render-diagnostics >"$out/tests.json"
# Test harnesses only ("test":true), not the examples cargo builds too.
mapfile -t exes < <(grep '"executable":"' "$out/tests.json" | grep '"test":true' \
    | sed 's/.*"executable":"\([^"]*\)".*/\1/' | sort -u)
[ ${#exes[@]} -gt 0 ] || { echo "no test executables built" >&2; exit 1; }

status=0
for exe in "${exes[@]}"; do
    cp -f "$prng" "$(dirname "$exe")/"
    echo "== wine $(basename "$exe")" >&2
    # The crate's directory, as cargo test runs it (tests/vectors are
    # found relative to it).
    (cd crates/peerid && wine "$exe" "$@") || status=$?
done

# ---- peerid-cli (the `peerid` command): its unit and integration tests.
# The integration tests run peerid.exe through assert_cmd from the test
# harness, itself under Wine, so the command runs as a Windows process;
# it needs the ProcessPrng stand-in beside it too.
echo "== build: the CLI and its tests for $target" >&2
"${cargo[@]}" test -Zbuild-std --target $target -p peerid-cli --locked --no-run \
    --message-format=json-render-diagnostics >"$out/cli-tests.json"
mapfile -t cli_exes < <(grep '"executable":"' "$out/cli-tests.json" | grep '"test":true' \
    | sed 's/.*"executable":"\([^"]*\)".*/\1/' | sort -u)
[ ${#cli_exes[@]} -gt 0 ] || { echo "no CLI test executables built" >&2; exit 1; }
cp -f "$prng" "$out/$target/debug/"
for exe in "${cli_exes[@]}"; do
    cp -f "$prng" "$(dirname "$exe")/"
    echo "== wine $(basename "$exe")" >&2
    (cd crates/peerid-cli && wine "$exe" "$@") || status=$?
done
# ---- end peerid-cli

exit $status
