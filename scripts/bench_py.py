#!/usr/bin/env python3
"""Per-call cost of the Python package against the `peerid` command and
against `cryptography` (a benchmark, not a test; docs in BENCHMARKS.md).

    python scripts/bench_py.py [--peerid PATH] [--identities N]

Needs the package installed (pip install ./crates/peerid-py) and
cryptography; PATH is the `peerid` command (default: $PEERID_BIN, else
target/release/peerid). Everything happens in a temporary store.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Callable

from cryptography.hazmat.primitives.asymmetric import ed25519

import peerid


def per_call(f: Callable[[], object], at_least: float = 1.0, min_calls: int = 3) -> tuple[float, int]:
    """Seconds per call of f, the median of three runs of enough calls."""
    f()  # warm up
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            f()
        dt = time.perf_counter() - t0
        if dt >= at_least / 3 or n >= 1 << 20:
            break
        n *= 2
    n = max(n, min_calls)
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(n):
            f()
        runs.append((time.perf_counter() - t0) / n)
    return sorted(runs)[1], n


def fmt(seconds: float) -> str:
    if seconds >= 1e-3:
        return f"{seconds * 1e3:9.2f} ms"
    return f"{seconds * 1e6:9.1f} µs"


def main() -> None:
    here = Path(__file__).resolve().parents[1]
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--peerid", default=os.environ.get("PEERID_BIN") or str(here / "target/release/peerid"))
    ap.add_argument("--identities", type=int, default=10_000)
    args = ap.parse_args()
    exe = args.peerid
    assert Path(exe).exists(), f"no peerid command at {exe} (cargo build --release -p peerid-cli)"

    with tempfile.TemporaryDirectory() as tmp:
        store = peerid.Store(Path(tmp) / "store")
        t0 = time.perf_counter()
        store.create_batch(args.identities)
        made = time.perf_counter() - t0
        alice = store.list()[0]
        data = os.urandom(1024)
        msg = Path(tmp) / "msg"
        msg.write_bytes(data)
        env = {**os.environ, "PEERID_STORE": str(store.path)}

        def cli(*a: str) -> None:
            subprocess.run([exe, *a], env=env, check=True, stdout=subprocess.DEVNULL)

        key = ed25519.Ed25519PrivateKey.generate()
        rows = [
            (f"store.list(), {args.identities} identities", per_call(store.list)),
            (f"peerid list --json, {args.identities} identities", per_call(lambda: cli("list", "--json"))),
            ("identity.sign('file', 1 KiB)", per_call(lambda: alice.sign("file", data))),
            ("peerid sign -n file (1 KiB file)", per_call(lambda: cli("sign", alice.peer_name, "-n", "file", str(msg)))),
            ("cryptography Ed25519 sign(1 KiB)", per_call(lambda: key.sign(data))),
        ]
        print(f"created {args.identities} identities with store.create_batch in {made:.2f} s")
        print(f"{'what':<48} {'per call':>12} {'calls':>7}")
        for what, (sec, n) in rows:
            print(f"{what:<48} {fmt(sec):>12} {n:>7}")


if __name__ == "__main__":
    main()
