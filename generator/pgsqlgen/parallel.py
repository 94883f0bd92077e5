"""Work that overlaps the rest of a run, in a forked child process.

A run is a chain of stages, but three pieces of it need nothing later stages
make: checking the down migrations (only their errors matter), the schema
dump (only the catalog), and rendering half of the modules (only the IR). On
a machine with a second core they run beside the main chain. A forked child
inherits everything in memory, so nothing is pickled on the way in; only the
result (text, or diagnostics) comes back. Where ``fork`` is not available,
other threads are running, or ``SQLGEN_JOBS=1`` asks for one process, the
work runs in place.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import traceback
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def available() -> bool:
    """Whether work can go to a second process here: not when other threads run,
    since a fork copies their locks in whatever state they are."""
    return (
        os.environ.get("SQLGEN_JOBS") != "1"
        and "fork" in multiprocessing.get_all_start_methods()
        and (os.cpu_count() or 1) > 1
        and threading.active_count() == 1
    )


def in_background(work: Callable[[], T]) -> Callable[[], T]:
    """Start ``work`` in a forked child; the returned function waits for its result.

    ``work`` must not raise for the user's input (return diagnostics instead):
    an exception in the child is a bug, and is raised again here with the
    child's traceback.
    """
    if not available():
        result = work()
        return lambda: result
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)

    def child() -> None:
        try:
            sender.send((True, work()))
        except BaseException:
            sender.send((False, traceback.format_exc()))

    process = context.Process(target=child, daemon=True)
    process.start()
    sender.close()

    def wait() -> T:
        ok, value = receiver.recv()
        process.join()
        if not ok:
            raise RuntimeError(f"background work failed:\n{value}")
        return value  # type: ignore[no-any-return]

    return wait
