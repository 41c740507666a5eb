#!/usr/bin/env python3
"""Reads a libtest run's output (argv[1]) and prints the failed tests, one a
line, if every one of them failed only because Wine could not start a
process: an `Os { code: 1359, ...}` error (ERROR_INTERNAL_ERROR), which
Wine 8.0's CreateProcess gives now and then under load, before the program
runs at all. Prints nothing (and exits 1) if any failure is another one, or
there is none, so that only those are run again (scripts/windows.sh)."""
import re
import sys

text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
# The summary list at the end: "failures:" then indented names.
lists = re.findall(r"^failures:\n((?:    \S+\n)+)", text, re.M)
if not lists:
    sys.exit(1)
failed = [n.strip() for n in lists[-1].splitlines() if n.strip()]
for name in failed:
    m = re.search(r"^---- " + re.escape(name) + r" stdout ----\n(.*?)(?=^---- |^failures:)", text, re.M | re.S)
    if not m or "code: 1359" not in m.group(1):
        sys.exit(1)
print("\n".join(failed))
