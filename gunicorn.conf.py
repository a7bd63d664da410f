"""gunicorn's settings for the portal in production: ``make serve`` runs
``gunicorn -c gunicorn.conf.py`` (the app is ``wsgi:app``, from the directory of this file).

Interface (every variable optional; a command-line flag such as ``--bind`` or ``--workers`` still
overrides this file, which is how tests and benchmarks pick their own port)::

    PORTAL_BIND             where to listen: host:port, or several comma-separated (default 127.0.0.1:8000)
    PORTAL_WORKERS          worker processes (default 2 × the CPUs this process may use + 1)
    PORTAL_THREADS          threads per worker (default 1: sync workers; more switches to gthread)
    PORTAL_TIMEOUT          seconds a worker may spend on one request before it is replaced (default 60)
    PORTAL_ACCESS_LOG       access log file, "-" for standard error (default), "" for none
    PORTAL_TRUSTED_PROXIES  the app's setting (portal/config.py), read here for forwarded_allow_ips

The app reads its own ``PORTAL_*`` settings (database, Redis, secret key, pool sizes) from the same
environment; see the README's "Deploying" section.

Why these choices:

- **Sync workers, one thread each.** The work is CPU (rendering, Argon2 at sign-in) and short
  database reads; nginx in front buffers request and response bodies, so a worker never waits on a
  slow client, which is what threads or async workers would buy. Threads in one process share one
  GIL and would each need a database connection. Set ``PORTAL_THREADS`` above 1 (gthread) when no
  buffering proxy is in front, or to let nginx keep upstream connections alive (sync workers close
  the connection after each response); give each worker a pool at least as large
  (``PORTAL_DB_POOL_SIZE``).
- **2 × CPUs + 1 workers**, gunicorn's rule of thumb: while one worker waits on PostgreSQL or
  Redis another uses the CPU. Each worker holds up to ``PORTAL_DB_POOL_SIZE`` +
  ``PORTAL_DB_MAX_OVERFLOW`` + 1 database connections: size PostgreSQL's ``max_connections`` for
  every worker of every server (README, "Pool sizing").
- **Proxies.** The app alone interprets ``X-Forwarded-For/-Proto/-Host/-Port`` (werkzeug's
  ProxyFix, only from ``PORTAL_TRUSTED_PROXIES``), so gunicorn must not apply them a second time:
  ``secure_scheme_headers`` and ``forwarder_headers`` are empty. ``forwarded_allow_ips`` still
  names the same proxies (their addresses; ``*`` when the setting is a count, since then the app
  believes whoever connects; nobody when it is empty), so that gunicorn's notion of a trusted peer
  never disagrees with the app's.
- **Access log.** ``%(h)s`` is ``REMOTE_ADDR`` after the request, which ProxyFix has replaced by
  the client's address as the trusted proxies give it (the address the audit log and the sign-in
  limits use), followed by the time taken in milliseconds.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from portal.config import parse_trusted_proxies  # noqa: E402  (needs ROOT on the path)


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this container or cgroup may use
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _forwarded_allow_ips() -> str:
    trusted = parse_trusted_proxies(os.environ.get("PORTAL_TRUSTED_PROXIES", ""))
    if isinstance(trusted, int):
        return "*" if trusted else ""
    return ",".join(str(network) for network in trusted)


wsgi_app = "wsgi:app"
chdir = str(ROOT)
proc_name = "portal"
bind = [
    address.strip()
    for address in os.environ.get("PORTAL_BIND", "127.0.0.1:8000").split(",")
    if address.strip()
]
workers = _int("PORTAL_WORKERS", 2 * _cpus() + 1)
threads = _int("PORTAL_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"
timeout = _int("PORTAL_TIMEOUT", 60)  # an upload is read, checked and stored in its request
graceful_timeout = 30  # a restart lets running requests finish for this long
keepalive = 5  # gthread only: how long an idle upstream connection from nginx is kept
# No control socket (gunicornc): signals and systemd manage the server, and several gunicorns on
# one machine (tests, benchmarks) would otherwise share $HOME/.gunicorn/gunicorn.ctl.
control_socket_disable = True
if Path("/dev/shm").is_dir():
    worker_tmp_dir = "/dev/shm"  # the workers' heartbeat files, never on a slow disk

forwarded_allow_ips = _forwarded_allow_ips()
secure_scheme_headers: dict[str, str] = {}
forwarder_headers = ""

accesslog = os.environ.get("PORTAL_ACCESS_LOG", "-") or None
access_log_format = '%(h)s - %(u)s %(t)s "%(r)s" %(s)s %(B)s "%(f)s" "%(a)s" %(M)sms'
errorlog = "-"
loglevel = os.environ.get("PORTAL_LOG_LEVEL", "info").lower()
