#!/usr/bin/env bash
# Builds libpeerid_p2p, compiles the C test against include/p2p.h exactly as
# a Windows program would be (cc -Wall -Werror -std=c11), runs it, runs it
# again under valgrind (no invalid reads or writes, no definite leaks; about a
# minute, most of it the 600,000-iteration export), then checks that the
# header matches the Rust code.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$root"

target="${CARGO_TARGET_DIR:-$root/target}"
libdir="$target/debug"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

echo "== build peerid-ffi"
cargo build --locked -p peerid-ffi

echo "== compile tests/c/test_p2p.c"
cc -Wall -Werror -std=c11 -pthread \
    -I crates/peerid-ffi/include \
    crates/peerid-ffi/tests/c/test_p2p.c \
    -L "$libdir" -lpeerid_p2p -o "$out/test_p2p"

echo "== run"
LD_LIBRARY_PATH="$libdir" "$out/test_p2p"

if command -v valgrind >/dev/null; then
    echo "== run under valgrind"
    LD_LIBRARY_PATH="$libdir" valgrind --quiet --leak-check=full \
        --errors-for-leak-kinds=definite --error-exitcode=1 "$out/test_p2p"
else
    echo "run_c_tests.sh: valgrind is not installed" >&2
    exit 1
fi

echo "== header drift check"
bash crates/peerid-ffi/tests/check_header.sh
