#!/usr/bin/env bash
# Builds peerid for x86_64-pc-windows-gnu and tests it under Wine
# (docs/design.md §6, "On Windows"; README, "Platforms"):
#   - the tests of the library, the `peerid` command and the C ABI's crate,
#     each run from its crate's directory as `cargo test` would;
#   - p2p.dll (crates/p2p-dll): named so, exporting exactly the functions
#     include/p2p.h declares (x86_64-w64-mingw32-objdump -p), and the C test
#     tests/c/test_p2p.c compiled with mingw against p2p.h (WCHAR is wchar_t
#     there) and linked to it;
#   - an identity exported by the Linux `peerid`, imported by the Windows
#     one, exported again and imported back on Linux.
#
# Installs what it needs by package name when missing: mingw-w64 (the linker
# and the C compiler for the bundled SQLite and ring), Wine, and Debian's
# Rust 1.96 with its standard library source (rustc-web, cargo-web,
# rust-web-src; rustup cannot download the Windows standard library here, so
# std is built from source with -Zbuild-std, which needs RUSTC_BOOTSTRAP=1).
#
# Wine 8.0 lacks ProcessPrng in bcryptprimitives.dll, which Rust's std
# imports since 1.78 (rust-lang/rust#121337): scripts/windows/
# bcryptprimitives.c is a stand-in that forwards to RtlGenRandom, built here
# and put beside every executable (mozilla/glean did the same).
#
# Usage: scripts/windows.sh [--install-only | --build-only | --run-only] [TEST-FILTER...]
#   (the filter goes to the Rust tests; .ci/run builds in the background
#   and runs after the Linux tests)
# Environment: WIN_TARGET_DIR (default target/win-gnu); PEERID_LINUX_BIN,
# the Linux `peerid` for the round trip (default: debug/peerid under
# CARGO_TARGET_DIR or target, built with the normal toolchain when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

step=all
case ${1:-} in
--install-only) step=install; shift ;;
--build-only) step=build; shift ;;
--run-only) step=run; shift ;;
esac

missing=()
command -v x86_64-w64-mingw32-gcc >/dev/null || missing+=(gcc-mingw-w64-x86-64)
command -v wine >/dev/null || missing+=(wine wine64)
[ -x /usr/bin/rustc ] && /usr/bin/rustc --version | grep -q '^rustc 1\.9[6-9]' || missing+=(rustc-web)
[ -x /usr/bin/cargo ] || missing+=(cargo-web)
[ -d /usr/lib/rustlib/src/rust/library ] || missing+=(rust-web-src)
if [ ${#missing[@]} -gt 0 ]; then
    [ $step != run ] || { echo "windows.sh: missing ${missing[*]}; run --install-only first" >&2; exit 1; }
    echo "installing: ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
[ $step != install ] || exit 0

# The Linux build's target directory (for the round trip's `peerid`).
linux_target=$(realpath -m "${CARGO_TARGET_DIR:-target}")
target=x86_64-pc-windows-gnu
out=$(realpath -m "${WIN_TARGET_DIR:-$PWD/target/win-gnu}")
bin=$out/$target/debug
export CARGO_TARGET_DIR=$out
# Debian's toolchain, not rustup's (first on PATH; its 1.95 cannot use the
# 1.96 std source).
export RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
# No debug information: most of what there is to compile and link in these
# 20 to 40 MB test executables. Panics still say where (#[track_caller]
# locations need none). The Linux builds are untouched: this is its own
# target directory.
export CARGO_PROFILE_DEV_DEBUG=0
# Wine quiet, its prefix made once, no desktop integration asked for.
# The tests relax what Wine cannot keep (DACL flags, inherit-only
# entries; src/store/path_windows/tests.rs, under_wine).
export PEERID_TEST_UNDER_WINE=1
# The round-by-round harnesses start Windows processes, a tenth of a second
# each under Wine: the two crash harnesses and the sixteen processes meeting
# a new store run fewer rounds here than on Linux (200, 150 and 100), said
# in the output. Every other test runs as on Linux.
export PEERID_CRASH_ROUNDS=${PEERID_CRASH_ROUNDS:-60} PEERID_CRASH_SEAL_ROUNDS=${PEERID_CRASH_SEAL_ROUNDS:-50}
export PEERID_SHARING_ROUNDS=${PEERID_SHARING_ROUNDS:-50}
export WINEDEBUG=${WINEDEBUG:--all} WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-mscoree,mshtml=}
cargo=(/usr/bin/cargo)
crates=(-p peerid -p peerid-cli -p peerid-ffi)

prng=$out/prng/bcryptprimitives.dll
if [ $step != run ]; then
    mkdir -p "$out/prng"
    if [ ! -f "$prng" ] || [ scripts/windows/bcryptprimitives.c -nt "$prng" ]; then
        x86_64-w64-mingw32-gcc -shared -O2 -o "$prng" \
            scripts/windows/bcryptprimitives.c scripts/windows/bcryptprimitives.def -ladvapi32
    fi
    echo "== build: p2p.dll for $target" >&2
    # Alone, as a user builds it: without the tests' features (testkit).
    "${cargo[@]}" build -Zbuild-std --target $target -p peerid-p2p-dll --locked
    echo "== build: the tests of ${crates[*]} for $target" >&2
    # One build for the three, so each dependency is built once; their
    # tests and binaries only (no examples, which the Linux build checks).
    "${cargo[@]}" test -Zbuild-std --target $target "${crates[@]}" --lib --bins --tests \
        --locked --no-run --message-format=json-render-diagnostics >"$out/tests.json"
fi
[ $step != build ] || exit 0

status=0
fail() {
    echo "windows.sh: FAILED: $*" >&2
    status=1
}
cp -f "$prng" "$bin/"

# ---- The Rust tests, each harness from its crate's directory (tests/vectors
# and the like are found relative to it). The CLI's integration tests run
# peerid.exe through assert_cmd from the harness, itself under Wine, so the
# command runs as a Windows process too.
mapfile -t harnesses < <(python3 - "$out/tests.json" <<'EOF'
import json, os, sys
seen = set()
for line in open(sys.argv[1]):
    m = json.loads(line)
    if m.get("reason") != "compiler-artifact" or not m.get("profile", {}).get("test"):
        continue
    exe = m.get("executable")
    if exe and exe not in seen:
        seen.add(exe)
        print(os.path.dirname(m["manifest_path"]) + "\t" + exe)
EOF
)
[ ${#harnesses[@]} -ge 6 ] || { echo "windows.sh: test executables missing from $out/tests.json" >&2; exit 1; }
echo "windows.sh: rounds under Wine: PEERID_CRASH_ROUNDS=$PEERID_CRASH_ROUNDS," \
    "PEERID_CRASH_SEAL_ROUNDS=$PEERID_CRASH_SEAL_ROUNDS, PEERID_SHARING_ROUNDS=$PEERID_SHARING_ROUNDS" \
    "(Linux: 200, 150 and 100)" >&2
for h in "${harnesses[@]}"; do
    dir=${h%%$'\t'*} exe=${h#*$'\t'}
    cp -f "$prng" "$(dirname "$exe")/"
    echo "== wine $(basename "$exe") (in ${dir#"$PWD"/})" >&2
    began=$SECONDS
    log=$out/wine-$(basename "$exe").log
    if ! (cd "$dir" && wine "$exe" "$@") 2>&1 | tee "$log"; then
        # Wine 8.0's CreateProcess fails now and then under load with
        # ERROR_INTERNAL_ERROR (1359), before the program runs: tests that
        # failed only so are run once more, by name, and said to be; any
        # other failure fails.
        if again=$(python3 scripts/windows/wine_spawn_failures.py "$log"); then
            mapfile -t again <<<"$again"
            echo "windows.sh: ${#again[@]} test(s) could not start a process under Wine" \
                "(os error 1359, a Wine fault); running them again: ${again[*]}" >&2
            (cd "$dir" && wine "$exe" --exact "${again[@]}") || fail "$(basename "$exe")"
        else
            fail "$(basename "$exe")"
        fi
    fi
    echo "(wine $(basename "$exe"): $((SECONDS - began)) s)" >&2
done

# Scratch space for what follows, on Wine's C: drive: a store refuses a
# directory above it that others may rename or delete in, which is what
# Wine makes of /tmp's mode 1777.
wtemp=$(wine cmd /c echo %TEMP% 2>/dev/null | tr -d '\r')
utemp=$(winepath -u "$wtemp" 2>/dev/null)
[ -d "$utemp" ] || { echo "windows.sh: Wine's %TEMP% ($wtemp) is not a directory" >&2; exit 1; }
scratch=$(mktemp -d "$utemp/peerid-windows-sh.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
wscratch=$(winepath -w "$scratch")

# ---- p2p.dll: its name and exports, then the C test linked to it.
echo "== p2p.dll: the DLL's name and its exports" >&2
dll=$bin/p2p.dll
dump=$(x86_64-w64-mingw32-objdump -p "$dll")
name=$(sed -n 's/^Name[[:space:]]*[0-9a-f]* \(.*\)$/\1/p' <<<"$dump")
[ "$name" = p2p.dll ] || fail "the DLL calls itself '$name', not p2p.dll"
exported=$(sed -n '/^\[Ordinal\/Name Pointer\] Table/,/^$/s/^[[:space:]]*\[ *[0-9]*\] //p' <<<"$dump" | sort)
declared=$(grep -E '^[A-Za-z_]+[ *]+[A-Za-z]+\(' crates/peerid-ffi/include/p2p.h | grep -v '^typedef' \
    | sed -E 's/^.*[ *]([A-Za-z]+)\(.*$/\1/' | sort)
# What Windows' p2p.h names for identities (reference/p2p-identity-api.md),
# and advapi32's CryptReleaseContext for the key handles we give out.
windows=$(printf '%s\n' CryptReleaseContext PeerCreatePeerName PeerEndEnumeration PeerEnumGroups \
    PeerEnumIdentities PeerFreeData PeerGetItemCount PeerGetNextItem PeerIdentityCreate \
    PeerIdentityDelete PeerIdentityExport PeerIdentityGetCryptKey PeerIdentityGetDefault \
    PeerIdentityGetFriendlyName PeerIdentityGetXML PeerIdentityImport PeerIdentitySetFriendlyName | sort)
if [ "$exported" != "$declared" ] || [ "$exported" != "$windows" ]; then
    diff <(echo "$exported") <(echo "$declared") >&2 || true
    diff <(echo "$exported") <(echo "$windows") >&2 || true
    fail "p2p.dll's exports are not exactly p2p.h's functions, the Windows names"
else
    echo "p2p.dll: $(wc -l <<<"$exported") exports, as p2p.h declares: $(tr '\n' ' ' <<<"$exported")"
fi

echo "== the C test (tests/c/test_p2p.c) with mingw, linked to p2p.dll, under wine" >&2
cdir=$scratch/c
mkdir -p "$cdir"
x86_64-w64-mingw32-gcc -Wall -Werror -std=c11 -pthread -I crates/peerid-ffi/include \
    crates/peerid-ffi/tests/c/test_p2p.c -L "$bin" -lp2p -o "$cdir/test_p2p.exe"
imports=$(x86_64-w64-mingw32-objdump -p "$cdir/test_p2p.exe" | sed -n 's/^[[:space:]]*DLL Name: //p')
grep -qx p2p.dll <<<"$imports" || fail "test_p2p.exe does not import p2p.dll ($imports)"
cp -f "$dll" "$prng" /usr/x86_64-w64-mingw32/lib/libwinpthread-1.dll "$cdir/"
(cd "$cdir" && PEERID_STORE="$wscratch\\c\\store" wine ./test_p2p.exe) || fail "test_p2p.exe"

# ---- Linux and Windows read each other's export documents.
echo "== an export from Linux imported on Windows, and back" >&2
linux=${PEERID_LINUX_BIN:-$linux_target/debug/peerid}
if [ ! -x "$linux" ]; then
    env -u RUSTC -u RUSTC_BOOTSTRAP -u CARGO_PROFILE_DEV_DEBUG CARGO_TARGET_DIR="$linux_target" \
        cargo build -p peerid-cli --locked
fi
rt=$scratch/rt
mkdir -m 700 "$rt"
printf 'round trip\n' >"$rt/pw"
lstore=(--store "$rt/linux")
wstore=(--store "$wscratch\\rt\\windows")
win() { wine "$bin/peerid.exe" "$@" | tr -d '\r'; }
made=$("$linux" "${lstore[@]}" create --classifier roundtrip --friendly-name "From Linux")
"$linux" "${lstore[@]}" export "$made" -o "$rt/from-linux.xml" --password-file "$rt/pw" --iterations 10000
got=$(win "${wstore[@]}" import "$wscratch\\rt\\from-linux.xml" --password-file "$wscratch\\rt\\pw")
[ "$got" = "$made" ] || fail "Windows imported $got, Linux exported $made"
win "${wstore[@]}" export "$made" -o "$wscratch\\rt\\from-windows.xml" --password-file "$wscratch\\rt\\pw" \
    --iterations 10000 --legacy
"$linux" "${lstore[@]}" delete "$made" --yes >/dev/null
back=$("$linux" "${lstore[@]}" import "$rt/from-windows.xml" --password-file "$rt/pw")
[ "$back" = "$made" ] || fail "Linux imported $back, Windows exported $made"
# The same identity on both, but for when each store took it in.
lshow=$("$linux" "${lstore[@]}" show "$made" | grep -v '^created:')
wshow=$(win "${wstore[@]}" show "$made" | grep -v '^created:')
[ "$lshow" = "$wshow" ] || { diff <(echo "$lshow") <(echo "$wshow") >&2; fail "show differs"; }
[ $status != 0 ] || echo "round trip: $made, the same on both"

exit $status
