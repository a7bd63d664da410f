"""The production stack: Debian's nginx with the shipped deploy/nginx.conf in front of two app
servers (gunicorn with the shipped gunicorn.conf.py) on one database and one Redis.

The slow tests start all of it (nginx, two gunicorns, a Redis of their own when redis-server is
installed; SQLite shared by both servers, or PostgreSQL when PORTAL_TEST_DATABASE_URL is set) and
show what readers and staff depend on: static files come from nginx's disk, compressed; a public
page is answered from nginx's cache after the first request, yet a publish through either server
is seen by the very next request; a signed-in page is never cached; a session works on both
servers; the app servers see the reader's address. ``make nginx-deps`` (part of ``make test``)
installs nginx when it is missing; without it they are skipped.

The fast tests check the pieces without servers: the hint that makes nginx store a shareable
response, gunicorn's settings, and the rendered nginx configuration."""

from __future__ import annotations

import getpass
import gzip
import hashlib
import http.client
import importlib.util
import json
import os
import re
import runpy
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from urllib.parse import urlencode

import pytest
from flask import Flask
from sqlalchemy import create_engine, text

from portal import create_app
from portal.cli import setup_database
from portal.datasets.models import DatasetKind, Stage
from portal.datasets.services import create_version, get_or_create_dataset
from portal.db import get_session
from portal.spending.curated import insert_budget_lines
from tests.helpers import DATA_DIR, csrf_token, make_user
from tests.servers import free_port

ROOT = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
REDIS_SERVER = shutil.which("redis-server")
GUNICORN = Path(sys.executable).parent / "gunicorn"
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("PORTAL_TEST_DATABASE_URL") else [])
EDITOR = "editor@example.org"
PASSWORD = "correct horse battery"
PAGE = "/en/?year=2023"
API = "/api/v1/areas?year=2023"
READER = "203.0.113.7"  # the reader's address, as a proxy in front of nginx would state it


def load_renderer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("nginx_conf", ROOT / "deploy" / "nginx_conf.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> dict:
        loaded = json.loads(self.body)
        assert isinstance(loaded, dict)
        return loaded


def fetch(
    port: int,
    path: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> Reply:
    """One request on a connection of its own (so nginx spreads them over its upstreams)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    sent = dict(headers or {})
    body = None
    if form is not None:
        body = urlencode(form).encode()
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        received: dict[str, str] = {}
        for name, value in response.getheaders():
            key = name.lower()
            received[key] = f"{received[key]}, {value}" if key in received else value
        return Reply(response.status, received, response.read())
    finally:
        connection.close()


def wait_until_answering(port: int, path: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        with suppress(OSError):
            if fetch(port, path).status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"no answer on {port}{path}:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


@dataclass
class Stack:
    nginx: int
    micro: int  # another nginx with --fresh-for 1
    servers: list[int]
    access_logs: list[Path]
    drafts: list[int]
    cookie: str = ""
    gunicorns: list[subprocess.Popen[bytes]] = field(default_factory=list)
    versioned: int | None = None  # another nginx with --versioned-by-redis (when it can run)
    redis: list[str] = field(default_factory=list)  # the redis-server command line
    redis_port: int = 0
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def through_nginx(self, path: str, **kwargs) -> Reply:
        return fetch(self.nginx, path, **kwargs)

    def log_lines(self, server: int) -> list[str]:
        return self.access_logs[server].read_text().splitlines()


def _database(backend: str, tmp: Path) -> tuple[str, str | None]:
    """A database of the stack's own: (URL, PostgreSQL schema to drop afterwards)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'portal.sqlite3'}", None
    base = os.environ["PORTAL_TEST_DATABASE_URL"]
    schema = f"test_nginx_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}", schema


def _prepare(url: str) -> list[int]:
    """Schema, curated data, an editor, and two drafts to publish (ids)."""
    app: Flask = create_app({"TESTING": True, "DATABASE_URL": url, "DATA_DIR": str(DATA_DIR)})
    drafts = []
    with app.app_context():
        setup_database(DATA_DIR, log=lambda _message: None)
        session = get_session()
        session.info["app"] = app
        make_user(session, EDITOR, password=PASSWORD)
        for year in (2031, 2032, 2033, 2034, 2035):
            dataset = get_or_create_dataset(session, DatasetKind.SPENDING, year, Stage.FINAL, "")
            version = create_version(
                session, dataset, title=f"{year}年决算", source="tests", content=b"draft"
            )
            insert_budget_lines(
                session,
                version.id,
                [("2050202", "", "", None, None, Decimal("1.00"))],
            )
            drafts.append(version.id)
        session.commit()
    app.extensions["portal.db"].dispose()
    return drafts


def start_nginx(
    prefix: Path,
    port: int,
    upstreams: list[str],
    fresh_for: int = 0,
    versioned_by_redis: str | None = None,
) -> subprocess.Popen[bytes]:
    """nginx with the shipped configuration, everything of its own under *prefix*."""
    assert NGINX is not None
    (prefix / "state").mkdir(parents=True)
    config = prefix / "nginx.conf"
    config.write_text(
        load_renderer().render(
            listen=f"127.0.0.1:{port}",
            upstreams=upstreams,
            static=ROOT / "static",
            state=prefix / "state",
            logs=prefix,
            user=getpass.getuser() if os.geteuid() == 0 else None,
            fresh_for=fresh_for,
            versioned_by_redis=versioned_by_redis,
        )
    )
    log = prefix / "nginx.out"
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [
                NGINX,
                *("-p", str(prefix), "-c", str(config), "-e", "stderr"),
                *("-g", f"daemon off; pid {prefix / 'nginx.pid'};"),
            ],
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        wait_until_answering(port, "/healthz", process, log)
    except RuntimeError:
        stop(process)
        raise
    return process


def start_redis(command: list[str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return process
        time.sleep(0.05)
    stop(process)
    raise RuntimeError("redis-server did not start")


def redis_command(port: int, *words: str) -> bytes:
    """One command to the stack's Redis; its raw answer."""
    request = b"*%d\r\n" % len(words) + b"".join(
        b"$%d\r\n%s\r\n" % (len(w.encode()), w.encode()) for w in words
    )
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(request)
        return connection.recv(65536)


@pytest.fixture(scope="module", params=BACKENDS)
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    if NGINX is None:
        pytest.skip("nginx is not installed (make nginx-deps installs Debian's)")
    if not GUNICORN.exists():
        pytest.skip("gunicorn is not installed in the virtual environment")
    tmp = tmp_path_factory.mktemp(f"nginx-{request.param}")
    url, schema = _database(request.param, tmp)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        drafts = _prepare(url)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
        nginx_port = free_port()
        env.update(
            PORTAL_DATABASE_URL=url,
            PORTAL_SECRET_KEY=secrets.token_hex(32),
            PORTAL_TRUSTED_PROXIES="127.0.0.1",
            PORTAL_PUBLIC_URL=f"http://127.0.0.1:{nginx_port}",
            PORTAL_WORKERS="2",
            PORTAL_LOG_LEVEL="WARNING",
        )
        redis: list[str] = []
        redis_port = 0
        if REDIS_SERVER is not None:
            redis_port = free_port()
            redis = [
                REDIS_SERVER,
                *("--port", str(redis_port), "--bind", "127.0.0.1", "--save", ""),
                *("--appendonly", "no", "--dir", str(tmp)),
            ]
            processes.append(start_redis(redis, redis_port))
            env["PORTAL_REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
        servers, logs, gunicorns = [], [], []
        for number in (1, 2):
            port, log = free_port(), tmp / f"server{number}.log"
            access = tmp / f"access{number}.log"
            with log.open("wb") as handle:
                process = subprocess.Popen(
                    [
                        str(GUNICORN),
                        *("-c", str(ROOT / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}"),
                        *("--access-logfile", str(access)),
                    ],
                    env=env,
                    stdout=handle,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
            processes.append(process)
            gunicorns.append(process)
            wait_until_answering(port, "/healthz", process, log)
            servers.append(port)
            logs.append(access)

        upstreams = [f"127.0.0.1:{port}" for port in servers]
        processes.append(start_nginx(tmp / "nginx", nginx_port, upstreams))
        micro_port = free_port()
        processes.append(start_nginx(tmp / "micro", micro_port, upstreams, fresh_for=1))
        versioned_port = None
        if redis and load_renderer().lua_available():
            versioned_port = free_port()
            processes.append(
                start_nginx(
                    tmp / "versioned",
                    versioned_port,
                    upstreams,
                    versioned_by_redis=f"127.0.0.1:{redis_port}/0",
                )
            )
        yield Stack(
            nginx_port,
            micro_port,
            servers,
            logs,
            drafts,
            gunicorns=gunicorns,
            versioned=versioned_port,
            redis=redis,
            redis_port=redis_port,
            processes=processes,
        )
    finally:
        for process in reversed(processes):
            stop(process)
        if schema is not None:
            admin = create_engine(os.environ["PORTAL_TEST_DATABASE_URL"])
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


def sign_in_through(stack: Stack) -> str:
    """Sign the editor in through nginx; the session cookie (``name=value``)."""
    page = stack.through_nginx("/zh/login")
    assert page.status == 200 and page.headers.get("x-cache-status") != "HIT"
    cookie = session_cookie(page)
    reply = stack.through_nginx(
        "/zh/login",
        method="POST",
        headers={"Cookie": cookie} if cookie else {},
        form={"csrf_token": csrf_token(page.text), "email": EDITOR, "password": PASSWORD},
    )
    assert reply.status in (302, 303), reply.text[:2000]
    cookie = session_cookie(reply) or cookie
    assert cookie
    return cookie


def session_cookie(reply: Reply) -> str:
    match = re.search(r"(portal_session=[^;]+)", reply.headers.get("set-cookie", ""))
    return match.group(1) if match else ""


def staff_token(port: int, cookie: str) -> str:
    page = fetch(port, "/zh/staff/", headers={"Cookie": cookie})
    assert page.status == 200, page.status
    return csrf_token(page.text)


def publish_through(server: int, draft: int, cookie: str) -> None:
    """Publish *draft* as the signed-in editor, through app server *server* itself."""
    published = fetch(
        server,
        f"/zh/staff/versions/{draft}/publish",
        method="POST",
        headers={"Cookie": cookie},
        form={"csrf_token": staff_token(server, cookie)},
    )
    assert published.status == 303, published.text[:2000]


# -- Through nginx (slow: servers of their own) ---------------------------------------------


@pytest.mark.slow
def test_static_files_come_from_nginx_compressed_and_immutable(stack: Stack) -> None:
    brotli = load_renderer().brotli_available()
    for name in ("css/portal.css", "vendor/chartjs/chart.umd.min.js"):
        original = (ROOT / "static" / name).read_bytes()
        digest = hashlib.sha256(original).hexdigest()[:12]
        url = f"/static/{name}?v={digest}"
        for asked, expected in (("br", "br" if brotli else None), ("gzip", "gzip"), ("", None)):
            reply = stack.through_nginx(url, headers={"Accept-Encoding": asked} if asked else {})
            assert reply.status == 200, (url, asked)
            assert reply.headers.get("content-encoding") == expected, (url, asked)
            assert reply.headers["cache-control"] == "public, max-age=31536000, immutable"
            assert "Accept-Encoding" in reply.headers.get("vary", ""), (url, asked)
            if expected is None:
                assert reply.body == original
            elif expected == "gzip":
                assert gzip.decompress(reply.body) == original
        plain = stack.through_nginx(f"/static/{name}")
        assert plain.headers["cache-control"] == "public, max-age=0, must-revalidate"
        assert plain.headers.get("etag")
    # nginx answered every one of them from disk: no app server saw a static file.
    for server in (0, 1):
        assert not [line for line in stack.log_lines(server) if "/static/" in line]


@pytest.mark.slow
def test_a_public_page_is_answered_from_the_cache_after_the_first_request(stack: Stack) -> None:
    for url in (PAGE, API):
        first = stack.through_nginx(url)
        assert first.status == 200
        assert first.headers["x-cache-status"] in {"MISS", "EXPIRED", "REVALIDATED"}
        assert first.headers["cache-control"] == "public, max-age=0, must-revalidate"
        assert "x-accel-expires" not in first.headers  # nginx keeps its hint to itself
        time.sleep(0.3)  # gunicorn logs a request after answering it
        before = sum(len(stack.log_lines(server)) for server in (0, 1))
        again = stack.through_nginx(url)
        assert again.status == 200 and again.body == first.body
        assert again.headers["x-cache-status"] in {"HIT", "REVALIDATED"}
        # The app server was only asked whether the page changed: a 304, no body rendered.
        time.sleep(0.3)
        answered = [
            line for server in (0, 1) for line in stack.log_lines(server)[-3:] if url in line
        ]
        assert sum(len(stack.log_lines(server)) for server in (0, 1)) == before + 1
        assert any(f'"GET {url} HTTP/1.1" 304' in line for line in answered), answered
        # A reader's own revalidation gets its 304 from nginx.
        conditional = stack.through_nginx(url, headers={"If-None-Match": first.headers["etag"]})
        assert conditional.status == 304


@pytest.mark.slow
def test_a_publish_through_either_server_is_seen_at_once(stack: Stack) -> None:
    cookie = stack.cookie or sign_in_through(stack)
    stack.cookie = cookie
    for server, draft in zip(stack.servers, stack.drafts[:2], strict=True):
        cached = stack.through_nginx(API)
        stack.through_nginx(PAGE)
        assert stack.through_nginx(API).headers["x-cache-status"] in {"HIT", "REVALIDATED"}
        before = cached.json()["data_version"]

        publish_through(server, draft, cookie)

        after = stack.through_nginx(API)  # the very next request, through the cache
        assert after.status == 200
        assert after.json()["data_version"] == before + 1
        assert after.headers["x-cache-status"] in {"EXPIRED", "MISS"}
        page = stack.through_nginx(PAGE)
        assert page.headers["x-data-version"] == str(before + 1)
        assert stack.through_nginx(API).headers["x-cache-status"] in {"HIT", "REVALIDATED"}


@pytest.mark.slow
def test_signed_in_pages_are_never_cached_and_the_session_works_on_both_servers(
    stack: Stack,
) -> None:
    cookie = stack.cookie or sign_in_through(stack)
    stack.cookie = cookie
    counts = [len(stack.log_lines(server)) for server in (0, 1)]
    for _ in range(8):  # nginx takes turns between the two servers
        staff = stack.through_nginx("/zh/staff/", headers={"Cookie": cookie})
        assert staff.status == 200, staff.status
        assert EDITOR in staff.text  # signed in, on whichever server answered
        assert "private" in staff.headers["cache-control"]
        assert "no-store" in staff.headers["cache-control"]
        assert staff.headers["x-cache-status"] == "BYPASS"
    time.sleep(0.2)
    for server in (0, 1):
        served = stack.log_lines(server)[counts[server] :]
        assert any('"GET /zh/staff/ HTTP/1.1" 200' in line for line in served), server

    # A public page asked for with the session: the reader's own copy, not stored ...
    stack.through_nginx(PAGE)
    mine = stack.through_nginx(PAGE, headers={"Cookie": cookie})
    assert mine.headers["x-cache-status"] == "BYPASS"
    assert "private" in mine.headers["cache-control"]
    # ... so the next anonymous reader gets the public one.
    anonymous = stack.through_nginx(PAGE)
    assert anonymous.headers["x-cache-status"] in {"HIT", "REVALIDATED"}
    assert EDITOR not in anonymous.text and "set-cookie" not in anonymous.headers

    # The sign-in form (it sets a cookie) is never stored either.
    for _ in range(2):
        form = stack.through_nginx("/zh/login")
        assert form.headers["x-cache-status"] == "MISS"
        assert "no-store" in form.headers["cache-control"]


@pytest.mark.slow
def test_the_app_servers_see_the_readers_address(stack: Stack) -> None:
    counts = [len(stack.log_lines(server)) for server in (0, 1)]
    for _ in range(2):
        stack.through_nginx("/healthz", headers={"X-Forwarded-For": READER})
    time.sleep(0.2)
    lines = [line for s in (0, 1) for line in stack.log_lines(s)[counts[s] :] if "/healthz" in line]
    assert lines and all(line.startswith(f"{READER} ") for line in lines), lines


# -- The pieces (fast) ----------------------------------------------------------------------


def test_shareable_responses_tell_nginx_to_store_and_revalidate(client) -> None:
    public = client.get(PAGE)
    names = [name.lower() for name, _ in public.headers.items()]
    assert public.headers["X-Accel-Expires"] == "@1"
    # First: nginx 1.22 lets a Cache-Control that comes before it say "do not store".
    assert names.index("x-accel-expires") < names.index("cache-control")
    again = client.get(PAGE, headers={"If-None-Match": public.headers["ETag"]})
    assert again.status_code == 304 and again.headers["X-Accel-Expires"] == "@1"
    for private in (client.get("/zh/login"), client.get("/healthz")):
        assert "X-Accel-Expires" not in private.headers


@pytest.mark.parametrize(
    ("cache_control", "extra", "stored"),
    [
        ("public, max-age=0, must-revalidate", [], True),
        ("public, no-cache", [], True),
        ("max-age=0, public", [], True),
        ("public, max-age=60", [], False),  # nginx keeps it 60 s by itself
        ("private, no-store", [], False),
        ("public, max-age=0, must-revalidate", [("Set-Cookie", "portal_session=x")], False),
    ],
)
def test_which_responses_nginx_is_told_to_store(
    cache_control: str, extra: list[tuple[str, str]], stored: bool
) -> None:
    from portal.proxy_cache import store_then_revalidate

    headers = [("ETag", '"v1-abc"'), ("Cache-Control", cache_control), *extra]
    assert store_then_revalidate(headers) is stored
    assert not store_then_revalidate([("Cache-Control", cache_control)])  # nothing to revalidate


def test_gunicorn_settings_follow_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    def settings(**env: str) -> dict:
        for name in ("PORTAL_TRUSTED_PROXIES", "PORTAL_WORKERS", "PORTAL_THREADS", "PORTAL_BIND"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(ROOT / "gunicorn.conf.py"))

    default = settings()
    assert default["workers"] == 2 * len(os.sched_getaffinity(0)) + 1
    assert default["worker_class"] == "sync" and default["bind"] == ["127.0.0.1:8000"]
    assert default["forwarded_allow_ips"] == ""  # no proxy trusted: gunicorn trusts none either
    # The app alone reads X-Forwarded-*: gunicorn applies none of them.
    assert default["secure_scheme_headers"] == {} and default["forwarder_headers"] == ""
    assert "%(h)s" in default["access_log_format"]
    listed = settings(PORTAL_TRUSTED_PROXIES="10.0.0.5, 10.1.0.0/16", PORTAL_WORKERS="3")
    assert listed["forwarded_allow_ips"] == "10.0.0.5/32,10.1.0.0/16" and listed["workers"] == 3
    assert settings(PORTAL_TRUSTED_PROXIES="1")["forwarded_allow_ips"] == "*"
    threaded = settings(PORTAL_THREADS="4", PORTAL_BIND="0.0.0.0:8000,[::]:8000")
    assert threaded["worker_class"] == "gthread"
    assert threaded["bind"] == ["0.0.0.0:8000", "[::]:8000"]


def test_the_nginx_configuration_is_complete(app: Flask, tmp_path: Path) -> None:
    renderer = load_renderer()
    text_ = renderer.render(
        listen="8080",
        upstreams=["10.0.0.11:8000", "10.0.0.12:8000"],
        static="/srv/portal/static",
        state=str(tmp_path),
        logs=str(tmp_path),
        brotli=False,
    )
    assert not re.search(r"\$\{PORTAL_NGINX_[A-Z_]+\}", text_)
    assert "server 10.0.0.11:8000" in text_ and "server 10.0.0.12:8000" in text_
    assert "brotli_static on" not in text_
    # The cookie it never caches is the app's session cookie.
    cookie = app.config["SESSION_COOKIE_NAME"]
    assert f"proxy_cache_bypass $cookie_{cookie};" in text_
    assert f"proxy_no_cache $cookie_{cookie} $portal_not_shared;" in text_
    assert not re.search(r"^\s*proxy_ignore_headers", text_, re.M)  # the app's headers count
    micro = renderer.render(
        listen="8080", upstreams=["10.0.0.11:8000"], static="/s", state="/t", logs="/l", fresh_for=2
    )
    assert "proxy_cache_valid 200 304 2s;" in micro
    assert "proxy_ignore_headers X-Accel-Expires Expires Cache-Control;" in micro
    with pytest.raises(ValueError):
        renderer.render(listen="80", upstreams=[], static="/s", state="/t", logs="/l")


def test_the_versioned_nginx_configuration(tmp_path: Path) -> None:
    """``--versioned-by-redis``: keyed by the version portal_version.lua reads, stored only when
    the app marks a response shareable, and never for a session."""
    renderer = load_renderer()

    def versioned(address: str, **extra) -> str:
        text_: str = renderer.render(
            listen="127.0.0.1:8080",
            upstreams=["127.0.0.1:8000"],
            static=str(ROOT / "static"),
            state=str(tmp_path),
            logs=str(tmp_path),
            user=None,
            versioned_by_redis=address,
            **extra,
        )
        return text_

    text_ = versioned("10.0.0.20:6379/2")
    assert 'host = "10.0.0.20", port = 6379, db = 2' in text_
    assert f'lua_package_path "{ROOT / "deploy"}/?.lua;;";' in text_
    ndk, lua = (f"load_module {path};" for path in renderer.LUA_MODULES)
    assert text_.index(ndk) < text_.index(lua)  # the Lua module needs the NDK loaded first
    assert 'proxy_cache_key "$scheme$host$request_uri$portal_version";' in text_
    assert "proxy_cache_bypass $portal_unversioned;" in text_
    assert "proxy_no_cache $portal_unversioned $portal_no_hint;" in text_
    # Everything of the default mode still holds: sessions, private answers, Set-Cookie.
    assert "proxy_cache_bypass $cookie_portal_session;" in text_
    assert "proxy_no_cache $cookie_portal_session $portal_not_shared;" in text_
    ignored = re.findall(r"^\s*proxy_ignore_headers([^;]*);", text_, re.M)
    assert ignored == [" X-Accel-Expires Expires Cache-Control"]  # never Set-Cookie
    assert "$portal_version" not in renderer.render(
        listen="80", upstreams=["127.0.0.1:8000"], static="/s", state="/t", logs="/l"
    )
    assert 'host = "[::1]", port = 6379, db = 0' in versioned("[::1]:6379")
    for wrong in ("10.0.0.20", "10.0.0.20:99999", "redis://10.0.0.20:6379", "redis.lan:6379"):
        with pytest.raises(ValueError):
            versioned(wrong)
    with pytest.raises(ValueError):
        versioned("127.0.0.1:6379", fresh_for=5)
    if NGINX is not None and renderer.lua_available():
        (tmp_path / "nginx.conf").write_text(versioned("[::1]:6379"))
        checked = subprocess.run(
            [NGINX, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e", "stderr"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert checked.returncode == 0, checked.stderr


@pytest.mark.slow
def test_a_micro_cache_answers_alone_and_catches_up_within_its_window(stack: Stack) -> None:
    """``--fresh-for 1``: within the second nginx does not ask the app at all; a publish is seen
    once the second is over; private answers are still never stored."""
    cookie = stack.cookie or sign_in_through(stack)
    stack.cookie = cookie
    fetch(stack.micro, API)
    time.sleep(0.3)
    before = sum(len(stack.log_lines(server)) for server in (0, 1))
    cached = fetch(stack.micro, API)
    assert cached.headers["x-cache-status"] == "HIT"
    time.sleep(0.3)
    assert sum(len(stack.log_lines(server)) for server in (0, 1)) == before  # nobody asked

    publish_through(stack.servers[0], stack.drafts[2], cookie)
    time.sleep(2.1)  # nginx counts whole seconds: "1 s" ends within two
    after = fetch(stack.micro, API)
    assert after.json()["data_version"] == cached.json()["data_version"] + 1

    for _ in range(2):
        staff = fetch(stack.micro, "/zh/staff/", headers={"Cookie": cookie})
        assert staff.headers["x-cache-status"] == "BYPASS" and EDITOR in staff.text
        health = fetch(stack.micro, "/healthz")  # no-store: never kept, even for a second
        assert health.headers["x-cache-status"] == "MISS"
        form = fetch(stack.micro, "/zh/login")  # sets a cookie
        assert form.headers["x-cache-status"] == "MISS"


# -- --versioned-by-redis: the cache keyed by the data version in Redis ----------------------


def versioned(stack: Stack) -> int:
    if stack.versioned is None:
        pytest.skip("needs redis-server and libnginx-mod-http-lua (make nginx-deps)")
    return stack.versioned


def app_requests(stack: Stack) -> int:
    time.sleep(0.3)  # gunicorn logs a request after answering it
    return sum(len(stack.log_lines(server)) for server in (0, 1))


def keyed(port: int, url: str) -> Reply:
    """*url* once it is keyed by a version (the first requests may find none in Redis yet)."""
    for _ in range(20):
        reply = fetch(port, url)
        if reply.headers["x-cache-status"] != "BYPASS":
            return reply
        time.sleep(0.1)
    raise AssertionError(f"{url} never keyed by a data version")


@pytest.mark.slow
def test_versioned_pages_come_from_the_cache_without_asking_the_app(stack: Stack) -> None:
    port = versioned(stack)
    for url in (PAGE, API):
        keyed(port, url)
        before = app_requests(stack)
        for _ in range(3):
            again = fetch(port, url)
            assert again.status == 200 and again.headers["x-cache-status"] == "HIT"
            # The reader sees the app's own headers; nginx's hint stays with nginx.
            assert again.headers["cache-control"] == "public, max-age=0, must-revalidate"
            assert "x-accel-expires" not in again.headers and "set-cookie" not in again.headers
        conditional = fetch(port, url, headers={"If-None-Match": again.headers["etag"]})
        assert conditional.status == 304
        assert app_requests(stack) == before  # no app server was asked at all


@pytest.mark.slow
def test_versioned_cache_shows_a_publish_through_either_server_at_once(stack: Stack) -> None:
    port = versioned(stack)
    cookie = stack.cookie or sign_in_through(stack)
    stack.cookie = cookie
    for server, draft in zip(stack.servers, stack.drafts[3:5], strict=True):
        keyed(port, API)
        keyed(port, PAGE)
        cached = fetch(port, API)
        assert cached.headers["x-cache-status"] == "HIT"
        before = cached.json()["data_version"]

        publish_through(server, draft, cookie)

        after = fetch(port, API)  # the very next request: a new key
        assert after.json()["data_version"] == before + 1
        assert after.headers["x-cache-status"] == "MISS"
        page = fetch(port, PAGE)
        assert page.headers["x-data-version"] == str(before + 1)
        again = fetch(port, API)
        assert again.headers["x-cache-status"] == "HIT" and again.body == after.body


@pytest.mark.slow
def test_versioned_cache_asks_the_app_while_a_publish_is_pending(stack: Stack) -> None:
    port = versioned(stack)
    stored = keyed(port, API)
    assert fetch(port, API).headers["x-cache-status"] == "HIT"
    # What a publish announces before its commit (a version above the database's, so the app's
    # own reads do not clear it).
    redis_command(stack.redis_port, "SET", "portal:data_version:pending", "999999:by-hand")
    try:
        before = app_requests(stack)
        for _ in range(3):
            reply = fetch(port, API)
            assert reply.status == 200 and reply.headers["x-cache-status"] == "BYPASS"
            assert reply.json()["data_version"] == stored.json()["data_version"]
        assert app_requests(stack) == before + 3  # each one answered by an app server
    finally:
        redis_command(stack.redis_port, "DEL", "portal:data_version:pending")
    assert fetch(port, API).headers["x-cache-status"] == "HIT"


@pytest.mark.slow
def test_versioned_cache_asks_the_app_while_redis_is_down(stack: Stack) -> None:
    port = versioned(stack)
    keyed(port, API)
    assert fetch(port, API).headers["x-cache-status"] == "HIT"
    version = redis_command(stack.redis_port, "GET", "portal:data_version").split(b"\r\n")[1]
    (redis,) = [p for p in stack.processes if p.args == stack.redis]
    stop(redis)
    stack.processes.remove(redis)
    try:
        before = app_requests(stack)
        for url in (API, PAGE, API):
            reply = fetch(port, url)
            # Nothing from the cache (it cannot know whether a publish happened meanwhile).
            assert reply.status == 200 and reply.headers["x-cache-status"] == "BYPASS", url
        assert app_requests(stack) == before + 3
    finally:
        stack.processes.insert(0, start_redis(stack.redis, stack.redis_port))
        stack.cookie = ""  # the sessions were in that Redis
    # Redis back, as if restored from a snapshot: the same version number, yet nothing stored
    # before the restart is taken for current (the key holds Redis's run id) ...
    redis_command(stack.redis_port, "SET", "portal:data_version", version.decode())
    time.sleep(1.1)  # each nginx worker leaves Redis alone for a second after it failed
    assert keyed(port, API).headers["x-cache-status"] == "MISS"
    # ... and what is stored after it is used.
    assert fetch(port, API).headers["x-cache-status"] == "HIT"


@pytest.mark.slow
def test_versioned_cache_never_keeps_signed_in_pages(stack: Stack) -> None:
    port = versioned(stack)
    cookie = stack.cookie or sign_in_through(stack)
    stack.cookie = cookie
    keyed(port, PAGE)
    for _ in range(2):
        staff = fetch(port, "/zh/staff/", headers={"Cookie": cookie})
        assert staff.status == 200 and EDITOR in staff.text
        assert staff.headers["x-cache-status"] == "BYPASS"
        mine = fetch(port, PAGE, headers={"Cookie": cookie})
        assert (
            mine.headers["x-cache-status"] == "BYPASS"
            and "private" in mine.headers["cache-control"]
        )
    anonymous = fetch(port, PAGE)
    assert anonymous.headers["x-cache-status"] == "HIT"
    assert EDITOR not in anonymous.text and "set-cookie" not in anonymous.headers
    assert fetch(port, "/zh/staff/").status in (302, 303)  # anonymous: to the sign-in, not the copy
    for _ in range(2):
        form = fetch(port, "/zh/login")  # sets a cookie: never stored
        assert form.headers["x-cache-status"] == "MISS" and "set-cookie" in form.headers
        health = fetch(port, "/healthz")  # no-store
        assert health.headers["x-cache-status"] == "MISS"


@pytest.mark.slow
def test_stored_pages_are_still_served_when_no_app_server_answers(stack: Stack) -> None:
    """Runs last in this module: it stops both app servers."""
    stored = stack.through_nginx(PAGE)
    assert stored.status == 200
    for process in stack.gunicorns:
        stop(process)
    reply = stack.through_nginx(PAGE)
    assert reply.status == 200 and reply.headers["x-cache-status"] == "STALE"
    assert reply.body == stored.body
    assert stack.through_nginx("/zh/staff/").status >= 500  # nothing private was stored
