"""Threads and processes: the GIL is released for the whole batch, calls from several Python
threads run at once and agree, and the pool and plan cache work again after fork."""

from __future__ import annotations

import faulthandler
import multiprocessing
import os
import threading

import numpy as np
import pytest

import pixfuse
from conftest import assert_bit_exact


def test_gil_is_released_while_a_batch_runs(tmp_path, photos, expected, imagenet):
    # The batch reads a FIFO, which blocks until this thread writes the photo into it. If the
    # batch held the GIL, this thread could never run again: a deadlock, turned into a failure
    # (with tracebacks) by the watchdog instead of a hang.
    fifo = tmp_path / "photo.fifo"
    os.mkfifo(fifo)
    result = {}

    def work():
        result["batch"] = pixfuse.preprocess([str(photos[0]), str(fifo)], imagenet, threads=2)

    faulthandler.dump_traceback_later(120, exit=True)
    try:
        worker = threading.Thread(target=work)
        worker.start()
        ran_meanwhile = 0
        with open(fifo, "wb") as f:  # rendezvous: the batch has opened the FIFO, inside the call
            for _ in range(1000):
                ran_meanwhile += 1  # Python bytecode, while the batch waits for the bytes
            f.write(photos[1].read_bytes())
        worker.join()
    finally:
        faulthandler.cancel_dump_traceback_later()
    assert ran_meanwhile == 1000 and worker.is_alive() is False
    batch = result["batch"]
    assert batch.ok.all()
    assert_bit_exact(batch.array[1], expected[f"imagenet/{photos[1].name}"], "photo through a FIFO")


def test_calls_from_many_python_threads(photos, expected, imagenet):
    wanted = np.stack([expected[f"imagenet/{p.name}"] for p in photos])
    raw = [p.read_bytes() for p in photos]
    results, errors = [], []

    def work(k):
        try:
            for _ in range(3):
                results.append(pixfuse.preprocess(raw, imagenet, threads=1 + k % 2).array)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 12
    for r in results:
        assert_bit_exact(r, wanted, "concurrent call")


def _child(conn, paths, recipe):
    try:
        conn.send(pixfuse.preprocess(paths, recipe).array)
    except BaseException as e:  # noqa: BLE001 - sent to the parent
        conn.send(repr(e))
    conn.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_works_after_fork(photos, expected, imagenet):
    # The parent's pool (threads that do not exist in the child) and plan cache are in use
    # before the fork; the children make their own.
    paths = [str(p) for p in photos]
    wanted = np.stack([expected[f"imagenet/{p.name}"] for p in photos])
    assert_bit_exact(pixfuse.preprocess(paths, imagenet, threads=2).array, wanted, "parent")
    ctx = multiprocessing.get_context("fork")
    for _ in range(2):
        parent_end, child_end = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_child, args=(child_end, paths, imagenet))
        proc.start()
        got = parent_end.recv()
        proc.join(120)
        assert proc.exitcode == 0
        assert not isinstance(got, str), got
        assert_bit_exact(got, wanted, "forked child")
    assert_bit_exact(pixfuse.preprocess(paths, imagenet).array, wanted, "parent after the forks")


def test_default_threads_is_the_available_cpus():
    n = pixfuse.available_cpus()
    assert n >= 1
    if hasattr(os, "sched_getaffinity"):
        assert n <= len(os.sched_getaffinity(0))
