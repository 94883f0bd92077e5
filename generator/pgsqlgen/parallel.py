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

import contextlib
import gc
import os
import sys
import threading
import traceback
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Generic, TypeVar, cast

if TYPE_CHECKING:
    from multiprocessing.context import ForkContext
    from multiprocessing.process import BaseProcess

T = TypeVar("T")
In = TypeVar("In")
Early = TypeVar("Early")

DEEP_STACK = 256 * 1024 * 1024
"""The stack of :func:`with_deep_stack`'s thread: address space only, pages are
used as touched. Measured: a query file with 1,000 nested parentheses, a
``WHERE`` of 20,000 ``OR`` and 300 nested subqueries generates in a 4 MB stack
(the main thread's 8 MB alone crashes at 5,000 parentheses); the rest is margin."""
DEEP_RECURSION = 120_000
"""The recursion limit while :func:`with_deep_stack` runs; a tree of
:data:`pgsqlgen.sql.parse.MAX_DEPTH` needs about five frames a level."""


class _SoleWorker(threading.Thread):
    """A thread the main thread only waits for: forking from it is as safe as
    forking from the main thread, since no other thread can hold a lock.

    Once the wait is interrupted (Ctrl-C), the main thread goes on alone: the
    worker is ``abandoned``, may start no child from then on (a fork now could
    copy a lock the main thread holds, and the child would outlive the run
    holding its streams open), and the ``children`` it started are ended.
    """

    def __init__(self, target: Callable[[], None]) -> None:
        super().__init__(target=target, name="sqlgen-deep", daemon=True)
        self.children: list[BaseProcess] = []
        self.abandoned = False


class _Abandoned(BaseException):
    """Raised in an abandoned worker that was about to start a child: its run's
    result is no longer awaited."""


_starting = threading.Lock()
"""Held while a child is started, so that abandoning a worker waits for a fork
in progress and then sees every child the worker started."""


def _start(process: BaseProcess) -> None:
    worker = threading.current_thread()
    with _starting:
        if isinstance(worker, _SoleWorker):
            if worker.abandoned:
                raise _Abandoned
            worker.children.append(process)
        process.start()


def _abandon(worker: _SoleWorker) -> None:
    with _starting:
        worker.abandoned = True
    for child in worker.children:
        if child.is_alive():
            child.terminate()
        child.join()


def with_deep_stack(work: Callable[[], T]) -> T:
    """``work()`` on a thread with a deep stack and a high recursion limit.

    sqlglot parses, and every stage walks, expression trees recursively:
    500 nested parentheses or a ``WHERE`` of 10,000 ``OR`` need far more than
    the main thread's 8 MB and Python's default limit of 1,000 frames (deeper
    input is refused at parse time, :data:`pgsqlgen.sql.parse.MAX_DEPTH`). An
    exception of ``work`` is raised here; Ctrl-C interrupts the wait at once,
    and ends the children the work started.
    """
    outcome: list[tuple[bool, object]] = []

    def target() -> None:
        try:
            outcome.append((True, work()))
        except BaseException as error:
            outcome.append((False, error))

    previous_limit, previous_stack = sys.getrecursionlimit(), threading.stack_size()
    sys.setrecursionlimit(max(previous_limit, DEEP_RECURSION))
    threading.stack_size(DEEP_STACK)
    try:
        worker = _SoleWorker(target)
        worker.start()
    finally:
        threading.stack_size(previous_stack)
    try:
        worker.join()
    except BaseException:
        _abandon(worker)
        raise
    finally:
        sys.setrecursionlimit(previous_limit)
    ok, value = outcome[0]
    if not ok:
        assert isinstance(value, BaseException)
        raise value
    return value  # type: ignore[return-value]


def available() -> bool:
    """Whether work can go to a second process here: not when other threads run,
    since a fork copies their locks in whatever state they are (the main
    thread waiting for :func:`with_deep_stack`'s worker holds none)."""
    alone = threading.active_count() == 1 or (
        threading.active_count() == 2 and isinstance(threading.current_thread(), _SoleWorker)
    )
    return (
        os.environ.get("SQLGEN_JOBS") != "1"
        and hasattr(os, "fork")
        and (os.cpu_count() or 1) > 1
        and alone
    )


def _fork_context() -> ForkContext:
    """multiprocessing's fork start method, imported only by a run that forks: a
    run after a small edit never does."""
    import multiprocessing

    return multiprocessing.get_context("fork")


def _freeze_survivors() -> None:
    """Move what survived a full collection out of later collections' walks.

    Each fork is preceded by a full collection, and most of what it walks (the
    catalog, the IR) is alive until the run ends: walked again before the next
    fork, it cost 0.2-0.4 s a fork on a large layer. Frozen, it is walked once.
    Only a caller that froze first does this (the command line, which thaws
    everything when its run ends): a library caller's objects are never frozen
    behind its back, where they could never be freed.
    """
    if gc.get_freeze_count():
        gc.freeze()


def in_background(work: Callable[[], T], *, collect: bool = True) -> Callable[[], T]:
    """Start ``work`` in a forked child; the returned function waits for its result.

    ``work`` must not raise for the user's input (return diagnostics instead):
    an exception in the child is a bug, and is raised again here with the
    child's traceback. Without ``collect``, the garbage made so far is not
    collected first (:func:`collect_garbage`): the caller does it later, at a
    moment it would otherwise wait.
    """
    if not available():
        result = work()
        return lambda: result
    receive = _forked(lambda: [work()], collect)
    return lambda: cast(T, receive()[0])


def in_background_each(
    work: Callable[[], Iterable[T]], *, collect: bool = True
) -> Callable[[], list[T]]:
    """:func:`in_background` for work with many large results (formatted modules):
    once all are made, each crosses on its own, so that the run never holds all of
    them pickled besides."""
    if not available():
        results = list(work())
        return lambda: results
    receive = _forked(lambda: list(work()), collect)
    return lambda: cast(list[T], receive())


def collect_garbage() -> None:
    """Free the garbage of the stages before (syntax trees are cycles: only the
    collector frees them), and keep what survives out of later collections."""
    gc.collect()
    _freeze_survivors()


def _forked(work: Callable[[], list[object]], collect: bool) -> Callable[[], list[object]]:
    """Run ``work`` in a forked child, which sends its results one by one; the
    returned function waits for them all. The garbage made so far is freed first
    (with ``collect``), not inherited by the child."""
    if collect:
        collect_garbage()
    context = _fork_context()
    receiver, sender = context.Pipe(duplex=False)

    def child() -> None:
        # The run's end of the pipe, closed here: if the run dies, sending fails
        # at once instead of filling a pipe only this child could read.
        receiver.close()
        # What the child inherits is never garbage it could collect: frozen, its
        # collections skip it instead of touching (and so copying) every page.
        gc.freeze()
        try:
            results = work()
            sender.send(("results", len(results)))
            for result in results:
                sender.send(("result", result))
        except BaseException:
            sender.send(("failed", traceback.format_exc()))

    process = context.Process(target=child, daemon=True)
    _start(process)
    sender.close()

    def wait() -> list[object]:
        kind, value = receiver.recv()
        if kind == "failed":
            process.join()
            raise RuntimeError(f"background work failed:\n{value}")
        results = [receiver.recv()[1] for _ in range(value)]
        process.join()
        return results

    return wait


Later = Callable[[], None]
"""Work a child does after sending its result: the run need not wait for it."""


class FedChild(Generic[Early, In, T]):
    """Work in two parts: the first runs in a forked child at once, tells an early
    result (it calls the function it is given, once) and returns the second, which
    runs there when its input exists and returns its result and what to do once
    that is sent. :meth:`told` waits for the early result; what :meth:`feed` gives
    is pickled to the child; the result comes back to :meth:`wait`; :meth:`end`
    waits for the rest. Where no second process can run, all runs here, when its
    results are asked for."""

    def __init__(
        self, first: Callable[[Callable[[Early], None]], Callable[[In], tuple[T, Later]]]
    ) -> None:
        self._first = first
        self._second: Callable[[In], tuple[T, Later]] | None = None
        self._early: list[Early] = []
        self._fed: list[In] = []
        self._answered = False
        self._process: BaseProcess | None = None
        if not available():
            return
        collect_garbage()
        context = _fork_context()
        inbox, self._inbox = context.Pipe(duplex=False)
        self._outbox, sender = context.Pipe(duplex=False)

        def child() -> None:
            self._inbox.close()
            self._outbox.close()
            gc.freeze()
            # What the run feeds is read at once, by a thread of the child's own: a
            # feed larger than the pipe's buffer would otherwise hold the run up
            # until the first part is done.
            fed: list[In] = []

            def read() -> None:
                with contextlib.suppress(EOFError, OSError):  # the run ended unfed
                    fed.append(inbox.recv())

            reader = threading.Thread(target=read, daemon=True)
            reader.start()
            try:
                second = first(lambda early: sender.send((True, early)))
                reader.join()
                if not fed:
                    return  # the run ended without feeding it: nothing to do
                result, later = second(fed[0])
                sender.send((True, result))
                later()
            except BaseException:
                sender.send((False, traceback.format_exc()))

        self._process = context.Process(target=child, daemon=True)
        _start(self._process)
        inbox.close()
        sender.close()

    def told(self) -> Early:
        if not self._early:
            if self._process is None:
                self._second = self._first(self._early.append)
            else:
                self._early.append(cast(Early, self._received()))
        return self._early[0]

    def feed(self, value: In) -> None:
        if self._process is None:
            self._fed.append(value)
        else:
            self._inbox.send(value)

    def wait(self) -> T:
        self.told()
        if self._second is not None:
            result, later = self._second(self._fed[0])
            later()
            return result
        value = cast(T, self._received())
        self._answered = True
        return value

    def _received(self) -> object:
        assert self._process is not None
        ok, value = self._outbox.recv()
        if not ok:
            self._process.join()
            raise RuntimeError(f"background work failed:\n{value}")
        return value

    def end(self) -> None:
        """Wait for the child to finish what it does after its result; end it at
        once if the run stopped before its result was needed."""
        if self._process is None:
            return
        if not self._answered and self._process.is_alive():
            self._process.terminate()
        self._process.join()
