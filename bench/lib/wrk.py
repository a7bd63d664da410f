"""wrk runs: one run parsed into numbers, and a measurement (a warm-up run thrown away, then the
measured run with the server's CPU time per request)."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench.lib import BenchError
from bench.lib.cpu import process_group_cpu_s
from bench.lib.servers import Server

THREADS = 2
CONNECTIONS = 16
WARMUP_S = 2
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass
class WrkResult:
    url: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    socket_errors: dict[str, int]
    non_2xx: int
    server_cpu_us: float = 0.0  # CPU time of the server's processes per request


def parse_wrk(url: str, output: str) -> WrkResult:
    def latency(percentile: str) -> float:
        match = re.search(rf"^\s*{percentile}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
        if match is None:
            raise BenchError(f"no {percentile}% latency in wrk output:\n{output}")
        return float(match.group(1)) * UNITS[match.group(2)]

    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    requests = re.search(r"(\d+) requests in", output)
    if rps is None or requests is None:
        raise BenchError(f"cannot read wrk output:\n{output}")
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return WrkResult(
        url=url,
        rps=float(rps.group(1)),
        p50_ms=latency("50"),
        p99_ms=latency("99"),
        requests=int(requests.group(1)),
        socket_errors=dict(
            zip(
                ("connect", "read", "write", "timeout"),
                (int(n) for n in errors.groups()),
                strict=True,
            )
        )
        if errors
        else {},
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
    )


def wrk(
    url: str,
    duration: int,
    *,
    connections: int = CONNECTIONS,
    threads: int = THREADS,
    script: Path | None = None,
    allow_errors: bool = False,
    timeout_s: int | None = None,
) -> WrkResult:
    """One wrk run; a response that is not 2xx/3xx fails it unless *allow_errors* (the caller then
    reads ``non_2xx`` and ``socket_errors`` itself). *script*: a wrk Lua script (e.g. a new
    address for each request)."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    if script is not None:
        command += ["-s", str(script)]
    if timeout_s is not None:  # wrk's default: a response later than 2 s counts as an error
        command += ["--timeout", f"{timeout_s}s"]
    command.append(url)
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=duration + 60, check=False
    )
    if done.returncode != 0:
        raise BenchError(
            f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
        )
    result = parse_wrk(url, done.stdout)
    if result.requests == 0:
        raise BenchError(f"{url}: no request completed in {duration} s")
    if result.non_2xx and not allow_errors:
        raise BenchError(f"{url}: {result.non_2xx} of {result.requests} responses were not 2xx/3xx")
    return result


def measure(
    server: Server,
    path: str,
    duration: int,
    *,
    connections: int = CONNECTIONS,
    script: Path | None = None,
    base_url: str | None = None,
    also: tuple[Server, ...] = (),
) -> WrkResult:
    """A warm-up run (thrown away), then the measured run, with the server's CPU time per request:
    unlike req/s, that hardly depends on what else the machine is doing. *base_url*: send the
    requests there (e.g. a proxy in front of *server*) rather than to *server* itself; *also*:
    other servers behind it, whose CPU time is added."""
    url = (base_url or server.base_url) + path
    wrk(url, WARMUP_S, connections=connections, script=script)
    pids = [s.process.pid for s in (server, *also)]
    cpu_before = sum(process_group_cpu_s(pid) for pid in pids)
    result = wrk(url, duration, connections=connections, script=script)
    cpu_used = sum(process_group_cpu_s(pid) for pid in pids) - cpu_before
    result.server_cpu_us = round(cpu_used / result.requests * 1e6, 1)
    return result
