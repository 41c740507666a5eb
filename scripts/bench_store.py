#!/usr/bin/env python3
"""Benchmarks the store as a user meets it: `peerid create` (Ed25519, durable
commit), `peerid show` and `peerid list` against store size, with
`ssh-keygen -t ed25519` timed in the same run as the peer for create.

Each figure is the median wall time of whole process runs (start-up
included), and the peak resident memory of the slowest one. Prints a
Markdown table. Usage: python3 scripts/bench_store.py [--runs N] [--sizes 0,1000,...]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(argv, stdout=subprocess.DEVNULL):
    """Runs argv; returns (seconds, peak RSS in MiB)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=stdout, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise SystemExit(f"{argv} failed: {p.stderr.read().decode()}")
    return dt, usage.ru_maxrss / 1024


def median_of(argv_fn, runs):
    samples = [run(argv_fn(i)) for i in range(runs)]
    return statistics.median(s[0] for s in samples), max(s[1] for s in samples)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--sizes", default="0,1000,10000,100000")
    args = ap.parse_args()

    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    for build in (["-p", "peerid-cli"], ["-p", "peerid", "--example", "fill_store"]):
        subprocess.run(["cargo", "build", "--release", "--locked", *build], cwd=ROOT, check=True)
    peerid = os.path.join(target, "release", "peerid")
    fill = os.path.join(target, "release", "examples", "fill_store")
    ssh_keygen = shutil.which("ssh-keygen")
    if not ssh_keygen:
        raise SystemExit("ssh-keygen not found (apt-get install openssh-client)")

    work = tempfile.mkdtemp(prefix="peerid-bench-")
    rows = []
    try:
        # The peer: ssh-keygen writing an Ed25519 key pair, run alternately
        # with `peerid create` so both meet the same machine state.
        def keygen(i):
            path = os.path.join(work, f"ssh{i}")
            for f in (path, path + ".pub"):
                if os.path.exists(f):
                    os.remove(f)
            return [ssh_keygen, "-q", "-t", "ed25519", "-N", "", "-f", path]

        store = os.path.join(work, "store")
        for size in [int(s) for s in args.sizes.split(",")]:
            subprocess.run([fill, store, str(size)], check=True, stdout=subprocess.DEVNULL)
            some = subprocess.run([peerid, "--store", store, "create", "--classifier", "probe"],
                                  check=True, capture_output=True, text=True).stdout.strip()
            for i in range(3):  # warm-up, not counted
                run([peerid, "--store", store, "create", "--classifier", f"w{size}-{i}"])
                run(keygen(i))
            creates, keygens = [], []
            for i in range(args.runs):
                creates.append(run([peerid, "--store", store, "create", "--classifier", f"r{size}-{i}"])[0])
                keygens.append(run(keygen(i))[0])
            c_t, ssh_t = statistics.median(creates), statistics.median(keygens)
            s_t, s_m = median_of(lambda i: [peerid, "--store", store, "show", some], args.runs)
            l_t, l_m = median_of(lambda i: [peerid, "--store", store, "list"], max(5, args.runs // 4))
            n = len(subprocess.run([peerid, "--store", store, "list"], check=True,
                                   capture_output=True, text=True).stdout.splitlines())
            rows.append((n, c_t, ssh_t, s_t, l_t, l_m))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"runs per figure: {args.runs} (list: {max(5, args.runs // 4)}); medians of whole process runs\n")
    print("| identities | create | ssh-keygen -t ed25519 | create / ssh-keygen | show | list | list peak RSS |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for n, c, s, sh, l, lm in rows:
        print(f"| {n:,} | {c*1e3:.2f} ms | {s*1e3:.2f} ms | {c/s:.2f} | {sh*1e3:.2f} ms | {l*1e3:.1f} ms | {lm:.1f} MiB |")


if __name__ == "__main__":
    main()
