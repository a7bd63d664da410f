"""nginx for the benchmarks: the repository's deploy/nginx.conf, written by deploy/nginx_conf.py
for the app servers of the run, started in a directory of its own (cache, temporary files, logs)
and stopped however the run ends."""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from bench.lib import ROOT, BenchError
from bench.lib.servers import free_port

NGINX_CONF_SCRIPT = ROOT / "deploy" / "nginx_conf.py"


def nginx_conf_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("nginx_conf", NGINX_CONF_SCRIPT)
    if spec is None or spec.loader is None:
        raise BenchError(f"cannot load {NGINX_CONF_SCRIPT}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class Nginx:
    name: str
    process: subprocess.Popen[bytes]
    base_url: str
    directory: Path

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = (self.directory / "logs" / "error.log").read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


def start_nginx(
    name: str,
    workdir: Path,
    upstreams: list[str],
    *,
    cache: bool = True,
    versioned_by_redis: str | None = None,
) -> Nginx:
    """nginx with deploy/nginx.conf in front of *upstreams* (``host:port``). ``cache=False``: the
    same file with ``proxy_cache off`` (to measure the app servers through the proxy alone).
    *versioned_by_redis* (``IP:PORT/DB``): its cache keyed by the data version in that Redis
    (``--versioned-by-redis``), answering without asking the app servers."""
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        raise BenchError("nginx is not installed; install it with `sudo apt-get install nginx`")
    directory = workdir / name
    for sub in ("state", "logs"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    port = free_port()
    text = nginx_conf_module().render(
        listen=f"127.0.0.1:{port}",
        upstreams=upstreams,
        static=ROOT / "static",
        state=directory / "state",
        logs=directory / "logs",
        # Started as root, nginx's workers would run as nobody, who cannot write in our cache.
        user="root" if os.geteuid() == 0 else None,
        versioned_by_redis=versioned_by_redis,
    )
    if not cache:
        if "proxy_cache portal;" not in text:
            raise BenchError("deploy/nginx.conf has no `proxy_cache portal;` to turn off")
        text = text.replace("proxy_cache portal;", "proxy_cache off;")
    conf = directory / "nginx.conf"
    conf.write_text(text, encoding="utf-8")
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    command = [binary, "-p", str(directory), "-c", str(conf), "-e", "stderr"]
    command += ["-g", f"daemon off; pid {directory}/nginx.pid;"]
    with (directory / "logs" / "stderr.log").open("wb") as handle:
        process = subprocess.Popen(
            command,
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    proxy = Nginx(name, process, f"http://127.0.0.1:{port}", directory)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stderr = (directory / "logs" / "stderr.log").read_text(errors="replace")
            raise BenchError(f"nginx ({name}) exited ({process.returncode}):\n{stderr}")
        with suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return proxy
        time.sleep(0.1)
    proxy.stop()
    raise BenchError(f"nginx ({name}) did not listen on {port}")
