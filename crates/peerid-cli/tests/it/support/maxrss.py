"""Runs a command, feeding its stdin from a file or from an endless stream,
waits for it with wait4(2) and prints one JSON object: its exit status, its
peak resident set (ru_maxrss, KiB) and its stderr.

    maxrss.py FILE -- CMD...          stdin from FILE
    maxrss.py stream:N -- CMD...      stdin: N bytes of 'A', or until it stops reading
"""
import json
import os
import subprocess
import sys
import tempfile


def main():
    source, sep, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
    assert sep == "--", "usage: maxrss.py FILE|stream:N -- CMD..."
    err = tempfile.TemporaryFile()
    sent = 0
    if source.startswith("stream:"):
        total = int(source[len("stream:"):])
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err)
        chunk = b"A" * 65536
        try:
            while sent < total:
                p.stdin.write(chunk)
                sent += len(chunk)
            p.stdin.close()
        except BrokenPipeError:
            pass
    else:
        with open(source, "rb") as f:
            p = subprocess.Popen(cmd, stdin=f, stdout=subprocess.DEVNULL, stderr=err)
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    err.seek(0)
    print(json.dumps({
        "status": p.returncode,
        "maxrss_kib": usage.ru_maxrss,
        "sent": sent,
        "stderr": err.read().decode("utf-8", "replace"),
    }))


if __name__ == "__main__":
    main()
