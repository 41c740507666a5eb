#!/usr/bin/env bash
# Runs every test of peerid on a fresh machine: installs what the tests use
# (OpenSSL's command line, util-linux's setpriv, prlimit and script, the sqlite3
# shell for the store's reader-snapshot and swap tests, libfiu's fiu-run for
# injected I/O failures, strace to hold peerid at a system call, OpenSSH's
# ssh-keygen and git for the signature tests, Python 3 with venv and
# its cryptography package,
# the C compiler and valgrind for the C ABI test, man-db and bash for the
# man page and completion tests, ssh-keygen for the fingerprint, age for the sealed
# store's wrapped key, gnome-keyring, secret-tool and dbus-run-session for the
# OS keyring test on a real Secret Service) when missing, then the
# suite: cargo test (the C test of the C ABI and the header check included:
# crates/peerid-ffi/tests/it/), then the Python package: built and installed
# by pip in a virtual environment, its pytest tests and mypy --strict on them.
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
python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
command -v cc >/dev/null || missing+=(gcc)
command -v valgrind >/dev/null || missing+=(valgrind)
command -v strace >/dev/null || missing+=(strace)
command -v man >/dev/null || missing+=(man-db)
command -v bash >/dev/null || missing+=(bash)
command -v ssh-keygen >/dev/null || missing+=(openssh-client)
command -v git >/dev/null || missing+=(git)
command -v age >/dev/null || missing+=(age)
command -v gnome-keyring-daemon >/dev/null || missing+=(gnome-keyring)
command -v secret-tool >/dev/null || missing+=(libsecret-tools)
command -v dbus-run-session >/dev/null || missing+=(dbus-daemon)
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

# The Python package (crates/peerid-py), installed by pip as a user would,
# into a virtual environment under the target directory. maturin builds
# into the same target directory with the dev profile, so the dependencies
# cargo test just built are reused and a rerun is warm. pytest and mypy
# write nothing into the checkout (no caches, no __pycache__).
target=$(realpath -m "${CARGO_TARGET_DIR:-target}")
export CARGO_TARGET_DIR=$target
venv=$target/python-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check pytest mypy cryptography
MATURIN_PEP517_ARGS="--profile dev" \
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps ./crates/peerid-py
# The CLI the tests talk to: the one cargo test built.
PEERID_BIN=$target/debug/peerid PYTHONDONTWRITEBYTECODE=1 \
    "$venv/bin/python" -m pytest -q -p no:cacheprovider crates/peerid-py/tests
"$venv/bin/python" -m mypy --strict --cache-dir "$target/mypy-cache" crates/peerid-py/tests
