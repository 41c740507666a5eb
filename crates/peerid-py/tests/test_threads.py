"""One store used by many threads at once, and the GIL released during a
600,000-iteration export."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import peerid
from conftest import PASSWORD, QUICK


def test_threads_share_one_store(store: peerid.Store, tmp_path: Path) -> None:
    errors: list[BaseException] = []
    made: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def work(i: int) -> None:
        try:
            start.wait()
            for j in range(5):
                ident = store.create(classifier=f"t{i}-{j}")
                sig = ident.sign("file", b"data %d" % i)
                peerid.verify(ident.peer_name, "file", b"data %d" % i, sig, store=store)
                assert ident.peer_name in store
                store.list()
                with lock:
                    made.append(ident.peer_name)
            doc = store.export(made[-1], PASSWORD, iterations=QUICK)
            assert doc.startswith("<PEERIDENTITYEXPORT")
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert sorted(made) == [i.peer_name for i in store.list()]
    assert len(store) == 40
    # Another Store object on the same directory sees the same.
    assert len(peerid.Store(tmp_path / "store")) == 40


def test_gil_released_during_a_full_export(store: peerid.Store) -> None:
    """While another thread runs a 600,000-iteration export, this one keeps
    running Python: it ticks all through the export (with the GIL held, no
    tick could fall inside it)."""
    alice = store.create()
    started = threading.Event()
    span: list[float] = []

    def export() -> None:
        started.set()
        t0 = time.perf_counter()
        store.export(alice.peer_name, PASSWORD)  # 600,000 iterations
        span.extend([t0, time.perf_counter()])

    t = threading.Thread(target=export)
    t.start()
    started.wait()
    ticks = []
    while t.is_alive():
        ticks.append(time.perf_counter())
    t.join()
    begin, end = span
    elapsed = end - begin
    assert elapsed > 0.05, "the export was too quick to tell"
    # Ticks in each quarter of the export's middle half.
    quarter = elapsed / 4
    for k in range(1, 3):
        lo, hi = begin + k * quarter, begin + (k + 1) * quarter
        assert any(lo <= x < hi for x in ticks), (k, elapsed, len(ticks))
