#!/usr/bin/env python3
"""Benchmarks export and import at 600,000 iterations against OpenSSL's
`openssl pkcs12` on the same key, certificate and PFX, alternating the two
tools in one run. Prints a Markdown table of medians.

    python3 scripts/bench_pfx.py [--runs 7] [--iterations 600000] [--key ed25519]

Export: `peerid export NAME -o F` (PBES2/AES-256-CBC, HMAC-SHA256 MAC) against
`openssl pkcs12 -export -iter N -macalg sha256` (OpenSSL 3's defaults are the
same algorithms) writing the same key and certificate.
Import: `peerid import F` into an empty store against
`openssl pkcs12 -in F -nodes` (MAC check and both decryptions) of the same
file, the one peerid exported.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def timed(argv, **kw):
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, **kw)
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--iterations", type=int, default=600000)
    ap.add_argument("--key", default="ed25519")
    a = ap.parse_args()

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

        rows = {k: [] for k in ("export_peerid", "export_openssl", "import_peerid", "import_openssl")}
        for i in range(a.runs):
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
            rows["import_openssl"].append(timed(
                [openssl, "pkcs12", "-in", pfx, "-nodes", "-passin", f"file:{pw}", "-out", os.devnull]))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    med = {k: statistics.median(v) for k, v in rows.items()}
    print(f"{a.key} key, {a.iterations:,} iterations, {a.runs} alternating runs, medians, {os.cpu_count()} CPUs\n")
    print("| operation | peerid | openssl pkcs12 | ratio |")
    print("|---|---:|---:|---:|")
    for op in ("export", "import"):
        p, o = med[f"{op}_peerid"], med[f"{op}_openssl"]
        print(f"| {op} | {p*1e3:.0f} ms | {o*1e3:.0f} ms | {p/o:.2f} |")


if __name__ == "__main__":
    main()
