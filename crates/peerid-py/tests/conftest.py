"""Fixtures of the peerid Python tests. Every test uses a store in its own
temporary directory, never the user's."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Iterator

import pytest

import peerid

REPO = Path(__file__).resolve().parents[3]
PASSWORD = "correct horse battery staple"
#: Few iterations, to keep the tests quick (600,000 is the default).
QUICK = 1_000


@pytest.fixture
def store(tmp_path: Path) -> peerid.Store:
    """A new store in the test's temporary directory."""
    return peerid.Store(tmp_path / "store")


def _find_cli() -> Path:
    """The `peerid` command: $PEERID_BIN, else the debug build in the cargo
    target directory (cargo test builds it), else built now."""
    given = os.environ.get("PEERID_BIN")
    if given and Path(given).exists():
        return Path(given)
    target = Path(os.environ.get("CARGO_TARGET_DIR") or REPO / "target")
    built = target / "debug" / "peerid"
    if not built.exists():
        subprocess.run(
            ["cargo", "build", "--locked", "-p", "peerid-cli"], cwd=REPO, check=True
        )
    return built


@pytest.fixture(scope="session")
def cli_path() -> Path:
    """Path of the `peerid` command."""
    return _find_cli()


class Cli:
    """Runs the `peerid` command on one store."""

    def __init__(self, exe: Path, store: peerid.Store) -> None:
        self.exe = exe
        self.store = store

    def run(
        self, *args: str, input: bytes = b"", env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        full_env = {**os.environ, **(env or {})}
        return subprocess.run(
            [str(self.exe), "--store", str(self.store.path), *args],
            input=input,
            capture_output=True,
            env=full_env,
        )

    def ok(self, *args: str, input: bytes = b"", env: dict[str, str] | None = None) -> str:
        out = self.run(*args, input=input, env=env)
        assert out.returncode == 0, out.stderr.decode()
        return out.stdout.decode()


@pytest.fixture
def cli(cli_path: Path, store: peerid.Store) -> Cli:
    """The `peerid` command on the test's store."""
    return Cli(cli_path, store)


def pfx_of(document: str) -> bytes:
    """The PFX (PKCS#12) inside an export document."""
    m = re.search(r'bin\.base64">([^<]*)<', document)
    assert m, document
    return base64.b64decode("".join(m.group(1).split()))


@pytest.fixture
def ssh_keygen() -> Iterator[str]:
    """OpenSSH's ssh-keygen (scripts/test.sh installs openssh-client)."""
    exe = shutil.which("ssh-keygen")
    assert exe, "ssh-keygen is needed (scripts/test.sh installs openssh-client)"
    yield exe
