#!/usr/bin/env python3
"""Benchmarks export and import at 600,000 iterations against OpenSSL's
`openssl pkcs12` on the same key, certificate and PFX, alternating the two
tools in one run. Prints a Markdown table of medians.

    python3 scripts/bench_pfx.py [--runs 7] [--iterations 600000] [--key ed25519] [--peerid BIN]

Export: `peerid export NAME -o F` (PBES2/AES-256-CBC, HMAC-SHA256 MAC) against
`openssl pkcs12 -export -iter N -macalg sha256` (OpenSSL 3's defaults are the
same algorithms) writing the same key and certificate.
Import: `peerid import F` into an empty store against
`openssl pkcs12 -in F -nodes` (MAC check and both decryptions) of the same
file, the one peerid exported.

The hash-bound limit: at 600,000 iterations an export or import is
3.0 M SHA-256 compressions (two PBKDF2-HMAC-SHA256 bags of 1.2 M, the
PKCS#12 MAC key of 0.6 M), 1.5 M per core on two cores. Between runs the
script times this machine's SHA-256 on one core with
`openssl speed -evp sha256 -bytes 16384` (SHA-NI where the CPU has it; one
compression per 64 bytes plus one for the padding) and prints the time of
1.5 M compressions (scaled to --iterations) and peerid's wall time over
it. peerid's CPU time (user + system, from getrusage of the child) is
printed too, over the CPU time of all 3.0 M compressions: on a machine
that other work shares, that ratio is the steadier one. Set CARGO_TARGET_DIR to build and run from another target directory.

The structural floor: what the order of the work allows with no overhead
at all. Export derives its three keys at once, 1.5 M compressions a core
(floor = hash-bound limit). Import verifies the MAC before it derives any
other key (docs/design.md section 4, step 4), so its critical path is the
MAC's 0.6 M serial compressions and then a bag key's 1.2 M: 1.8 M, 1.2 x
the hash-bound limit. Both are printed with peerid's wall time over them.

The fixed cost: the same commands at one iteration (process start, the
store's open, create and write with their fsyncs, parsing, encryption),
median of the same number of runs; what is left of peerid's time once the
derivations are gone.
"""
import argparse
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def timed(argv, **kw):
    """Wall seconds and CPU seconds (user + system) of one run of argv."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, **kw)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def sha256_compression_seconds(openssl):
    """Seconds per SHA-256 compression on one core, from one second of
    `openssl speed -elapsed`: (wall, CPU). Wall is what a run sees on a
    loaded machine; CPU (user + system of openssl) is what the hashing costs."""
    n = 16384
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([openssl, "speed", "-elapsed", "-mr", "-evp", "sha256", "-bytes", str(n),
                          "-seconds", "1"], check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True).stdout
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    # Machine-readable result line: +R:<count>:sha256:<seconds>
    count, wall = [(int(f[1]), float(f[3])) for f in (line.split(":") for line in out.splitlines())
                   if f[0] == "+R"][-1]
    compressions = count * (n // 64 + 1)
    return wall / compressions, cpu / compressions


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--iterations", type=int, default=600000)
    ap.add_argument("--key", default="ed25519")
    ap.add_argument("--peerid", help="a peerid binary to time instead of building this tree's")
    a = ap.parse_args()

    if a.peerid:
        peerid = a.peerid
    else:
        subprocess.run(["cargo", "build", "--release", "--locked", "-p", "peerid-cli"], cwd=ROOT, check=True)
        target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
        peerid = os.path.join(target, "release", "peerid")
    openssl = shutil.which("openssl") or "openssl"
    work = tempfile.mkdtemp(prefix="peerid-pfx-bench-")
    try:
        pw = os.path.join(work, "pw")
        with open(pw, "w") as f:
            f.write("correct horse battery staple\n")
        store = os.path.join(work, "store")
        name = subprocess.run([peerid, "--store", store, "create", "--key", a.key],
                              check=True, capture_output=True, text=True).stdout.strip()
        # The same key and certificate as PEM, for OpenSSL's export.
        doc = os.path.join(work, "doc.xml")
        subprocess.run([peerid, "--store", store, "export", name, "-o", doc, "--password-file", pw,
                        "--iterations", str(a.iterations)], check=True)
        pfx = os.path.join(work, "peerid.pfx")
        text = open(doc).read()
        b64 = text.split('bin.base64">')[1].split("<")[0]
        import base64
        open(pfx, "wb").write(base64.b64decode("".join(b64.split())))
        pem = os.path.join(work, "both.pem")
        subprocess.run([openssl, "pkcs12", "-in", pfx, "-nodes", "-passin", f"file:{pw}", "-out", pem],
                       check=True)

        doc1 = os.path.join(work, "doc1.xml")
        subprocess.run([peerid, "--store", store, "export", name, "-o", doc1, "--password-file", pw,
                        "--iterations", "1"], check=True)

        rows = {k: [] for k in ("export_peerid", "export_openssl", "import_peerid", "import_openssl",
                                "export_fixed", "import_fixed")}
        cpu = {"export": [], "import": []}
        limit = []
        # Compressions per core for one export or import (see the docstring).
        per_core = 1.5e6 * a.iterations / 600000
        for i in range(a.runs):
            limit.append(sha256_compression_seconds(openssl))
            out = os.path.join(work, f"e{i}.xml")
            rows["export_peerid"].append(timed(
                [peerid, "--store", store, "export", name, "-o", out, "--password-file", pw,
                 "--iterations", str(a.iterations)]))
            rows["export_openssl"].append(timed(
                [openssl, "pkcs12", "-export", "-in", pem, "-out", os.path.join(work, f"o{i}.pfx"),
                 "-passout", f"file:{pw}", "-iter", str(a.iterations), "-macalg", "sha256"]))
            fresh = os.path.join(work, f"s{i}")
            rows["import_peerid"].append(timed(
                [peerid, "--store", fresh, "import", doc, "--password-file", pw]))
            limit.append(sha256_compression_seconds(openssl))
            rows["import_openssl"].append(timed(
                [openssl, "pkcs12", "-in", pfx, "-nodes", "-passin", f"file:{pw}", "-out", os.devnull]))
            rows["export_fixed"].append(timed(
                [peerid, "--store", store, "export", name, "-o", os.path.join(work, f"f{i}.xml"),
                 "--password-file", pw, "--iterations", "1"]))
            rows["import_fixed"].append(timed(
                [peerid, "--store", os.path.join(work, f"t{i}"), "import", doc1, "--password-file", pw]))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    for k in ("export", "import"):
        cpu[k] = [c for _, c in rows[f"{k}_peerid"]]
    med = {k: statistics.median(w for w, _ in v) for k, v in rows.items()}
    wall_ns = statistics.median(w for w, _ in limit)
    cpu_ns = statistics.median(c for _, c in limit)
    lim = per_core * wall_ns
    print(f"{a.key} key, {a.iterations:,} iterations, {a.runs} alternating runs, medians, {os.cpu_count()} CPUs")
    print(f"hash-bound limit: {per_core / 1e6:.2f} M SHA-256 compressions on one core = {lim*1e3:.0f} ms wall "
          f"({wall_ns*1e9:.1f} ns each wall, {cpu_ns*1e9:.1f} ns CPU; openssl speed, {len(limit)} samples "
          f"between runs); CPU limit: {2 * per_core / 1e6:.1f} M compressions = "
          f"{2 * per_core * cpu_ns * 1e3:.0f} CPU-ms; load average {os.getloadavg()[0]:.2f}\n")
    # The critical path the order of the work leaves (see the docstring).
    floor = {"export": lim, "import": 1.8e6 * a.iterations / 600000 * wall_ns}
    print(f"structural floor: export {floor['export']*1e3:.0f} ms (1.5 M compressions a core), "
          f"import {floor['import']*1e3:.0f} ms (MAC 0.6 M, then a bag key 1.2 M)\n")
    print("| operation | peerid | openssl pkcs12 | ratio | peerid / hash-bound limit "
          "| peerid / structural floor | peerid CPU | CPU / CPU limit | fixed cost (1 iteration) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for op in ("export", "import"):
        p, o = med[f"{op}_peerid"], med[f"{op}_openssl"]
        c = statistics.median(cpu[op])
        print(f"| {op} | {p*1e3:.0f} ms | {o*1e3:.0f} ms | {p/o:.2f} | {p/lim:.2f} | {p/floor[op]:.2f} "
              f"| {c*1e3:.0f} ms | {c / (2 * per_core * cpu_ns):.2f} | {med[f'{op}_fixed']*1e3:.1f} ms |")

if __name__ == "__main__":
    main()
