"""``make bench``: generation against sqlc, the pre-commit check, calls against
hand-written psycopg and SQLAlchemy, and memory; writes ``bench/RESULTS.md``
and ``bench/scaling.png``.

Every ratio compares two things measured in the same run, alternating round
by round, so a slower or busier machine moves both sides alike. Medians, not
means: one stray pause should not decide a ratio. Nothing here asserts a
time; the targets are printed beside the results.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
# The bench modules, the generated example package, and the generator.
sys.path[:0] = [str(BENCH), str(REPO / "generated"), str(REPO)]

import calls  # noqa: E402
import synth  # noqa: E402

import pgsqlgen  # noqa: E402
from pgsqlgen.pipeline import STAGES  # noqa: E402

PYTHON = sys.executable
SQLC = shutil.which("sqlc", path=str(Path(PYTHON).parent)) or "sqlc"
SCALES = (1, 2, 4)

Json = dict[str, Any]


def _timed(command: list[str], cwd: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one child process, which must succeed."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    stderr = process.stderr.read() if process.stderr else ""
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed in {cwd}:\n{stderr}")
    return elapsed, usage.ru_maxrss


def _ours_generate(layer: Path) -> tuple[float, int]:
    """A cold ``sqlgen generate``: a new process, no output on disk, no cache."""
    shutil.rmtree(layer / "out" / "py", ignore_errors=True)
    shutil.rmtree(layer / ".sqlgen-cache", ignore_errors=True)
    return _timed([PYTHON, "-m", "pgsqlgen", "--config", "pyproject.toml", "generate"], layer)


def _sqlc_generate(layer: Path) -> tuple[float, int]:
    """A cold ``sqlc generate``: its wall seconds and peak RSS (KiB)."""
    shutil.rmtree(layer / "out" / "go", ignore_errors=True)
    return _timed([SQLC, "generate", "-f", "sqlc.yaml"], layer)


# The two layers `synth.py` writes: the synthetic one (short names, the mix of
# a long history) and the real-shaped one (the same plus wide tables, long
# names and parameter lists, embeds, JSON and escaped strings).
LAYERS = {"synthetic": False, "real-shaped": True}
# Where each layer's rows go in results.json.
_LAYER_KEYS = {"synthetic": "generation", "real-shaped": "real_shaped"}


def generation(work: Path, rounds: int, *, real_shaped: bool, scales: tuple[int, ...]) -> Json:
    """Cold generation of one layer at each scale, ours and sqlc alternately."""
    results: Json = {}
    for scale in scales:
        layer = work / f"layer-{'real-' if real_shaped else ''}{scale}x"
        stats = synth.write_layer(layer, scale, real_shaped=real_shaped)
        ours: list[float] = []
        theirs: list[float] = []
        peak = sqlc_peak = 0
        _ours_generate(layer), _sqlc_generate(layer)  # warm the file cache
        for _ in range(rounds):
            seconds, rss = _ours_generate(layer)
            ours.append(seconds)
            peak = max(peak, rss)
            seconds, rss = _sqlc_generate(layer)
            theirs.append(seconds)
            sqlc_peak = max(sqlc_peak, rss)
        stages, wall = _stages(layer)
        render = next(stage for stage in stages if stage["name"] == "render and format")
        results[f"{scale}x"] = {
            "scale": scale,
            "layer": asdict(stats),
            "ours_seconds": ours,
            "sqlc_seconds": theirs,
            "ours_median": statistics.median(ours),
            "sqlc_median": statistics.median(theirs),
            "ratio": statistics.median(ours) / statistics.median(theirs),
            "ours_peak_rss_mib": peak / 1024,
            "sqlc_peak_rss_mib": sqlc_peak / 1024,
            "stages": stages,
            # Of the very run that timed the stages: rounds apart, noise would decide it.
            "render_share": render["seconds"] / wall,
            "modules_through_black": int(render["detail"].rsplit(", ", 1)[1].split()[0]),
        }
        print(
            f"generate {'real-shaped' if real_shaped else 'synthetic'} {scale}x: "
            f"ours {statistics.median(ours):.2f} s ({peak / 1024:.0f} MiB), "
            f"sqlc {statistics.median(theirs):.2f} s ({sqlc_peak / 1024:.0f} MiB), "
            f"render+format {render['seconds']:.2f} s, {render['detail']}",
            flush=True,
        )
    return results


def _stages(layer: Path) -> tuple[list[Json], float]:
    """Where one cold run spends its time, stage by stage (``generate -v`` in a
    new process, so that nothing an earlier layer loaded is still warm), and
    its wall seconds."""
    shutil.rmtree(layer / "out" / "py", ignore_errors=True)
    shutil.rmtree(layer / ".sqlgen-cache", ignore_errors=True)
    command = [PYTHON, "-m", "pgsqlgen", "--config", "pyproject.toml", "generate", "-v"]
    start = time.perf_counter()
    process = subprocess.run(command, cwd=layer, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    return _parse_stages(process.stderr), wall


def _parse_stages(stderr: str) -> list[Json]:
    """The stage lines of ``generate -v``: name, seconds and detail."""
    stages: list[Json] = []
    for line in stderr.splitlines():
        name = next((n for n in STAGES if line.startswith(n)), None)
        if name is not None:
            seconds, _, detail = line[len(name) :].strip().partition(" s  ")
            stages.append({"name": name, "seconds": float(seconds), "detail": detail})
    return stages


def precommit_check(work: Path, rounds: int) -> Json:
    """``sqlgen check`` on the unchanged 1x layer: the cached verdict and the full check."""
    layer = work / "layer-1x"
    _timed([PYTHON, "-m", "pgsqlgen", "--config", "pyproject.toml", "generate"], layer)
    check = [PYTHON, "-m", "pgsqlgen", "--config", "pyproject.toml", "check"]
    cached = [_timed(check, layer)[0] for _ in range(max(rounds, 10))]
    full = [_timed([*check, "--no-cache"], layer)[0] for _ in range(rounds)]
    baseline = [_timed([PYTHON, "-c", "pass"], layer)[0] for _ in range(max(rounds, 10))]
    print(f"check 1x: cached {statistics.median(cached):.3f} s", flush=True)
    return {
        "cached_seconds": cached,
        "cached_median": statistics.median(cached),
        "full_seconds": full,
        "full_median": statistics.median(full),
        "python_startup_median": statistics.median(baseline),
    }


# The edit `incremental` makes to a query file: one more query, so the query
# module, the querier and the wrappers all change; named after the round, so no
# round finds its result in the cache.
_QUERY_EDIT = (
    "\n-- name: BenchIncrementalEdit{round} :many\nSELECT id FROM {table} WHERE id > @after;\n"
)


def incremental(work: Path, rounds: int) -> Json:
    """Regeneration of the real-shaped 1x layer after an edit, with the cache of the
    run before it (:mod:`pgsqlgen.incremental`): after a one-query-file edit and after
    a one-migration edit (each round a new one), against a cold run; and the no-op
    cached check. The last run is then checked against a cold one
    (``check --no-cache``), which must find it identical."""
    layer = work / "layer-incremental-1x"
    synth.write_layer(layer, 1, real_shaped=True)
    check = [PYTHON, "-m", "pgsqlgen", "--config", "pyproject.toml", "check"]
    cold = [_ours_generate(layer)[0] for _ in range(rounds)]
    query_file = sorted((layer / "queries").glob("*.sql"))[0]
    original = query_file.read_text(encoding="utf-8")
    table = original.split(" FROM ", 1)[1].split()[0]
    migrations = layer / "schema" / "migrations"
    number = max(int(path.name.split("_", 1)[0]) for path in migrations.glob("*.up.sql")) + 1
    up, down = (migrations / f"{number:06d}_bench_edit.{way}.sql" for way in ("up", "down"))

    def add_migration(round_: int) -> None:
        column = f"bench_note_{round_}"
        up.write_text(f"ALTER TABLE {table} ADD COLUMN {column} text;\n", encoding="utf-8")
        down.write_text(f"ALTER TABLE {table} DROP COLUMN {column};\n", encoding="utf-8")

    after_query, query_stages = _edit_rounds(
        layer,
        rounds,
        lambda round_: query_file.write_text(
            original + _QUERY_EDIT.format(round=round_, table=table)
        ),
        lambda: query_file.write_text(original),
    )
    after_migration, migration_stages = _edit_rounds(
        layer, rounds, add_migration, lambda: (up.unlink(), down.unlink())
    )
    cached_check = [_timed(check, layer)[0] for _ in range(max(rounds, 10))]
    _timed([*check, "--no-cache"], layer)  # fails the bench unless identical to a cold run
    result = {
        "cold_seconds": cold,
        "cold_median": statistics.median(cold),
        "query_edit_seconds": after_query,
        "query_edit_median": statistics.median(after_query),
        "migration_edit_seconds": after_migration,
        "migration_edit_median": statistics.median(after_migration),
        "cached_check_seconds": cached_check,
        "cached_check_median": statistics.median(cached_check),
        "stages": {"query file edit": query_stages, "migration edit": migration_stages},
    }
    print(
        f"incremental real-shaped 1x: cold {result['cold_median']:.2f} s, "
        f"after a query file edit {result['query_edit_median']:.2f} s, "
        f"after a migration edit {result['migration_edit_median']:.2f} s, "
        f"cached check {result['cached_check_median']:.3f} s",
        flush=True,
    )
    return result


def _edit_rounds(
    layer: Path, rounds: int, make: Callable[[int], object], restore: Callable[[], object]
) -> tuple[list[float], list[Json]]:
    """Seconds of ``generate`` after each of ``rounds`` edits, each with the cache of
    the run before and each new (``make(round)`` writes a variant no earlier round
    wrote: a cache holding it would make the run a no-op); then the stages of a
    ``generate -v`` after one more. The layer is restored, and generated."""
    generate = [PYTHON, "-m", "pgsqlgen", "--config", "pyproject.toml", "generate"]
    _timed(generate, layer)
    seconds = []
    for round_ in range(rounds):
        make(round_)
        seconds.append(_timed(generate, layer)[0])
    make(rounds)
    process = subprocess.run(
        [*generate, "-v"], cwd=layer, capture_output=True, text=True, check=True
    )
    restore()
    _timed(generate, layer)
    return seconds, _parse_stages(process.stderr)


def plot(results: Json, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6.4, 4.2))
    for key, name, marker in (
        ("generation", "synthetic", "o"),
        ("real_shaped", "real-shaped", "^"),
    ):
        rows = [results[key][f"{scale}x"] for scale in SCALES]
        queries = [row["layer"]["queries"] for row in rows]
        ours = [row["ours_median"] for row in rows]
        axis.plot(queries, ours, f"{marker}-", label=f"sqlgen generate (cold), {name}")
        sqlc = [row["sqlc_median"] for row in rows]
        axis.plot(queries, sqlc, f"{marker}--", label=f"sqlc generate 1.31.1, {name}")
        for scale, x, y in zip(SCALES, queries, ours, strict=True):
            axis.annotate(f"{scale}x", (x, y), textcoords="offset points", xytext=(4, -12))
    axis.set_xlabel("queries in the layer (migrations and tables grow alike)")
    axis.set_ylabel("wall time, median (s)")
    axis.set_xlim(left=0)
    axis.set_ylim(bottom=0)
    axis.grid(alpha=0.3)
    axis.legend()
    axis.set_title("Cold generation of the bench layers")
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def _machine() -> Json:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    postgres = subprocess.run(
        ["postgres", "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    sqlc = subprocess.run([SQLC, "version"], capture_output=True, text=True, check=False)
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "postgres": postgres,
        "sqlc": sqlc.stdout.strip(),
        # Other work on the machine slows every measurement (ratios less so).
        "load_average_start": os.getloadavg()[0],
    }


def _verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def report(results: Json) -> str:
    """RESULTS.md: the machine, each measurement with its baseline, and the targets."""
    machine = results["machine"]
    generation_rows = results["generation"]
    one = generation_rows["1x"]
    check = results["check"]
    lines = [
        "# Benchmark results",
        "",
        f"Written by `make bench` on {machine['date']}: {machine['cpu']}, {machine['cores']} cores, "
        f"{machine['platform']}, Python {machine['python']}, {machine['postgres']}, "
        f"sqlc {machine['sqlc']}. Medians of alternating rounds; ratios compare two things "
        "measured in the same run. Load average (1 min) at the start "
        f"{machine['load_average_start']:.1f}, at the end {machine['load_average_end']:.1f}.",
        "",
        "## Targets",
        "",
        "| Target | Measured | |",
        "|---|---|---|",
        f"| Cold generation of the 1x layer no slower than sqlc (ours/sqlc at most 1.0) "
        f"| {one['ratio']:.2f} ({one['ours_median']:.2f} s vs {one['sqlc_median']:.2f} s) "
        f"| {_verdict(one['ratio'] <= 1.0)} |",
        f"| Growth linear (time per query at 4x within 25% of 1x) "
        f"| {_per_query(generation_rows['4x']) / _per_query(one):.2f}x the 1x cost per query "
        f"| {_verdict(_per_query(generation_rows['4x']) <= 1.25 * _per_query(one))} |",
        f"| No-op `sqlgen check` at most 0.3 s on the 1x layer | {check['cached_median']:.3f} s "
        f"| {_verdict(check['cached_median'] <= 0.3)} |",
        f"| Peak memory of generation at 1x at most 300 MB "
        f"| {one['ours_peak_rss_mib']:.0f} MiB | {_verdict(one['ours_peak_rss_mib'] <= 300)} |",
        *_real_shaped_targets(results["real_shaped"]),
        *_incremental_targets(results["incremental"]),
        *calls.target_rows(results["calls"]),
        "",
        "## 1. Generation at scale",
        "",
        "A deterministic synthetic layer (`bench/synth.py`) with the mix of a long real history. "
        "Cold runs: a new process each time, the output directory and the check cache removed "
        "first; sqlc writes Go (pgx/v5) from the same migrations and queries.",
        "",
        "| Scale | Migrations | Tables | Views | Queries | sqlgen (s) | sqlc (s) | ours/sqlc "
        "| Peak RSS (MiB) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for scale in SCALES:
        row = generation_rows[f"{scale}x"]
        layer = row["layer"]
        lines.append(
            f"| {scale}x | {layer['migrations']} | {layer['tables']} | {layer['views']} "
            f"| {layer['queries']} | {row['ours_median']:.2f} | {row['sqlc_median']:.2f} "
            f"| {row['ratio']:.2f} | {row['ours_peak_rss_mib']:.0f} |"
        )
    lines += [
        "",
        "![generation time against layer size](scaling.png)",
        "",
        "Where a cold `generate -v` at 1x spends its time (the rest of the run is Python "
        "start-up and imports):",
        "",
        "| Stage | Seconds | Handled |",
        "|---|---|---|",
        *(
            f"| {stage['name']} | {stage['seconds']:.3f} | {stage['detail']} |"
            for stage in one["stages"]
        ),
        "",
        *_real_shaped_section(results["real_shaped"]),
        *_incremental_section(results["incremental"]),
        "## 2. The pre-commit check",
        "",
        f"`sqlgen check` on the unchanged 1x layer: **{check['cached_median']:.3f} s** with the "
        f"verdict cache (Python itself starts in {check['python_startup_median']:.3f} s), "
        f"{check['full_median']:.2f} s for the full check (`--no-cache`, what CI runs).",
        "",
        "## 3. Calls",
        "",
        *calls.report_lines(results["calls"]),
        "",
    ]
    return "\n".join(lines)


def _real_shaped_targets(rows: Json) -> list[str]:
    """The targets of issue 15, on the real-shaped layer at 1x and 4x."""
    lines = []
    for scale in ("1x", "4x"):
        row = rows[scale]
        lines += [
            f"| Real-shaped {scale}: cold generation no slower than sqlc | {row['ratio']:.2f} "
            f"({row['ours_median']:.2f} s vs {row['sqlc_median']:.2f} s) "
            f"| {_verdict(row['ratio'] <= 1.0)} |",
            f"| Real-shaped {scale}: render and format at most 15% of the run "
            f"| {row['render_share']:.0%} | {_verdict(row['render_share'] <= 0.15)} |",
            f"| Real-shaped {scale}: no module through black | {row['modules_through_black']} "
            f"| {_verdict(row['modules_through_black'] == 0)} |",
            f"| Real-shaped {scale}: peak memory at most sqlc's "
            f"| {row['ours_peak_rss_mib']:.0f} MiB vs {row['sqlc_peak_rss_mib']:.0f} MiB "
            f"| {_verdict(row['ours_peak_rss_mib'] <= row['sqlc_peak_rss_mib'])} |",
        ]
    return lines


def _real_shaped_section(rows: Json) -> list[str]:
    lines = [
        "The real-shaped layer (`synth.py --real-shaped`): the synthetic layer plus, per family, "
        "a 44-column table and queries named as real projects name them (60-100 characters), "
        "with 20-40 parameters, `sqlc.embed`, JSON and strings with escapes and `LIKE` patterns.",
        "",
        "| Scale | Queries | sqlgen (s) | sqlc (s) | ours/sqlc | render+format | through black "
        "| Peak RSS ours/sqlc (MiB) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for scale in SCALES:
        row = rows[f"{scale}x"]
        lines.append(
            f"| {scale}x | {row['layer']['queries']} | {row['ours_median']:.2f} "
            f"| {row['sqlc_median']:.2f} | {row['ratio']:.2f} | {row['render_share']:.0%} "
            f"| {row['modules_through_black']} "
            f"| {row['ours_peak_rss_mib']:.0f} / {row['sqlc_peak_rss_mib']:.0f} |"
        )
    for scale in ("1x", "4x"):
        lines += [
            "",
            f"Stages of a cold `generate -v` of the real-shaped layer at {scale}:",
            "",
            "| Stage | Seconds | Handled |",
            "|---|---|---|",
            *(
                f"| {stage['name']} | {stage['seconds']:.3f} | {stage['detail']} |"
                for stage in rows[scale]["stages"]
            ),
        ]
    return [*lines, ""]


def _incremental_targets(row: Json) -> list[str]:
    """The targets of issue 15 for regeneration after an edit (real-shaped 1x)."""
    share = row["migration_edit_median"] / row["cold_median"]
    return [
        f"| Real-shaped 1x: generate after a one-query-file edit at most 0.5 s "
        f"| {row['query_edit_median']:.2f} s | {_verdict(row['query_edit_median'] <= 0.5)} |",
        f"| Real-shaped 1x: generate after a one-migration edit at most half a cold run "
        f"| {share:.0%} ({row['migration_edit_median']:.2f} s vs {row['cold_median']:.2f} s) "
        f"| {_verdict(share <= 0.5)} |",
        f"| Real-shaped 1x: no-op `sqlgen check` at most 0.3 s "
        f"| {row['cached_check_median']:.3f} s | {_verdict(row['cached_check_median'] <= 0.3)} |",
    ]


def _incremental_section(row: Json) -> list[str]:
    lines = [
        "Regeneration after an edit (`.sqlgen-cache/incremental-*`, docs/incremental.md), on "
        "the real-shaped 1x layer: `generate` with the cache of the run before, after one "
        "more query in one query file, and after a migration that adds a column to a table "
        "the queries read (each round makes the edit or takes it back). The last run is "
        "then checked against a cold one with `check --no-cache`.",
        "",
        "| Run | Median (s) | Share of a cold run |",
        "|---|---|---|",
    ]
    for label, key in (
        ("cold (no cache, no output)", "cold_median"),
        ("after a one-query-file edit", "query_edit_median"),
        ("after a one-migration edit", "migration_edit_median"),
        ("no-op `sqlgen check`", "cached_check_median"),
    ):
        lines.append(f"| {label} | {row[key]:.3f} | {row[key] / row['cold_median']:.0%} |")
    for edit, stages in row["stages"].items():
        lines += [
            "",
            f"Stages of a `generate -v` after a {edit}:",
            "",
            "| Stage | Seconds | Handled |",
            "|---|---|---|",
            *(f"| {s['name']} | {s['seconds']:.3f} | {s['detail']} |" for s in stages),
        ]
    return [*lines, ""]


def _per_query(row: Json) -> float:
    return float(row["ours_median"]) / int(row["layer"]["queries"])


def _step(name: str, action: Callable[[], Json]) -> Json:
    print(f"== {name}", flush=True)
    return action()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds per measurement")
    parser.add_argument("--json", type=Path, default=BENCH / "results.json")
    parser.add_argument(
        "--generation-only",
        action="store_true",
        help="measure generation of both layers and print it; write no report",
    )
    parser.add_argument(
        "--scales", type=int, nargs="+", default=list(SCALES), help="with --generation-only"
    )
    parser.add_argument(
        "--incremental-only",
        action="store_true",
        help="measure regeneration after an edit (real-shaped 1x) and print it; write no report",
    )
    args = parser.parse_args()
    if tuple(args.scales) != SCALES and not args.generation_only:
        parser.error("--scales needs --generation-only: the report covers every scale")
    scales = tuple(args.scales)
    # An installed package has its bytecode (pip compiles it at install); an
    # editable checkout under PYTHONDONTWRITEBYTECODE would compile every
    # module at each start, a tenth of a second no user pays.
    compileall.compile_dir(Path(pgsqlgen.__file__).parent, quiet=1)
    with tempfile.TemporaryDirectory(prefix="sqlgen-bench-") as scratch:
        work = Path(scratch)
        if args.incremental_only:
            print(json.dumps(incremental(work, args.rounds), indent=2))
            return 0
        results: Json = {"machine": _machine()}
        for name, real_shaped in LAYERS.items():
            results[_LAYER_KEYS[name]] = _step(
                f"generation, {name} layer",
                lambda real_shaped=real_shaped: generation(
                    work, args.rounds, real_shaped=real_shaped, scales=scales
                ),
            )
        if args.generation_only:
            print(json.dumps({key: results[key] for key in _LAYER_KEYS.values()}, indent=2))
            return 0
        results["check"] = _step("pre-commit check", lambda: precommit_check(work, args.rounds))
        results["incremental"] = _step(
            "regeneration after an edit", lambda: incremental(work, args.rounds)
        )
        results["calls"] = _step("calls", lambda: calls.run(args.rounds))
    results["machine"]["load_average_end"] = os.getloadavg()[0]
    args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    plot(results, BENCH / "scaling.png")
    (BENCH / "RESULTS.md").write_text(report(results), encoding="utf-8")
    print(f"wrote {BENCH / 'RESULTS.md'} and {BENCH / 'scaling.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
