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
    shutil.rmtree(layer / "out" / "go", ignore_errors=True)
    return _timed([SQLC, "generate", "-f", "sqlc.yaml"], layer)


def generation(work: Path, rounds: int) -> Json:
    """Cold generation of the synthetic layer at each scale, ours and sqlc alternately."""
    results: Json = {}
    for scale in SCALES:
        layer = work / f"layer-{scale}x"
        stats = synth.write_layer(layer, scale)
        ours: list[float] = []
        theirs: list[float] = []
        peak = 0
        _ours_generate(layer), _sqlc_generate(layer)  # warm the file cache
        for _ in range(rounds):
            seconds, rss = _ours_generate(layer)
            ours.append(seconds)
            peak = max(peak, rss)
            theirs.append(_sqlc_generate(layer)[0])
        results[f"{scale}x"] = {
            "scale": scale,
            "layer": asdict(stats),
            "ours_seconds": ours,
            "sqlc_seconds": theirs,
            "ours_median": statistics.median(ours),
            "sqlc_median": statistics.median(theirs),
            "ratio": statistics.median(ours) / statistics.median(theirs),
            "ours_peak_rss_mib": peak / 1024,
            "stages": _stages(layer),
        }
        print(
            f"generate {scale}x: ours {statistics.median(ours):.2f} s, "
            f"sqlc {statistics.median(theirs):.2f} s",
            flush=True,
        )
    return results


def _stages(layer: Path) -> list[Json]:
    """Where one in-process run spends its time, stage by stage."""
    from pgsqlgen.config.load import load_config
    from pgsqlgen.pipeline import Stage, run

    stages: list[Stage] = []
    run(load_config(layer / "pyproject.toml"), stages.append)
    return [asdict(stage) for stage in stages]


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


def plot(results: Json, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [results["generation"][f"{scale}x"] for scale in SCALES]
    queries = [row["layer"]["queries"] for row in rows]
    figure, axis = plt.subplots(figsize=(6.4, 4.2))
    axis.plot(queries, [r["ours_median"] for r in rows], "o-", label="sqlgen generate (cold)")
    axis.plot(queries, [r["sqlc_median"] for r in rows], "s--", label="sqlc generate 1.31.1")
    for scale, x, row in zip(SCALES, queries, rows, strict=True):
        axis.annotate(
            f"{scale}x", (x, row["ours_median"]), textcoords="offset points", xytext=(4, -12)
        )
    axis.set_xlabel("queries in the layer (migrations and tables grow alike)")
    axis.set_ylabel("wall time, median (s)")
    axis.set_xlim(left=0)
    axis.set_ylim(bottom=0)
    axis.grid(alpha=0.3)
    axis.legend()
    axis.set_title("Cold generation of the synthetic layer")
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
        "measured in the same run.",
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
        "Where an in-process run at 1x spends its time (the rest of a cold run is Python "
        "start-up and imports):",
        "",
        "| Stage | Seconds | Handled |",
        "|---|---|---|",
        *(
            f"| {stage['name']} | {stage['seconds']:.3f} | {stage['detail']} |"
            for stage in one["stages"]
        ),
        "",
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


def _per_query(row: Json) -> float:
    return float(row["ours_median"]) / int(row["layer"]["queries"])


def _step(name: str, action: Callable[[], Json]) -> Json:
    print(f"== {name}", flush=True)
    return action()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds per measurement")
    parser.add_argument("--json", type=Path, default=BENCH / "results.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sqlgen-bench-") as scratch:
        work = Path(scratch)
        results: Json = {"machine": _machine()}
        results["generation"] = _step("generation", lambda: generation(work, args.rounds))
        results["check"] = _step("pre-commit check", lambda: precommit_check(work, args.rounds))
        results["calls"] = _step("calls", lambda: calls.run(args.rounds))
    args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    plot(results, BENCH / "scaling.png")
    (BENCH / "RESULTS.md").write_text(report(results), encoding="utf-8")
    print(f"wrote {BENCH / 'RESULTS.md'} and {BENCH / 'scaling.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
