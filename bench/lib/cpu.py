"""CPU accounting: the time a server's processes spend, and how busy other processes keep the
machine (a shared machine makes req/s noisy; CPU time per request hardly depends on it)."""

from __future__ import annotations

import os
import time
from contextlib import suppress
from pathlib import Path


def process_group_cpu_s(pgid: int) -> float:
    """User + system CPU seconds of the live processes of a process group (gunicorn and workers)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:  # state, ppid, pgrp, …, utime (12th), stime (13th)
                total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def cpu_busy_share(seconds: float = 2.0) -> float:
    """The share of all CPUs busy over *seconds* (this process sleeps meanwhile: that is others)."""

    def sample() -> tuple[int, int]:
        with open("/proc/stat", encoding="ascii") as handle:
            values = [int(v) for v in handle.readline().split()[1:]]
        idle = values[3] + values[4]  # idle + iowait
        return sum(values[:8]) - idle, sum(values[:8])  # user … steal, not guest (counted in user)

    busy0, total0 = sample()
    time.sleep(seconds)
    busy1, total1 = sample()
    return (busy1 - busy0) / max(total1 - total0, 1)
