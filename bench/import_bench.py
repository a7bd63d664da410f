"""How fast the command-line import takes a large spending table, against SQLite's own CSV import.

    .venv/bin/python bench/import_bench.py                # 1,000,000 lines
    .venv/bin/python bench/import_bench.py --lines 200000 --keep

Generates one deterministic CSV (the bureau's Chinese headers, amounts in 万元 with two places),
then, in one run and on the same file: ``sqlite3``'s ``.import`` into a fresh table, our
``flask --app portal import spending`` into a freshly set-up portal database (a draft: checked,
written, committed), ``sqlite3`` once more (the baseline is the mean of the two runs around ours,
which cancels a load that drifts), and our import once more with ``--publish`` (for information:
that adds the aggregates). Wall-clock time of each process; peak resident memory of ours (from
``wait4``). Targets: rows/s at least 0.25 of sqlite3's, peak memory under 500 MB. Exit status 0
when the benchmark ran, met or not; 1 when it could not run. Never part of the test suite.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Run as a script, Python puts bench/ first on the path; the repository is needed instead (the
# bench package and the portal).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.lib import OUT, ROOT, BenchError, without_portal_settings
from bench.lib.databases import generated_lines, leaf_codes_for, setup_curated

YEAR = 2024
TARGET_RATIO = 0.25
TARGET_PEAK_MB = 500
HEADERS = ["科目编码", "科目名称", "部门", "项目", "预算数", "调整预算数", "决算数"]


def generate(path: Path, lines: int) -> None:
    """*lines* distinct leaf lines: 500 departments, one project per line, budget 0.01–200.00
    万元, the adjusted budget within ±10 % of it, final accounts 80–100 % of that."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADERS)
        for code, department, project, budget, adjusted, executed in generated_lines(
            lines, leaf_codes_for(YEAR), project_digits=7
        ):
            writer.writerow(
                [
                    code,
                    "",
                    department,
                    project,
                    f"{budget:.2f}",
                    f"{adjusted:.2f}",
                    f"{executed:.2f}",
                ]
            )


def run_timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, int, str]:
    """Wall seconds, peak RSS in kB (the child's own, from wait4) and output of *command*."""
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read().decode(errors="replace")
    if process.returncode != 0:
        raise BenchError(f"{' '.join(command[:6])}… failed ({process.returncode}):\n{text[-3000:]}")
    return elapsed, usage.ru_maxrss, text


def sqlite3_import(sqlite3_cli: str, csv_path: Path, workdir: Path, lines: int) -> float:
    database = workdir / "sqlite3-import.sqlite3"
    database.unlink(missing_ok=True)
    create = (
        "CREATE TABLE staging (code TEXT, name TEXT, department TEXT, project TEXT, "
        "budget TEXT, adjusted TEXT, executed TEXT);"
    )
    elapsed, _rss, _out = run_timed(
        [sqlite3_cli, str(database), create, f".import --csv --skip 1 {csv_path} staging"]
    )
    with sqlite3.connect(database) as connection:
        count = connection.execute("SELECT count(*) FROM staging").fetchone()[0]
    if count != lines:
        raise BenchError(f"sqlite3 imported {count} rows, not {lines}")
    database.unlink()
    return elapsed


def compile_portal() -> None:
    """Compile the portal's modules to bytecode, as installing a package does."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "portal")], check=True)


def portal_database(path: Path, secret: str) -> None:
    """A migrated database with the curated data, as ``flask setup`` leaves it."""
    setup_curated(path, secret).extensions["portal.db"].engine.dispose()


def portal_import(
    csv_path: Path, workdir: Path, lines: int, secret: str, publish: bool
) -> dict[str, Any]:
    database = workdir / ("portal-publish.sqlite3" if publish else "portal.sqlite3")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    portal_database(database, secret)
    env = without_portal_settings()
    env.update(PORTAL_DATABASE_URL=f"sqlite:///{database}", PORTAL_SECRET_KEY=secret)
    # As installed: the portal's bytecode compiled once (see compile_portal), not again by every
    # run. (Some shells export PYTHONDONTWRITEBYTECODE, which makes Python compile every module
    # from source at each start: that measures the compiler, not the import.)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    command = [
        sys.executable, "-m", "flask", "--app", "portal", "import", "spending", str(csv_path),
        "--year", str(YEAR), "--stage", "final", "--title", "基准测试导入",
        "--source", "bench/import_bench.py", "--lang", "en", "--unit", "wan",
    ]  # fmt: skip
    if publish:
        command += ["--publish", "--confirm-figures"]
    elapsed, peak_kb, output = run_timed(command, env)
    if f"Imported {lines} rows" not in output:
        raise BenchError(f"the import did not report {lines} rows:\n{output[-2000:]}")
    with sqlite3.connect(database) as connection:
        version_id, published = connection.execute(
            "SELECT v.id, d.published_version_id = v.id FROM dataset_version v "
            "JOIN dataset d ON d.id = v.dataset_id WHERE v.title = '基准测试导入'"
        ).fetchone()
        count = connection.execute(
            "SELECT count(*) FROM budget_line WHERE version_id = ?", (version_id,)
        ).fetchone()[0]
    if count != lines or bool(published) != publish:
        raise BenchError(f"the new version holds {count} lines (published: {published})")
    return {"seconds": round(elapsed, 2), "peak_rss_mb": round(peak_kb / 1024, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    sqlite3_cli = shutil.which("sqlite3")
    if sqlite3_cli is None:
        print("sqlite3 (the command-line shell) is needed: sudo apt-get install sqlite3")
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="import-", dir=OUT))
    secret = secrets.token_hex(32)
    try:
        csv_path = workdir / "spending.csv"
        print(f"generating {args.lines:,} lines…", flush=True)
        generate(csv_path, args.lines)
        size_mb = csv_path.stat().st_size / 1e6
        print(f"  {csv_path.name}: {size_mb:.1f} MB", flush=True)
        compile_portal()

        baseline_before = sqlite3_import(sqlite3_cli, csv_path, workdir, args.lines)
        print(f"sqlite3 .import            {baseline_before:6.2f} s", flush=True)
        ours = portal_import(csv_path, workdir, args.lines, secret, publish=False)
        print(
            f"flask import spending      {ours['seconds']:6.2f} s   peak {ours['peak_rss_mb']} MB",
            flush=True,
        )
        baseline_after = sqlite3_import(sqlite3_cli, csv_path, workdir, args.lines)
        print(f"sqlite3 .import            {baseline_after:6.2f} s", flush=True)
        published = portal_import(csv_path, workdir, args.lines, secret, publish=True)
        print(
            f"flask import … --publish   {published['seconds']:6.2f} s   peak {published['peak_rss_mb']} MB",
            flush=True,
        )
    except BenchError as error:
        print(f"benchmark could not run: {error}", file=sys.stderr)
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    baseline = (baseline_before + baseline_after) / 2
    sqlite_rate = args.lines / baseline
    our_rate = args.lines / ours["seconds"]
    ratio = our_rate / sqlite_rate
    peak = max(ours["peak_rss_mb"], published["peak_rss_mb"])
    verdict = {
        "ratio": "PASS" if ratio >= TARGET_RATIO else "MISS",
        "memory": "PASS" if peak < TARGET_PEAK_MB else "MISS",
    }
    print()
    print(f"{'':28}{'rows/s':>12}")
    print(f"{'sqlite3 .import (mean)':28}{sqlite_rate:12,.0f}")
    print(f"{'flask import spending':28}{our_rate:12,.0f}")
    print(f"ratio {ratio:.2f} (target ≥ {TARGET_RATIO}) {verdict['ratio']}")
    print(f"peak RSS {peak} MB (target < {TARGET_PEAK_MB} MB) {verdict['memory']}")
    results = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "lines": args.lines,
        "file_mb": round(size_mb, 1),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "sqlite3_seconds": [round(baseline_before, 2), round(baseline_after, 2)],
        "sqlite3_rows_per_s": round(sqlite_rate),
        "import": ours,
        "import_rows_per_s": round(our_rate),
        "import_with_publish": published,
        "ratio": round(ratio, 3),
        "verdict": verdict,
    }
    (OUT / "import_results.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
