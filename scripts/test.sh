#!/usr/bin/env bash
# Runs every test of peerid on a fresh machine: installs what the tests use
# (OpenSSL's command line, util-linux's setpriv, prlimit and script, the sqlite3
# shell for the store's reader-snapshot and swap tests, libfiu's fiu-run for
# injected I/O failures, strace to hold peerid at a system call, OpenSSH's
# ssh-keygen and git for the signature tests, Python 3 and
# its cryptography package,
# the C compiler and valgrind for the C ABI test, man-db and bash for the
# man page and completion tests, ssh-keygen for the fingerprint) when missing, then the
# suite: cargo test (the C test of the C ABI and the header check included:
# crates/peerid-ffi/tests/it/).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v openssl >/dev/null || missing+=(openssl)
command -v setpriv >/dev/null || missing+=(util-linux)
command -v sqlite3 >/dev/null || missing+=(sqlite3)
command -v prlimit >/dev/null || missing+=(util-linux)
command -v script >/dev/null || missing+=(bsdutils)
command -v fiu-run >/dev/null || missing+=(fiu-utils)
command -v python3 >/dev/null || missing+=(python3 python3-pip)
command -v cc >/dev/null || missing+=(gcc)
command -v valgrind >/dev/null || missing+=(valgrind)
command -v strace >/dev/null || missing+=(strace)
command -v man >/dev/null || missing+=(man-db)
command -v bash >/dev/null || missing+=(bash)
command -v ssh-keygen >/dev/null || missing+=(openssh-client)
command -v git >/dev/null || missing+=(git)
if ((${#missing[@]})); then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    else
        echo "test.sh: please install: ${missing[*]}" >&2
        exit 1
    fi
fi
if ! python3 -c 'import cryptography' 2>/dev/null; then
    python3 -m pip install --quiet cryptography
fi

cargo test --workspace --locked "$@"
