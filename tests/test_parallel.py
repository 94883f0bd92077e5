"""The second process changes nothing but the time: the same files, the same
errors, whether the work is split or not."""

from __future__ import annotations

import gc
import multiprocessing
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pgsqlgen import parallel, pipeline
from pgsqlgen.config.load import load_config
from pgsqlgen.errors import SqlgenError

from sqlgen_helpers import write_project

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def split_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    """Send every piece of work that can go to a second process there, however small."""
    if not parallel.available():
        pytest.skip("no fork or a single core here: the work always runs in one process")
    monkeypatch.setattr(pipeline, "_PARALLEL_FILES", 1)
    monkeypatch.setattr(pipeline, "_PARALLEL_QUERIES", 1)
    monkeypatch.setattr(pipeline, "_PARALLEL_RENDER", 1)


def _sequential(monkeypatch: pytest.MonkeyPatch, config_path: Path) -> dict[str, str]:
    with monkeypatch.context() as patch:
        patch.setenv("SQLGEN_JOBS", "1")
        return pipeline.run(load_config(config_path)).files


def test_split_run_writes_the_same_files(
    split_everything: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = REPO_ROOT / "pyproject.toml"
    assert pipeline.run(load_config(config)).files == _sequential(monkeypatch, config)


def test_split_run_reports_the_same_errors(
    split_everything: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    schema = {
        "000001_init.up.sql": "CREATE TABLE t (id int PRIMARY KEY, name text);\n",
        "000001_init.down.sql": "DROP TABLEE t;\n",
    }
    queries = {
        "a.sql": "-- name: GetT :one\nSELECT * FROM t WHERE id = @id;\n",
        "b.sql": "-- name: ListT :many\nSELECT nam FROM t;\n",
        "c.sql": "-- name: GetT :one\nSELECT name FROM t WHERE id = @id;\n",
    }
    write_project(tmp_path, schema, queries)
    config_path = tmp_path / "pyproject.toml"
    with pytest.raises(SqlgenError) as sequential:
        _sequential(monkeypatch, config_path)
    with pytest.raises(SqlgenError) as split:
        pipeline.run(load_config(config_path))
    assert [str(d) for d in split.value.diagnostics] == [
        str(d) for d in sequential.value.diagnostics
    ]
    messages = [str(d) for d in split.value.diagnostics]
    # A name taken in the first part of the query files and again in the second.
    assert any('c.sql:1:1: error: duplicate query name "GetT"' in m for m in messages)
    assert any("b.sql" in m and "nam" in m for m in messages)
    # The down migration's syntax error, found by the second process, is a warning.
    (tmp_path / "queries" / "b.sql").write_text("-- name: ListT :many\nSELECT name FROM t;\n")
    (tmp_path / "queries" / "c.sql").write_text("-- name: GetName :one\nSELECT 1 AS one;\n")
    warnings = [str(d) for d in pipeline.run(load_config(config_path)).warnings]
    assert warnings == [str(d) for d in _sequential_warnings(monkeypatch, config_path)]
    assert any(
        '000001_init.down.sql:1:6: warning: syntax error at or near "TABLEE"' in w for w in warnings
    )


def _sequential_warnings(monkeypatch: pytest.MonkeyPatch, config_path: Path) -> list[object]:
    with monkeypatch.context() as patch:
        patch.setenv("SQLGEN_JOBS", "1")
        return list(pipeline.run(load_config(config_path)).warnings)


_SCHEMA = {"000001_init.up.sql": "CREATE TABLE t (id int PRIMARY KEY, name text);\n"}
_QUERIES = {
    "a.sql": "-- name: GetT :one\nSELECT * FROM t WHERE id = @id;\n",
    "b.sql": "-- name: ListT :many\nSELECT name FROM t;\n",
    "c.sql": "-- name: CountT :one\nSELECT count(*) FROM t;\n",
}


def test_query_files_parsed_while_the_schema_is_replayed_are_analysed_there(
    split_everything: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A cold run hands the last query files to a child at once, which parses them
    beside the schema's replay and analyses them when fed the catalog; a run with
    the schema remembered splits the files after the catalog instead. Both give
    what one process gives."""
    write_project(tmp_path, _SCHEMA, _QUERIES)
    config = load_config(tmp_path / "pyproject.toml")
    started: list[pipeline._Ahead] = []
    ahead = pipeline._parse_ahead
    monkeypatch.setattr(
        pipeline, "_parse_ahead", lambda *args: started.append(ahead(*args)) or started[-1]
    )
    cold = pipeline.run(config, incremental=True).files
    assert started and started[0] is not None
    assert set(started[0].files) == {"queries/b.sql", "queries/c.sql"}
    # The child remembered the files it analysed: an unchanged run analyses none.
    stages: list[pipeline.Stage] = []
    assert pipeline.run(config, stages.append, incremental=True).files == cold
    assert "0 of 3 query files analysed" in stages[2].detail
    (tmp_path / "queries" / "c.sql").write_text("-- name: CountT :one\nSELECT 2 AS two;\n")
    warm = pipeline.run(config, incremental=True).files
    assert len(started) == 1, "the schema was remembered: nothing parsed ahead"
    assert warm != cold
    assert warm == _sequential(monkeypatch, tmp_path / "pyproject.toml")


def test_a_run_stopped_by_the_schema_ends_the_child_parsing_ahead(
    split_everything: None, tmp_path: Path
) -> None:
    write_project(tmp_path, {"000001_init.up.sql": "CREATE TABLEE t (id int);\n"}, _QUERIES)
    with pytest.raises(SqlgenError, match="TABLEE"):
        pipeline.run(load_config(tmp_path / "pyproject.toml"))
    assert multiprocessing.active_children() == []


def _objects_frozen_by_a_fork() -> int:
    """How many objects a fork's collection freezes: the gap between the freeze
    counts before and after :func:`parallel.in_background`."""
    kept = [[index] for index in range(1000)]
    before = gc.get_freeze_count()
    parallel.in_background(lambda: len(kept))()
    return gc.get_freeze_count() - before


def test_a_fork_freezes_survivors_only_for_a_caller_that_froze_first() -> None:
    """The command line freezes what is alive before its run and thaws all at its
    end; within that, what survives each fork's collection is frozen too, so the
    next fork's collection does not walk it again. A library caller that froze
    nothing gets nothing frozen, which it could never free."""
    if not parallel.available():
        pytest.skip("no fork or a single core here: nothing is collected before a fork")
    gc.unfreeze()
    assert _objects_frozen_by_a_fork() == 0
    gc.freeze()
    try:
        assert _objects_frozen_by_a_fork() >= 1000
    finally:
        gc.unfreeze()


def test_a_fed_child_tells_its_early_result_before_it_is_fed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The query child tells the downs' problems while the run still parses its
    ups, then waits for the catalog: in a child or, without one, in place."""

    def first(tell: Callable[[int], None]) -> Callable[[int], tuple[int, parallel.Later]]:
        tell(41)
        return lambda fed: (fed + 1, lambda: None)

    for jobs in ("1", "2"):
        monkeypatch.setenv("SQLGEN_JOBS", jobs)
        child: parallel.FedChild[int, int, int] = parallel.FedChild(first)
        assert child.told() == 41
        child.feed(1)
        assert child.wait() == 2
        child.end()
    assert multiprocessing.active_children() == []


def test_results_made_beside_the_run_cross_one_by_one_in_order() -> None:
    if not parallel.available():
        pytest.skip("no fork or a single core here: the work runs in place")
    big = "é" * (1 << 21)
    wait = parallel.in_background_each(lambda: iter([big, "", "x"]))
    assert wait() == [big, "", "x"]


def test_a_feed_larger_than_a_pipe_does_not_wait_for_the_first_part(tmp_path: Path) -> None:
    """The run feeds the catalog as soon as it is replayed, while the child may
    still be parsing: the feed must not hold the run up until the child is done."""
    if not parallel.available():
        pytest.skip("no fork or a single core here: the work runs in place")
    fed_flag = tmp_path / "fed"

    def first(tell: Callable[[int], None]) -> Callable[[bytes], tuple[bool, parallel.Later]]:
        tell(0)
        deadline = time.monotonic() + 60
        while not fed_flag.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        seen = fed_flag.exists()
        return lambda fed: (seen and len(fed) == 4 << 20, lambda: None)

    child: parallel.FedChild[int, bytes, bool] = parallel.FedChild(first)
    child.feed(bytes(4 << 20))
    fed_flag.touch()
    assert child.wait()
    child.end()


def test_ctrl_c_ends_the_children_of_the_run_and_lets_it_start_no_more() -> None:
    """Ctrl-C stops the wait for the run's worker thread, which runs on until the
    process ends: a child it started then, or one left running, would outlive the
    run holding its streams open (the caller waits for them to close)."""
    if not parallel.available():
        pytest.skip("no fork or a single core here: the work runs in place")
    resumed, done = threading.Event(), threading.Event()
    started: list[multiprocessing.process.BaseProcess] = []
    attempt: list[BaseException] = []

    def work() -> None:
        parallel.in_background(lambda: time.sleep(60))
        started.extend(multiprocessing.active_children())
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)
        resumed.wait(60)
        try:
            parallel.in_background(lambda: None)
        except BaseException as error:
            attempt.append(error)
        finally:
            done.set()

    with pytest.raises(KeyboardInterrupt):
        parallel.with_deep_stack(work)
    assert len(started) == 1 and not started[0].is_alive()
    resumed.set()
    assert done.wait(60)
    assert [type(error) for error in attempt] == [parallel._Abandoned]
    assert multiprocessing.active_children() == []


def test_a_migration_edit_parses_no_query_file_ahead(
    split_everything: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """When the replay goes on from the last run's catalog, it is short and the
    query files mostly keep their units: no child parses them beside it."""
    write_project(tmp_path, _SCHEMA, _QUERIES)
    config = load_config(tmp_path / "pyproject.toml")
    started: list[object] = []
    ahead = pipeline._parse_ahead
    monkeypatch.setattr(
        pipeline, "_parse_ahead", lambda *args: started.append(ahead(*args)) or started[-1]
    )
    pipeline.run(config, incremental=True)
    assert len(started) == 1
    (tmp_path / "schema" / "000002_more.up.sql").write_text("ALTER TABLE t ADD COLUMN x int;\n")
    files = pipeline.run(config, incremental=True).files
    assert len(started) == 1
    assert files == _sequential(monkeypatch, tmp_path / "pyproject.toml")
    assert "x: int | None" in files["models.py"]
