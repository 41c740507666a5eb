#!/usr/bin/env python3
"""Benchmarks `peerid sign` and `peerid verify` against OpenSSH's
`ssh-keygen -Y sign` and `ssh-keygen -Y verify` with the same Ed25519 key,
on a 1 KiB and a 100 MiB file, alternating the two tools in one run, whole
processes. Prints a Markdown table of medians and the ratios
(peerid / ssh-keygen; the target is <= 1.0).

    python3 scripts/bench_sign.py [--runs 9] [--peerid BIN]

The key: a peerid identity, exported (1,000 iterations), taken out with
`openssl pkcs12 -nodes` and converted to OpenSSH's private key format with
Python's cryptography package (OpenSSH 9 does not load Ed25519 PKCS#8).
Verify: peerid checks the signature against the peer name (and the key
stored for it); ssh-keygen against an allowed_signers file from
`peerid allowed-signers`, the message on stdin for both. Set
CARGO_TARGET_DIR to build and run from another target directory.
"""
import argparse
import base64
import os
import shutil
import statistics
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def timed(argv, stdin=None, stdout=None):
    """Wall seconds of one run of argv (stdout to the file `stdout`, if given)."""
    with open(stdin, "rb") if stdin else open(os.devnull, "rb") as f, \
            open(stdout or os.devnull, "wb") as out:
        t0 = time.perf_counter()
        subprocess.run(argv, check=True, stdin=f, stdout=out, stderr=subprocess.DEVNULL)
        return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--peerid", help="a peerid binary to time instead of building this tree's")
    a = ap.parse_args()
    if a.peerid:
        peerid = a.peerid
    else:
        subprocess.run(["cargo", "build", "--release", "--locked", "-p", "peerid-cli"], cwd=ROOT, check=True)
        target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
        peerid = os.path.join(target, "release", "peerid")
    keygen = shutil.which("ssh-keygen") or "ssh-keygen"
    work = tempfile.mkdtemp(prefix="peerid-sign-bench-")
    try:
        store = os.path.join(work, "store")
        pw = os.path.join(work, "pw")
        with open(pw, "w") as f:
            f.write("correct horse battery staple\n")
        name = subprocess.run([peerid, "--store", store, "create", "--key", "ed25519"],
                              check=True, capture_output=True, text=True).stdout.strip()
        doc = subprocess.run([peerid, "--store", store, "export", name, "--iterations", "1000",
                              "--password-file", pw], check=True, capture_output=True, text=True).stdout
        pfx = os.path.join(work, "id.pfx")
        b64 = doc.split('bin.base64">')[1].split("<")[0]
        open(pfx, "wb").write(base64.b64decode("".join(b64.split())))
        pem = subprocess.run(["openssl", "pkcs12", "-in", pfx, "-nodes", "-nocerts", "-passin", f"file:{pw}"],
                             check=True, capture_output=True, text=True).stdout
        # OpenSSH 9 cannot load an Ed25519 PKCS#8 PEM: convert it to its own
        # format with Python's cryptography package.
        from cryptography.hazmat.primitives import serialization as ser
        k = ser.load_pem_private_key(pem[pem.index("-----BEGIN PRIVATE KEY-----"):].encode(), None)
        key = os.path.join(work, "key")
        with open(key, "wb") as f:
            f.write(k.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.OpenSSH, ser.NoEncryption()))
        os.chmod(key, 0o600)
        allowed = os.path.join(work, "allowed")
        with open(allowed, "w") as f:
            f.write(subprocess.run([peerid, "--store", store, "allowed-signers"], check=True,
                                   capture_output=True, text=True).stdout)

        sizes = {"1 KiB": 1024, "100 MiB": 100 << 20}
        rows = {}
        for label, size in sizes.items():
            msg = os.path.join(work, f"msg{size}")
            with open(msg, "wb") as f:
                f.write(os.urandom(size))
            p_sig, s_sig = msg + ".peerid.sig", msg + ".sig"
            r = {k: [] for k in ("sign_peerid", "sign_ssh", "verify_peerid", "verify_ssh", "sign_o")}
            for _ in range(a.runs):
                # Into the file as ssh-keygen writes FILE.sig (no fsync); `-o`
                # (whole or nothing: fsync and rename) is timed apart.
                r["sign_peerid"].append(timed([peerid, "--store", store, "sign", name, "-n", "file", msg],
                                              stdout=p_sig))
                r["sign_o"].append(timed([peerid, "--store", store, "sign", name, "-n", "file", msg,
                                          "-o", p_sig + ".o", "--force"]))
                if os.path.exists(s_sig):
                    os.remove(s_sig)
                r["sign_ssh"].append(timed([keygen, "-q", "-Y", "sign", "-n", "file", "-f", key, msg]))
                r["verify_peerid"].append(timed([peerid, "--store", store, "verify", "-I", name, "-n", "file",
                                                 "-s", s_sig, "-"], stdin=msg))
                r["verify_ssh"].append(timed([keygen, "-Y", "verify", "-f", allowed, "-I", name, "-n", "file",
                                              "-s", p_sig], stdin=msg))
            rows[label] = {k: statistics.median(v) for k, v in r.items()}
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"Ed25519, {a.runs} alternating runs, medians, whole processes, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f}\n")
    print("| operation | size | peerid | ssh-keygen | ratio |")
    print("|---|---:|---:|---:|---:|")
    for label, m in rows.items():
        for op in ("sign", "verify"):
            p, s = m[f"{op}_peerid"], m[f"{op}_ssh"]
            print(f"| {op} | {label} | {p*1e3:.1f} ms | {s*1e3:.1f} ms | {p/s:.2f} |")
        o = m["sign_o"]
        print(f"| sign -o (fsync) | {label} | {o*1e3:.1f} ms | {m['sign_ssh']*1e3:.1f} ms | {o/m['sign_ssh']:.2f} |")


if __name__ == "__main__":
    main()
