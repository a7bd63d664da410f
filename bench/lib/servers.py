"""gunicorn servers for the benchmarks: each in its own process group, polled until it answers,
stopped (master and workers) however the run ends."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from bench.lib import GUNICORN, ROOT, BenchError, without_portal_settings

WORKERS = 2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


class Servers:
    """Every gunicorn started here, each in its own process group, stopped however the run ends."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.running: list[Server] = []

    def start(
        self,
        name: str,
        app_spec: str,
        ready_path: str,
        *,
        config: Path | None = None,
        cpus: str | None = None,
    ) -> Server:
        """A gunicorn serving *app_spec*: with the benchmark's own settings (2 sync workers), or
        with a configuration file (*config*, e.g. the repository's gunicorn.conf.py: its workers,
        timeouts and the rest; only the address is given here). *cpus*: the CPUs it may use
        (``taskset -c``, e.g. ``"1"``), as if it ran on a machine of that size: gunicorn.conf.py
        counts the CPUs it may use for its workers."""
        port = free_port()
        log = self.log_dir / f"{name}.log"
        if config is not None:
            command = [str(GUNICORN), "--config", str(config), "--bind", f"127.0.0.1:{port}"]
            command += ["--log-level", "warning", app_spec]
        else:
            command = [
                str(GUNICORN),
                "--workers",
                str(WORKERS),
                "--worker-class",
                "sync",
                "--bind",
                f"127.0.0.1:{port}",
                "--chdir",
                str(ROOT),
                "--log-level",
                "warning",
                app_spec,
            ]  # no --access-logfile: gunicorn writes no access log by default, for either app
        if cpus is not None:
            command = ["taskset", "-c", cpus, *command]
        return self._launch(name, command, port, log, ready_path)

    def _launch(
        self, name: str, command: list[str], port: int, log: Path, ready_path: str
    ) -> Server:
        with log.open("wb") as handle:
            process = subprocess.Popen(
                command,
                env=self.env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        server = Server(name, process, f"http://127.0.0.1:{port}", log)
        self.running.append(server)
        self._wait_ready(server, ready_path)
        return server

    def _wait_ready(self, server: Server, path: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise BenchError(
                    f"{server.name} exited ({server.process.returncode}):\n{server.log_tail()}"
                )
            with (
                suppress(OSError),
                urllib.request.urlopen(server.base_url + path, timeout=5) as answer,
            ):
                if answer.status == 200:
                    return
            time.sleep(0.2)
        raise BenchError(
            f"{server.name} did not answer {path} within {timeout:.0f} s:\n{server.log_tail()}"
        )

    def stop(self, server: Server) -> None:
        process = server.process
        if process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)  # master and workers
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        # workers left behind by a master that died first
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        if server in self.running:
            self.running.remove(server)

    def stop_all(self) -> None:
        for server in list(self.running):
            self.stop(server)


def server_env(database: Path, secret: str) -> dict[str, str]:
    """The environment of every gunicorn: no other PORTAL_* setting (``make run`` exports PORTAL_DEBUG)."""
    env = without_portal_settings()
    env["PORTAL_DATABASE_URL"] = f"sqlite:///{database}"
    env["PORTAL_SECRET_KEY"] = secret
    return env
