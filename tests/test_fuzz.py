"""Property: no input makes ``sqlgen generate`` crash.

Real query files and migrations (the repo's own, and ``../shared/realworld``'s
histories when present) are mutated by hypothesis (slices deleted, duplicated
or cut, SQL fragments and invalid UTF-8 inserted, random bytes written) and
generated: every run must end in exit 0, or exit 1 with located one-line
errors; never a traceback, never a hang. ``make test`` runs a few examples
(``SQLGEN_FUZZ_EXAMPLES``, default 12); ``make fuzz`` runs 10,000.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest
from attack_run import corpus, fuzz_project, is_clean_outcome, mutate, run_mutant
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("SQLGEN_FUZZ_EXAMPLES", "12"))
HANG_SECONDS = 30
FILES = corpus()


class HypothesisChooser:
    def __init__(self, data: st.DataObject) -> None:
        self._data = data

    def integer(self, low: int, high: int) -> int:
        return self._data.draw(st.integers(low, high))

    def blob(self, size: int) -> bytes:
        return self._data.draw(st.binary(max_size=size))


class Hang(BaseException):
    """A run that took longer than any input should (not an Exception, so
    nothing on the way up can mistake it for a user's error)."""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("fuzz")
    fuzz_project(root)
    yield root


def _hang(signum: int, frame: FrameType | None) -> None:
    raise Hang(f"no answer in {HANG_SECONDS} s")


@pytest.mark.parametrize("kind", ["query", "migration"])
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_input_crashes_generate(project: Path, kind: str, data: st.DataObject) -> None:
    files = FILES[kind]
    original = files[data.draw(st.integers(0, len(files) - 1))].read_bytes()
    mutant = mutate(original, HypothesisChooser(data))
    previous = signal.signal(signal.SIGALRM, _hang)
    signal.alarm(HANG_SECONDS)
    try:
        code, stderr = run_mutant(project, kind, mutant)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert is_clean_outcome(code, stderr), stderr
