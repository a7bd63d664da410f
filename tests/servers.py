"""What a test starts for itself, never the shared servers: a database of its own (a SQLite file,
or a PostgreSQL schema of the server ``PORTAL_TEST_DATABASE_URL`` names, dropped afterwards) and a
Redis server on a spare port, which it may stop and start again."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from sqlalchemy import create_engine, text

from portal import create_app
from portal.cli import setup_database
from tests.helpers import DATA_DIR

#: The databases every database test runs on: SQLite, and PostgreSQL when it is configured.
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("PORTAL_TEST_DATABASE_URL") else [])
REDIS_SERVER = shutil.which("redis-server")


def schema_url(base_url: str, schema: str) -> str:
    """*base_url* with *schema* as its search path."""
    separator = "&" if "?" in base_url else "?"
    return f"{base_url}{separator}options=-csearch_path%3D{schema}"


@contextmanager
def postgres_schema(prefix: str = "test") -> Iterator[str]:
    """A new schema on ``PORTAL_TEST_DATABASE_URL`` (so that parallel runs never clash): the URL
    that uses it. Dropped with everything in it afterwards."""
    base = os.environ["PORTAL_TEST_DATABASE_URL"]
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield schema_url(base, schema)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def migrate(url: str) -> None:
    """The schema and the curated data of data/, in the database at *url*."""
    app = create_app({"TESTING": True, "DATABASE_URL": url, "DATA_DIR": str(DATA_DIR)})
    with app.app_context():
        setup_database(DATA_DIR, log=lambda _m: None)
    dispose(app)


def close_reader_connection(app: Flask) -> None:
    """``Database.read_scalar`` keeps one autocommit connection per thread: close this thread's
    (a thread that ends, or an app that goes, would otherwise leave it to the garbage collector)."""
    reader = app.extensions["portal.db"]._reader
    connection = getattr(reader, "connection", None)
    if connection is not None:
        connection.close()
        reader.connection = None


def dispose(app: Flask) -> None:
    """Close the app's connections (its engine, and this thread's reader of the data version)."""
    close_reader_connection(app)
    app.extensions["portal.db"].engine.dispose()


@contextmanager
def empty_database(backend: str, path: Path) -> Iterator[str]:
    """An empty database of its own: the SQLite file *path*, or a new PostgreSQL schema. Its URL."""
    if backend == "sqlite":
        yield f"sqlite:///{path}"
        return
    with postgres_schema() as url:
        yield url


@contextmanager
def migrated_database(
    backend: str, directory: Path, sqlite_template: Path | None, prefix: str = "test"
) -> Iterator[str]:
    """A migrated database with the curated data, for one test: a copy of *sqlite_template* (made
    by :func:`migrate`) in *directory*, or a new PostgreSQL schema. Its URL."""
    if backend == "sqlite":
        assert sqlite_template is not None
        path = directory / f"{prefix}.sqlite3"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    with postgres_schema(prefix) as url:
        migrate(url)
        yield url


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class RedisServer:
    """``redis-server`` on a spare port, keeping nothing on disk, in *directory*."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert REDIS_SERVER is not None
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.directory)),
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
