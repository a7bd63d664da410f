"""What the benchmarks share: the repository's paths, the set-up error, the checks made before
measuring and the fingerprint of the code measured. The modules beside it hold the rest:

- ``databases``: migrated SQLite databases with the curated data, generated budget lines;
- ``servers``: gunicorn servers in process groups of their own, stopped however a run ends;
- ``wrk``: one wrk run parsed, and a measurement (warm-up, run, the server's CPU per request);
- ``cpu``: CPU time of a process group, and how busy the machine is with other work.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import signal
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
OUT = ROOT / "bench" / "out"
BIN = Path(sys.executable).parent
GUNICORN = BIN / "gunicorn"


class BenchError(RuntimeError):
    """Something is wrong with the set-up; the numbers would mean nothing."""


def without_portal_settings() -> dict[str, str]:
    """This process's environment without any ``PORTAL_*`` setting (``make run`` exports
    PORTAL_DEBUG; a shell may hold others): what the benchmark sets is all the portal gets."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}


def clear_portal_settings() -> None:
    """Remove every ``PORTAL_*`` setting from this process's environment, so that the databases
    are built with nothing but the settings passed explicitly."""
    for key in [k for k in os.environ if k.startswith("PORTAL_")]:
        del os.environ[key]


def preflight() -> None:
    """wrk and gunicorn are there; a warning when the translations are not compiled."""
    if shutil.which("wrk") is None:
        raise BenchError(
            "wrk is not installed; install it with `sudo apt-get install wrk` (Debian/Ubuntu)."
        )
    if not GUNICORN.exists():
        raise BenchError(
            f"{GUNICORN} not found; run `make install` (this script must run from the venv)."
        )
    if not list((ROOT / "portal" / "translations").glob("*/LC_MESSAGES/*.mo")):
        print(
            "warning: no compiled translations (portal/translations/*/LC_MESSAGES/*.mo); "
            "`make bench` compiles them — pages will render untranslated",
            file=sys.stderr,
        )


def source_fingerprint() -> str:
    """A hash of the portal's code and templates, so results can be matched to what was measured
    (the servers load the code when they start; edits made during a run are reported)."""
    digest = hashlib.sha256()
    files = [*(ROOT / "portal").rglob("*.py"), *(ROOT / "templates").rglob("*.html")]
    for path in sorted(files):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def write_report(
    name: str,
    *,
    settings: dict[str, Any],
    source: tuple[str, str],
    busy_before: float,
    load: tuple[float, float],
    **results: Any,
) -> Path:
    """Write ``bench/out/<name>``: when, with which settings, on which code (*source*: its
    fingerprint before and after the run) and machine (how busy with other work before, its
    1-minute load before and after), and *results*."""
    report = {
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": settings,
        "portal_source": {"before": source[0], "after": source[1]},
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpu_busy_share_before": round(busy_before, 3),
            "loadavg_1min_before": round(load[0], 2),
            "loadavg_1min_after": round(load[1], 2),
        },
        **results,
    }
    path = OUT / name
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwrote {path}")
    return path


def run_bench(run: Callable[[Any], int], args: Any) -> int:
    """Run a benchmark's *run(args)* as a command: SIGTERM and Ctrl-C stop it (the servers it
    started are stopped by its own ``finally``) with status 130, a set-up error is one line on
    standard error with status 1."""

    def terminate(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with SIGINT ignored
    try:
        return run(args)
    except BenchError as error:
        print(f"bench failed: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench interrupted; servers stopped", file=sys.stderr)
        return 130
