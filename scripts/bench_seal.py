#!/usr/bin/env python3
"""Benchmarks what sealing a store costs (keys at rest): `peerid sign` once
on a sealed store (the passphrase from PEERID_PASSPHRASE_FILE, one scrypt
run to unwrap the store key) against the same on an unsealed store, whole
processes; the difference is the scrypt time, reported beside Debian's
`age -d` of the store's wrapped key (exported with `peerid store status
--export-wrapped-key`) at the same work factor: peerid's default (the age
crate's choice, one to two seconds) and 18 (Go age's fixed default). age reads
the passphrase from the terminal only, so it runs under a pseudo-terminal
(Python's pty module) that types the passphrase at its prompt. Medians of N
runs, the cases alternating within each run. Prints a Markdown table and the
ratio peerid scrypt time / age -d time (the target is <= 1.2).

    python3 scripts/bench_seal.py [--runs 7] [--peerid BIN] [--age BIN]

Set CARGO_TARGET_DIR to build and run from another target directory.
"""
import argparse
import os
import pty
import re
import select
import shutil
import statistics
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PASSPHRASE = "correct horse battery staple"


def timed(argv, env=None):
    """Wall seconds of one run of argv, output discarded."""
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - t0


def under_pty(argv, passphrase):
    """Wall seconds of one run of argv on a new pseudo-terminal, typing
    `passphrase` when it prompts for one (age opens /dev/tty)."""
    t0 = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    seen, typed = b"", False
    try:
        while True:
            ready, _, _ = select.select([fd], [], [], 60)
            if not ready:
                raise TimeoutError(f"{argv[0]} is stuck: {seen!r}")
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
            if not typed and b"passphrase" in seen.lower():
                os.write(fd, passphrase.encode() + b"\n")
                typed = True
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    elapsed = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {seen!r}")
    return elapsed


def work_factor_of(wrapped):
    """The scrypt log2 N in the stanza of an age file."""
    with open(wrapped, "rb") as f:
        m = re.search(rb"^-> scrypt \S+ (\d+)$", f.read(4096), re.M)
    assert m, f"no scrypt stanza in {wrapped}"
    return int(m.group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--peerid", help="a peerid binary to time instead of building this tree's")
    ap.add_argument("--age", default=shutil.which("age") or "age", help="the age binary (Debian's)")
    a = ap.parse_args()
    if a.peerid:
        peerid = a.peerid
    else:
        subprocess.run(["cargo", "build", "--release", "--locked", "-p", "peerid-cli"], cwd=ROOT, check=True)
        target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
        peerid = os.path.join(target, "release", "peerid")
    age_version = subprocess.run([a.age, "--version"], check=True, capture_output=True,
                                 text=True).stdout.strip()
    work = tempfile.mkdtemp(prefix="peerid-seal-bench-")
    try:
        pw = os.path.join(work, "pw")
        with open(pw, "w") as f:
            f.write(PASSPHRASE + "\n")
        os.chmod(pw, 0o600)
        msg = os.path.join(work, "msg")
        with open(msg, "wb") as f:
            f.write(os.urandom(1024))
        env = {k: v for k, v in os.environ.items() if k != "PEERID_PASSPHRASE_FILE"}
        sealed_env = {**env, "PEERID_PASSPHRASE_FILE": pw}

        def new_store(label):
            store = os.path.join(work, label)
            name = subprocess.run([peerid, "--store", store, "create", "--key", "ed25519"], check=True,
                                  capture_output=True, text=True, env=env).stdout.strip()
            return store, name

        plain = new_store("plain")
        cases = []  # (label, store, name, wrapped key, work factor)
        for label, wf in (("default", None), ("18", 18)):
            store, name = new_store(f"sealed-{label}")
            seal = [peerid, "--store", store, "--passphrase-file", pw, "store", "seal"]
            if wf is not None:
                seal += ["--work-factor", str(wf)]
            subprocess.run(seal, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, env=env)
            wrapped = os.path.join(work, f"wrapped-{label}.age")
            subprocess.run([peerid, "--store", store, "store", "status", "--export-wrapped-key", wrapped],
                           check=True, stdout=subprocess.DEVNULL, env=env)
            cases.append((label, store, name, wrapped, work_factor_of(wrapped)))

        def sign(store, name, e):
            return [peerid, "--store", store, "sign", name, "-n", "file", msg], e

        times = {"plain": [], "age_start": []}
        for c in cases:
            times[f"sealed-{c[0]}"] = []
            times[f"age-{c[0]}"] = []
        out = os.path.join(work, "key.out")
        for _ in range(a.runs):
            times["plain"].append(timed(*sign(plain[0], plain[1], env)))
            times["age_start"].append(timed([a.age, "--version"]))
            for label, store, name, wrapped, _wf in cases:
                times[f"sealed-{label}"].append(timed(*sign(store, name, sealed_env)))
                if os.path.exists(out):
                    os.remove(out)
                times[f"age-{label}"].append(under_pty([a.age, "-d", "-o", out, wrapped], PASSPHRASE))
                assert os.path.getsize(out) == 32, "age -d gives the 32-byte store key"
        med = {k: statistics.median(v) for k, v in times.items()}
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"peerid sign (1 KiB, Ed25519) on a sealed store (PEERID_PASSPHRASE_FILE) and an unsealed one, "
          f"and age {age_version} -d of the wrapped store key under a pty; {a.runs} alternating runs, "
          f"medians, whole processes, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}\n")
    print("| work factor | sign, unsealed | sign, sealed | difference (scrypt) | age -d | ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    worst = 0.0
    for label, _store, _name, _wrapped, wf in cases:
        sealed, age = med[f"sealed-{label}"], med[f"age-{label}"]
        diff = sealed - med["plain"]
        ratio = diff / age
        worst = max(worst, ratio)
        print(f"| {wf} ({label}) | {med['plain']*1e3:.1f} ms | {sealed*1e3:.1f} ms | {diff*1e3:.1f} ms "
              f"| {age*1e3:.1f} ms | {ratio:.2f} |")
    print(f"\nage start-up (`age --version`): {med['age_start']*1e3:.1f} ms (inside the age -d figures)")
    print(f"worst ratio {worst:.2f}: {'within' if worst <= 1.2 else 'MISSES'} the target of 1.2")


if __name__ == "__main__":
    main()
