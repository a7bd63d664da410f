"""A database that goes away: pages and the API answer a localised 503 with Retry-After, and the
same app serves again once the database is back, without a restart.

PostgreSQL: a cluster of the test's own on a spare port (never the shared one), stopped and
started again during the test. SQLite: a database that cannot be opened, then appears."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine
from sqlalchemy.exc import DBAPIError

from portal import create_app
from portal.cli import setup_database
from portal.db import database_unavailable
from tests.helpers import make_user, sign_in

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
PAGES = ["/en/", "/zh/", "/en/areas/housing", "/zh/proposals"]
API = ["/api/v1/areas", "/api/v1/proposals"]


def _postgres_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    candidates = [Path(found).resolve().parent] if found else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for directory in candidates:
        if (directory / "pg_ctl").exists() and (directory / "initdb").exists():
            return directory
    return None


class Cluster:
    """A throwaway PostgreSQL cluster (run as the ``postgres`` user when we are root: the server
    refuses to run as root)."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="portal-pg-"))
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            self.as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.root, "postgres")
        with socket.socket() as probe:  # a free port, as the system hands one out
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(
            [*self.as_user, str(self.bin / tool), *args],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=120,
        )

    def init(self) -> None:
        data = str(self.root / "data")
        self._run("initdb", "-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.root / "server.log")
        self._run("pg_ctl", "-D", str(self.root / "data"), "-o", options, "-l", log, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.root / "data"), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        subprocess.run(
            [*self.as_user, str(self.bin / "pg_ctl"), "-D", str(self.root / "data"), "-m",
             "immediate", "-w", "stop"],
            check=False,
            capture_output=True,
            timeout=60,
        )  # fmt: skip
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: cannot start PostgreSQL as postgres")
    own = Cluster(bin_dir)
    try:
        own.init()
        own.start()
        yield own
    finally:
        own.remove()


@pytest.fixture(scope="module")
def postgres_app(cluster: Cluster) -> Iterator[Flask]:
    # As in production, an error outside a view is answered, not raised into the test.
    app = create_app(
        {
            "TESTING": True,
            "PROPAGATE_EXCEPTIONS": False,
            "DATABASE_URL": cluster.url,
            "DATA_DIR": str(DATA_DIR),
        }
    )
    with app.app_context():
        setup_database(DATA_DIR, log=lambda _message: None)
    yield app
    app.extensions["portal.db"].dispose()


def assert_unavailable(client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 503, url
    assert int(response.headers["Retry-After"]) > 0
    assert "no-store" in response.headers["Cache-Control"]
    if url.startswith("/api/"):
        assert response.mimetype == "application/problem+json"
        assert response.json["status"] == 503 and response.json["detail"]
    else:
        body = response.get_data(as_text=True)
        assert response.mimetype == "text/html"
        expected = "cannot reach its data" if url.startswith("/en/") else "暂时无法读取数据"
        assert expected in body, url


def assert_served(client, url: str) -> None:
    assert client.get(url).status_code == 200, url


def test_postgresql_down_then_back(cluster: Cluster, postgres_app: Flask) -> None:
    reader = postgres_app.test_client()
    signed_in = postgres_app.test_client()
    with postgres_app.app_context():
        from portal.db import get_session

        make_user(get_session(), "outage@example.org")
    assert sign_in(signed_in, "outage@example.org", "correct horse battery").status_code == 302
    for url in PAGES + API:
        assert_served(reader, url)
    assert_served(signed_in, "/en/account/password")

    cluster.stop()
    try:
        for url in PAGES + API:
            assert_unavailable(reader, url)
        # A signed-in reader's session lives in the database too.
        assert_unavailable(signed_in, "/en/")
        assert_unavailable(signed_in, "/en/account/password")
        assert reader.get("/healthz").status_code == 503
    finally:
        cluster.start()

    for url in PAGES + API:
        assert_served(reader, url)
    assert_served(signed_in, "/en/account/password")
    assert reader.get("/healthz").status_code == 200


def test_sqlite_unreadable_then_back(tmp_path: Path) -> None:
    ready = tmp_path / "ready" / "portal.sqlite3"
    ready.parent.mkdir()
    builder = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{ready}"})
    with builder.app_context():
        setup_database(DATA_DIR, log=lambda _message: None)
    builder.extensions["portal.db"].dispose()

    later = tmp_path / "later" / "portal.sqlite3"  # its folder does not exist yet
    app = create_app(
        {"TESTING": True, "PROPAGATE_EXCEPTIONS": False, "DATABASE_URL": f"sqlite:///{later}"}
    )
    client = app.test_client()
    for url in PAGES + API:
        assert_unavailable(client, url)

    later.parent.mkdir()
    shutil.copy(ready, later)
    for url in PAGES + API:
        assert_served(client, url)
    app.extensions["portal.db"].dispose()

    # Not a database at all (a file overwritten by something else): 503, not 500.
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"not a database " * 1000)
    broken = create_app(
        {"TESTING": True, "PROPAGATE_EXCEPTIONS": False, "DATABASE_URL": f"sqlite:///{garbage}"}
    )
    assert_unavailable(broken.test_client(), "/en/")
    assert_unavailable(broken.test_client(), "/api/v1/areas")
    broken.extensions["portal.db"].dispose()


def test_a_bug_is_still_a_500(tmp_path: Path) -> None:
    """An empty database (no tables: a statement the schema cannot answer) is a bug to fix,
    not an outage to wait out."""
    empty = tmp_path / "empty.sqlite3"
    app = create_app(
        {"TESTING": True, "PROPAGATE_EXCEPTIONS": False, "DATABASE_URL": f"sqlite:///{empty}"}
    )
    response = app.test_client().get("/en/")
    assert response.status_code == 500 and "Retry-After" not in response.headers
    app.extensions["portal.db"].dispose()


def test_a_locked_sqlite_database_is_an_outage(tmp_path: Path) -> None:
    """Another process holds the write lock past the wait: an outage (503), as SQLite says it."""
    path = tmp_path / "locked.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN EXCLUSIVE")
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})
    try:
        with pytest.raises(DBAPIError) as caught, engine.connect() as connection:
            connection.exec_driver_sql("SELECT x FROM t").all()
        assert "locked" in str(caught.value) and database_unavailable(caught.value)
        holder.execute("ROLLBACK")
        with pytest.raises(DBAPIError) as wrong, engine.connect() as connection:
            connection.exec_driver_sql("SELECT nothing FROM nowhere").all()
        assert not database_unavailable(wrong.value)  # a wrong statement stays a bug
    finally:
        engine.dispose()
        holder.close()
