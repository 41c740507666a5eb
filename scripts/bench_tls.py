#!/usr/bin/env python3
"""Benchmarks whole-process `peerid tls connect` against `openssl s_client`,
both connecting to the same `openssl s_server` (TLS 1.3, client certificate
required), alternating the two clients in one run. Prints a Markdown table
of medians and the ratio (peerid / openssl; the target is <= 1.0).

    python3 scripts/bench_tls.py [--runs 21] [--peerid BIN]

Per key type (Ed25519, P-256): two identities in one store, the server's
and the client's; their keys and IDCs are taken out of `peerid export`
with `openssl pkcs12 -nodes`. The server: `openssl s_server -tls1_3
-Verify 1 -verify_return_error -CAfile <client IDC>`. Each client makes a
full mutual handshake with its stdin at /dev/null: s_client then sends
close_notify and exits; peerid sends close_notify and exits when the server
answers with its own (one loopback round trip more). Set CARGO_TARGET_DIR
to build and run from another target directory.
"""
import argparse
import base64
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def timed(argv):
    """Wall seconds of one run of argv, stdin /dev/null; it must succeed."""
    with open(os.devnull, "rb") as null_in, open(os.devnull, "wb") as null_out:
        t0 = time.perf_counter()
        subprocess.run(argv, check=True, stdin=null_in, stdout=null_out, stderr=subprocess.DEVNULL)
        return time.perf_counter() - t0


def pem_files(peerid, store, name, work, pw):
    """The identity's certificate and key as PEM files, from an export."""
    doc = subprocess.run([peerid, "--store", store, "export", name, "--iterations", "1000",
                          "--password-file", pw], check=True, capture_output=True, text=True).stdout
    pfx = os.path.join(work, name + ".pfx")
    b64 = doc.split('bin.base64">')[1].split("<")[0]
    with open(pfx, "wb") as f:
        f.write(base64.b64decode("".join(b64.split())))
    out = {}
    for part, args in (("cert", ["-nokeys"]), ("key", ["-nocerts", "-nodes"])):
        path = os.path.join(work, f"{name}.{part}.pem")
        subprocess.run(["openssl", "pkcs12", "-in", pfx, "-passin", f"file:{pw}", "-out", path] + args,
                       check=True, capture_output=True)
        out[part] = path
    return out["cert"], out["key"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"openssl s_server did not listen on {port}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--peerid", help="a peerid binary to time instead of building this tree's")
    a = ap.parse_args()
    if a.peerid:
        peerid = a.peerid
    else:
        subprocess.run(["cargo", "build", "--release", "--locked", "-p", "peerid-cli"], cwd=ROOT, check=True)
        target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
        peerid = os.path.join(target, "release", "peerid")
    work = tempfile.mkdtemp(prefix="peerid-tls-bench-")
    rows = {}
    try:
        store = os.path.join(work, "store")
        pw = os.path.join(work, "pw")
        with open(pw, "w") as f:
            f.write("correct horse battery staple\n")
        for key in ("ed25519", "p256"):
            names = [subprocess.run([peerid, "--store", store, "create", "--key", key, "-c", role],
                                    check=True, capture_output=True, text=True).stdout.strip()
                     for role in ("server", "client")]
            (s_cert, s_key), (c_cert, c_key) = (pem_files(peerid, store, n, work, pw) for n in names)
            port = free_port()
            # The connection probe of wait_listening is one more client
            # s_server sees; it simply fails its handshake.
            server = subprocess.Popen(
                ["openssl", "s_server", "-tls1_3", "-accept", f"127.0.0.1:{port}", "-Verify", "1",
                 "-verify_return_error", "-CAfile", c_cert, "-cert", s_cert, "-key", s_key, "-quiet"],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                wait_listening(port)
                r = {"peerid": [], "openssl": []}
                for _ in range(a.runs):
                    r["peerid"].append(timed([peerid, "--store", store, "tls", "connect", names[1],
                                              f"127.0.0.1:{port}", "--peer", names[0]]))
                    r["openssl"].append(timed(["openssl", "s_client", "-tls1_3",
                                               "-connect", f"127.0.0.1:{port}", "-cert", c_cert,
                                               "-key", c_key, "-CAfile", s_cert, "-verify_return_error"]))
                rows[key] = {k: statistics.median(v) for k, v in r.items()}
            finally:
                server.kill()
                server.wait()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"mutual TLS 1.3 to one openssl s_server, {a.runs} alternating runs, medians, whole processes, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}\n")
    print("| key type | peerid tls connect | openssl s_client | ratio |")
    print("|---|---:|---:|---:|")
    for key, m in rows.items():
        p, o = m["peerid"], m["openssl"]
        print(f"| {key} | {p*1e3:.1f} ms | {o*1e3:.1f} ms | {p/o:.2f} |")


if __name__ == "__main__":
    main()
