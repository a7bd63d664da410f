"""The declarative base, the engine and the per-request session.

One session per app context; it is committed once at the edge of a request (see ``commit_at_edge``)
and rolled back and closed when the context ends, so an error anywhere rolls everything back.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import (
    BigInteger,
    Connection,
    Engine,
    MetaData,
    Text,
    TypeDecorator,
    create_engine,
    event,
    exc,
    func,
    select,
)
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute, Session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


@dataclass
class Database:
    engine: Engine
    sessionmaker: sessionmaker[Session]
    #: Set by tests: the connection whose (never committed) transaction every session joins.
    test_connection: Connection | None = None
    #: Put in every session's ``info`` (what a commit reports the data version to).
    session_info: dict[str, Any] = field(default_factory=dict)
    _reader: threading.local = field(default_factory=threading.local)

    def bind_to(self, connection: Connection | None) -> None:
        """Make every new session join *connection*'s transaction through savepoints (tests);
        ``None`` goes back to the engine."""
        self.test_connection = connection
        if connection is None:
            self.sessionmaker = sessionmaker(
                bind=self.engine, expire_on_commit=False, info=self.session_info
            )
        else:
            self.sessionmaker = sessionmaker(
                bind=connection,
                expire_on_commit=False,
                join_transaction_mode="create_savepoint",
                info=self.session_info,
            )

    def read_scalar(self, sql: str) -> Any:
        """Run one read-only statement on this thread's own autocommit DBAPI connection.

        This is the hot path of every cached page (reading the data version): no session, no
        transaction, no pool checkout. A broken connection (database restarted) is replaced once;
        a second failure, or failing to connect at all, propagates as SQLAlchemy's own error (so
        that :func:`database_unavailable` can tell an unreachable database from a bug)."""
        if self.test_connection is not None:
            return self.test_connection.exec_driver_sql(sql).scalar()
        for attempt in (1, 2):
            kept = getattr(self._reader, "connection", None)
            try:
                connection = kept if kept is not None else self._autocommit_connection()
                self._reader.connection = connection
                cursor = connection.cursor()
                try:
                    cursor.execute(sql)
                    row = cursor.fetchone()
                finally:
                    cursor.close()
                return row[0] if row else None
            except Exception as error:
                broken, self._reader.connection = getattr(self._reader, "connection", None), None
                if broken is not None:
                    with suppress(Exception):
                        broken.close()
                if attempt == 2 or kept is None:
                    dbapi_error = self.engine.dialect.loaded_dbapi.Error
                    if isinstance(error, dbapi_error):
                        raise exc.DBAPIError.instance(sql, None, error, dbapi_error) from error
                    raise
        return None  # pragma: no cover - the loop returns or raises

    def dispose(self) -> None:
        """Close this thread's reader connection and every pooled one (tests, shutdown)."""
        connection, self._reader.connection = getattr(self._reader, "connection", None), None
        if connection is not None:
            with suppress(Exception):
                connection.close()
        self.engine.dispose()

    def _autocommit_connection(self) -> Any:
        proxy = self.engine.raw_connection()
        proxy.detach()  # ours now: the pool neither resets nor recycles it
        connection = proxy.dbapi_connection
        assert connection is not None
        if self.engine.dialect.name == "postgresql":
            connection.autocommit = True  # SQLite connections are already in autocommit mode
        return connection


#: SQLite's primary result codes that say the database cannot be used at the moment (no access,
#: busy or locked, out of memory, read-only, I/O error, corrupt, full, cannot open, locking
#: protocol, not a database) rather than that a statement is wrong.
SQLITE_UNAVAILABLE = {3, 5, 6, 7, 8, 10, 11, 13, 14, 15, 26}


def database_unavailable(error: BaseException) -> bool:
    """Whether *error* means the database cannot be reached or used right now (the reader should
    try again later: 503), rather than a bug (500)."""
    if isinstance(error, exc.DisconnectionError | exc.TimeoutError):
        return True
    if not isinstance(error, exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    sqlite_code = getattr(error.orig, "sqlite_errorcode", None)
    if sqlite_code is not None:
        return sqlite_code & 0xFF in SQLITE_UNAVAILABLE
    # Other drivers (psycopg): an operational error is the server, not the statement (connection
    # refused or lost, shut down, cancelled, serialization failure).
    return isinstance(error, exc.OperationalError)


#: The data version (see :mod:`portal.datasets`), for readers that skip the ORM: the hot path of
#: every cached page reads it with :meth:`Database.read_scalar`.
DATA_VERSION_SQL = "SELECT version FROM data_state WHERE id = 1"


#: How much of a SQLite database file is memory-mapped (the portal's read path).
SQLITE_MMAP_BYTES = 1 << 30


def make_engine(url: str, echo: bool = False, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not the pysqlite driver, decide where transactions begin, so that
            # BEGIN and SAVEPOINT behave as on other databases.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if ":memory:" not in url:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.execute("PRAGMA busy_timeout=10000")
                # Read through the operating system's page cache (shared by every worker)
                # instead of copying pages into each connection's small private cache.
                cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Connection) -> None:
            connection.exec_driver_sql("BEGIN")

        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, **kwargs)


def pool_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """The connection pool of each worker process for a server database (PostgreSQL), from the
    ``PORTAL_DB_*`` settings; SQLite keeps SQLAlchemy's own (it has no server to share)."""
    if str(config["DATABASE_URL"]).startswith("sqlite"):
        return {}
    return {
        "pool_size": int(config["DB_POOL_SIZE"]),
        "max_overflow": int(config["DB_MAX_OVERFLOW"]),
        "pool_timeout": float(config["DB_POOL_TIMEOUT"]),
        "pool_recycle": int(config["DB_POOL_RECYCLE"]),
    }


def init_app(app: Flask) -> None:
    engine = make_engine(
        app.config["DATABASE_URL"], echo=app.config["SQLALCHEMY_ECHO"], **pool_options(app.config)
    )
    info: dict[str, Any] = {}
    app.extensions["portal.db"] = Database(
        engine=engine,
        sessionmaker=sessionmaker(bind=engine, expire_on_commit=False, info=info),
        session_info=info,
    )

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session: Session | None = g.pop("_db_session", None)
        if session is not None:
            session.rollback()
            session.close()


def database() -> Database:
    db: Database = current_app.extensions["portal.db"]
    return db


def get_session() -> Session:
    """The session of the current app context (created on first use)."""
    if "_db_session" not in g:
        g._db_session = database().sessionmaker()
    session: Session = g._db_session
    return session


def commit_at_edge() -> None:
    """Commit the request's session if one was opened. Called once, after the view returned."""
    session: Session | None = g.get("_db_session")
    if session is not None and (
        session.new or session.dirty or session.deleted or session.in_transaction()
    ):
        session.commit()


class ScaledDecimal(TypeDecorator[Decimal]):
    """An exact decimal stored as a scaled integer.

    SQLite has no decimal type (SQLAlchemy's ``Numeric`` goes through floating point there), so exact
    amounts are kept as integers: ``places=4`` stores 万元 as whole yuan. Sums in SQL stay exact on
    every backend, and Python code only ever sees :class:`~decimal.Decimal`.
    """

    impl = BigInteger
    cache_ok = True

    def __init__(self, places: int) -> None:
        super().__init__()
        self.places = places
        self.factor = 10**places

    def process_bind_param(self, value: Decimal | int | str | None, dialect: Any) -> int | None:
        if value is None:
            return None
        scaled = Decimal(value) * self.factor
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than {self.places} decimal places")
        return int(scaled)

    def process_result_value(self, value: int | None, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        return from_scaled(int(value), self.places)


class JSONText(TypeDecorator[dict[str, Any]]):
    """A JSON object kept as text (sorted keys, UTF-8 as it is): Python sees a ``dict``, the
    database the same text on every backend, so append-only tables and their triggers need no
    change. Treat the value as read-only: copy it before changing it."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: dict[str, Any] | None, dialect: Any) -> str:
        return json.dumps(value or {}, ensure_ascii=False, sort_keys=True)

    def process_result_value(self, value: str | None, dialect: Any) -> dict[str, Any]:
        loaded = json.loads(value or "{}")
        return loaded if isinstance(loaded, dict) else {}


def from_scaled(value: int, places: int) -> Decimal:
    """Turn a scaled integer back into a decimal, keeping at least two places."""
    result = Decimal(value).scaleb(-places)
    two_places = result.quantize(Decimal("0.01"))
    return two_places if two_places == result else result.normalize()


def rollback_at_edge() -> None:
    """Roll the request's session back (a refused request changes nothing)."""
    session: Session | None = g.get("_db_session")
    if session is not None:
        session.rollback()


def distinct_values(
    session: Session, column: InstrumentedAttribute[Any], *, descending: bool = False
) -> list[Any]:
    """The distinct non-null values of an indexed *column*, in order, read by skipping through
    its index (a recursive query: one index lookup per value) rather than by scanning every row
    as ``SELECT DISTINCT`` does — for filter menus over tables that keep growing."""
    step = func.min if not descending else func.max
    beyond = (lambda value: column > value) if not descending else (lambda value: column < value)
    values = select(step(column).label("value")).cte("distinct_values", recursive=True)
    previous = values.alias("previous")
    following = (
        select(step(column)).where(beyond(previous.c.value)).scalar_subquery().label("value")
    )
    values = values.union_all(select(following).where(previous.c.value.is_not(None)))
    return list(session.scalars(select(values.c.value).where(values.c.value.is_not(None))))
