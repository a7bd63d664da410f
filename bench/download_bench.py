"""How a million-line version downloads: time, rows/s and the serving worker's peak memory.

    .venv/bin/python bench/download_bench.py                     # 1,000,000 lines, CSV
    .venv/bin/python bench/download_bench.py --formats csv,json,zip,xlsx --lines 200000 --keep-db

Builds one SQLite database as ``flask setup`` leaves it, adds and publishes a generated spending
version (the same deterministic lines as ``bench/run.py`` and ``bench/import_bench.py``), starts the
portal under gunicorn (the benchmarks' servers: sync workers, each in a process group of its own)
and downloads ``/zh/data/<id>.<format>`` over HTTP, reading it in 1 MiB pieces. For each format:
wall-clock time, lines/s and MB/s, and the peak resident memory of the worker processes since they
started (``VmHWM`` in ``/proc``; a fresh server per format, so each peak is that format's alone).
Target: peak under 200 MB for the CSV (the file streams: memory does not grow with its length).
Exit status 0 when the benchmark ran, met or not; 1 when it could not run. Never part of the test
suite.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import sqlite3
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Run as a script, Python puts bench/ first on the path; the repository is needed instead (the
# bench package and the portal).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.lib import GUNICORN, OUT, BenchError, clear_portal_settings, source_fingerprint
from bench.lib.databases import setup_curated
from bench.lib.servers import Server, Servers, server_env
from bench.run import BENCH_TITLE, add_large_version

TARGET_PEAK_MB = 200
PIECE = 1 << 20


def build_database(path: Path, secret: str, lines: int) -> tuple[int, dict[str, Any]]:
    """A set-up database with one published generated version of *lines* lines; its id."""
    started = time.perf_counter()
    app = setup_curated(path, secret)
    timings = add_large_version(app, lines)
    app.extensions["portal.db"].engine.dispose()
    timings["setup_total_s"] = round(time.perf_counter() - started, 1)
    return generated_version(path)[0], timings


def generated_version(path: Path) -> tuple[int, int]:
    """The id and the number of lines of the generated version in the database at *path*."""
    with sqlite3.connect(path) as connection:
        found = connection.execute(
            "SELECT id, row_count FROM dataset_version WHERE title = ?", (BENCH_TITLE,)
        ).fetchone()
    if found is None:
        raise BenchError(f"{path} holds no generated version")
    return int(found[0]), int(found[1])


def worker_pids(server: Server) -> list[int]:
    """The gunicorn workers: the master's children."""
    pid = server.process.pid
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError as error:
        raise BenchError(f"cannot read the workers of {pid}: {error}") from error
    return [int(child) for child in children]


def status_mb(pid: int, key: str) -> float:
    """One memory figure of ``/proc/<pid>/status`` (``VmHWM``: the peak resident memory;
    ``RssAnon``: the process's own memory now; ``RssFile``: file pages mapped now, e.g. the SQLite
    database the portal memory-maps, shared with every process and the page cache), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) / 1024
    raise BenchError(f"no {key} for {pid}")


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def peak_rss_mb(pid: int) -> float:
    return status_mb(pid, "VmHWM")


def download(url: str) -> tuple[float, int, int]:
    """Seconds, bytes and lines of one download, read as it arrives."""
    started = time.perf_counter()
    size = lines = 0
    with urllib.request.urlopen(url, timeout=600) as answer:
        if answer.status != 200:
            raise BenchError(f"{url} answered {answer.status}")
        while piece := answer.read(PIECE):
            size += len(piece)
            lines += piece.count(b"\n")
    return time.perf_counter() - started, size, lines


def measure(servers: Servers, fmt: str, version_id: int, lines: int) -> dict[str, Any]:
    server = servers.start(f"portal-{fmt}", "portal:create_app()", "/healthz")
    try:
        workers = worker_pids(server)
        before = max(peak_rss_mb(pid) for pid in workers)
        cpu_before = cpu_seconds(workers)
        seconds, size, newlines = download(f"{server.base_url}/zh/data/{version_id}.{fmt}")
        cpu = cpu_seconds(workers) - cpu_before
        peak = max(peak_rss_mb(pid) for pid in workers)
        anon = max(status_mb(pid, "RssAnon") for pid in workers)
        mapped = max(status_mb(pid, "RssFile") for pid in workers)
    finally:
        servers.stop(server)
    if fmt == "csv" and newlines != lines + 1:
        raise BenchError(f"the CSV has {newlines} lines, not {lines} and a header")
    return {
        "format": fmt,
        "seconds": round(seconds, 2),
        "mb": round(size / 1e6, 1),
        "rows_per_s": round(lines / seconds),
        "worker_cpu_s": round(cpu, 2),
        "rows_per_cpu_s": round(lines / cpu) if cpu else None,
        "mb_per_s": round(size / 1e6 / seconds, 1),
        "worker_rss_before_mb": round(before, 1),
        "worker_peak_rss_mb": round(peak, 1),
        "worker_anon_after_mb": round(anon, 1),
        "worker_file_mapped_after_mb": round(mapped, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--formats", default="csv", help="comma-separated: csv,json,zip,xlsx")
    parser.add_argument("--keep-db", action="store_true", help="keep the work directory")
    parser.add_argument(
        "--database", type=Path, help="a database kept by --keep-db: measured again, not rebuilt"
    )
    args = parser.parse_args()
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    if not GUNICORN.exists():
        print(f"{GUNICORN} not found; run `make install`", file=sys.stderr)
        return 1
    clear_portal_settings()
    OUT.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="download-", dir=OUT))
    secret = secrets.token_hex(32)
    database = args.database.resolve() if args.database else workdir / "large.sqlite3"
    env = server_env(database, secret)
    # A sync worker is replaced after PORTAL_TIMEOUT seconds on one request (60 by default): on a
    # busy machine a million-line download can take longer (see the README: threads, or a longer
    # timeout, for serving large downloads).
    env["PORTAL_TIMEOUT"] = "900"
    servers = Servers(env, workdir)
    results: list[dict[str, Any]] = []
    timings: dict[str, Any] = {}
    try:
        if args.database:
            version_id, args.lines = generated_version(database)
            print(f"version {version_id} ({args.lines:,} lines) of {database}", flush=True)
        else:
            print(f"building a database with {args.lines:,} generated lines…", flush=True)
            version_id, timings = build_database(database, secret, args.lines)
            print(f"  version {version_id}, built in {timings['setup_total_s']} s", flush=True)
        for fmt in formats:
            result = measure(servers, fmt, version_id, args.lines)
            results.append(result)
            print(
                f"{fmt:5} {result['seconds']:7.2f} s  {result['rows_per_s']:>9,} rows/s  "
                f"(worker CPU {result['worker_cpu_s']} s: {result['rows_per_cpu_s']:,} rows/CPU s)  "
                f"{result['mb']:7.1f} MB ({result['mb_per_s']} MB/s)  worker peak RSS "
                f"{result['worker_peak_rss_mb']} MB (at start {result['worker_rss_before_mb']} MB; "
                f"after: own {result['worker_anon_after_mb']} MB, file-mapped "
                f"{result['worker_file_mapped_after_mb']} MB)",
                flush=True,
            )
    except BenchError as error:
        print(f"benchmark could not run: {error}", file=sys.stderr)
        return 1
    finally:
        servers.stop_all()
        if not args.keep_db:
            shutil.rmtree(workdir, ignore_errors=True)
    for result in results:
        met = result["worker_peak_rss_mb"] < TARGET_PEAK_MB
        print(
            f"{result['format']}: peak {result['worker_peak_rss_mb']} MB "
            f"(target < {TARGET_PEAK_MB} MB) {'PASS' if met else 'MISS'}"
        )
    summary = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "lines": args.lines,
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "code": source_fingerprint(),
        "database": timings,
        "downloads": results,
    }
    (OUT / "download_results.json").write_text(json.dumps(summary, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
