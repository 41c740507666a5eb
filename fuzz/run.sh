#!/usr/bin/env bash
# Build every fuzz target, seed the corpora and run each target for SECONDS,
# two at a time (FUZZ_JOBS; README.md). Exits non-zero if any target crashed,
# timed out (>1 s on one input) or ran out of memory; prints the executions
# of each; with --log it also appends a line per target to fuzz/LOG.md (the
# record of long runs; CI's smoke run leaves every tracked file as it was).
# CI: `fuzz/run.sh 90`.
# Usage: fuzz/run.sh [--log] SECONDS [TARGET...]
set -uo pipefail

log_runs=0
if [ "${1:-}" = --log ]; then log_runs=1; shift; fi
seconds=${1:?usage: fuzz/run.sh [--log] SECONDS [TARGET...]}
shift
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(export_document pfx_decode identity_info peer_name)

# Longest input per target: documents up to the 1 MiB cap and a little over,
# so the size checks are exercised; peer names are short.
max_len() {
    case $1 in
        peer_name) echo 1024 ;;
        *) echo 1100000 ;;
    esac
}

# The fuzz crate is its own workspace, built with its own flags: it gets a
# directory of its own under the main workspace's target directory, so that
# one CARGO_TARGET_DIR (or ./target) holds every build. seed.sh uses the
# peerid binary that the main workspace's `cargo test` builds.
fuzz_target_dir=${CARGO_TARGET_DIR:-$(dirname "$here")/target}/fuzz
fuzz() {
    local cmd=$1
    shift
    # RUSTC_BOOTSTRAP only here: cargo fingerprints it, so exported to
    # seed.sh it would rebuild the whole test profile.
    env -u CARGO_TARGET_DIR RUSTC_BOOTSTRAP=1 cargo fuzz "$cmd" --target-dir "$fuzz_target_dir" "$@"
}
fuzz build -O || exit 1
# First the regressions, through the cfg(fuzzing) build the fuzzer runs (the
# library's unit tests replay them through a normal build): each file once.
for t in "${targets[@]}"; do
    [ -d "regressions/$t" ] || continue
    fuzz run -O "$t" "regressions/$t" -- -runs=0 -max_len="$(max_len "$t")" >/dev/null 2>&1 || {
        echo "fuzz: $t: a file of regressions/$t fails under cfg(fuzzing)"
        fuzz run -O "$t" "regressions/$t" -- -runs=0 -max_len="$(max_len "$t")" 2>&1 | tail -40
        exit 1
    }
done
./seed.sh || exit 1

commit=$(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)
if ! git -C "$here" diff --quiet HEAD -- .. 2>/dev/null; then commit="$commit+dirty"; fi
[ $log_runs = 0 ] || [ -f LOG.md ] || printf '# Fuzz runs\n\n| date | commit | target | seconds | executions | result |\n|---|---|---|---|---|---|\n' >LOG.md

# Each target is one libFuzzer process on one core: run JOBS of them at a
# time (default 2, this machine's cores), each still for SECONDS, then
# report them in order.
jobs_max=${FUZZ_JOBS:-2}
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
for t in "${targets[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n || true; done
    mkdir -p "artifacts/$t"
    (
        fuzz run -O "$t" "corpus/$t" -- \
            -max_total_time="$seconds" -timeout=1 -rss_limit_mb=2048 \
            -max_len="$(max_len "$t")" -print_final_stats=1 >"$logs/$t" 2>&1
        echo $? >"$logs/$t.status"
    ) &
done
wait

failed=0
for t in "${targets[@]}"; do
    log=$logs/$t
    status=$(cat "$log.status" 2>/dev/null || echo 1)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    if [ "$status" -eq 0 ]; then
        result=ok
    elif grep -q 'ERROR: libFuzzer: timeout' "$log"; then
        result=timeout
    elif grep -q 'ERROR: libFuzzer: out-of-memory' "$log"; then
        result=oom
    else
        result=crash
    fi
    if [ "$status" -ne 0 ]; then
        failed=1
        tail -40 "$log"
        grep -o 'artifacts/[^ ]*' "$log" | tail -1 | sed 's/^/artifact: fuzz\//'
    fi
    rate=$(( ${execs:-0} / seconds ))
    echo "fuzz: $t: ${execs:-?} executions in ${seconds}s (~$rate/s): $result"
    if [ $log_runs = 1 ]; then
        echo "| $(date -u +%Y-%m-%dT%H:%MZ) | $commit | $t | $seconds | ${execs:-?} | $result |" >>LOG.md
    fi
done
exit $failed
