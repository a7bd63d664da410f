"""Inserting checked spending lines as fast as the database takes them: ``COPY`` on PostgreSQL,
multi-row ``INSERT`` on SQLite, SQLAlchemy Core elsewhere — in the session's transaction."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from itertools import chain, repeat
from typing import Any

from sqlalchemy import BigInteger, Column, Connection, Integer, MetaData, String, Table, insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from portal.spending.models import BudgetLine
from portal.spending.upload.spool import Spool

SQLITE_ROWS_PER_INSERT = 100
SQLITE_IMPORT_CACHE_KIB = 65_536

#: ``budget_line`` with plain integer amounts: the importer converts to whole 分 while checking.
_raw_lines = Table(
    BudgetLine.__tablename__,
    MetaData(),
    Column("version_id", Integer),
    Column("code", String(7)),
    Column("department", String(200)),
    Column("project", String(300)),
    Column("budget", BigInteger),
    Column("adjusted", BigInteger),
    Column("executed", BigInteger),
)
_LINE_COLUMNS = "version_id, code, department, project, budget, adjusted, executed"


Progress = Callable[[float], None] | None


def insert_spooled_lines(
    session: Session, version_id: int, spool: Spool, progress: Progress
) -> int:
    """Insert the checked lines as fast as the database takes them, in the session's transaction:
    ``COPY`` on PostgreSQL, multi-row ``INSERT`` on SQLite, SQLAlchemy Core elsewhere."""
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        return _copy_lines(connection, version_id, spool, progress)
    if dialect == "sqlite":
        return _insert_lines_sqlite(connection, version_id, spool, progress)
    names = ("code", "department", "project", "budget", "adjusted", "executed")
    done = 0
    for columns in spool.batches():
        rows = [
            dict(zip(names, row, strict=True), version_id=version_id)
            for row in zip(*columns, strict=True)
        ]
        session.execute(insert(_raw_lines), rows)
        done += len(rows)
        _report(progress, done, spool.lines)
    return done


def _report(progress: Progress, done: int, total: int) -> None:
    if progress is not None:
        progress(done / max(total, 1))


def _copy_lines(connection: Connection, version_id: int, spool: Spool, progress: Progress) -> int:
    done = 0
    cursor: Any = connection.connection.cursor()
    try:
        with cursor.copy(f"COPY {BudgetLine.__tablename__} ({_LINE_COLUMNS}) FROM STDIN") as copy:
            for columns in spool.batches():
                for row in zip(repeat(version_id), *columns, strict=False):
                    copy.write_row(row)
                done += len(columns[0])
                _report(progress, done, spool.lines)
    finally:
        cursor.close()
    return done


def _insert_lines_sqlite(
    connection: Connection, version_id: int, spool: Spool, progress: Progress
) -> int:
    statements: dict[int, str] = {}

    def statement(rows: int) -> str:
        if rows not in statements:
            one = f"({int(version_id)},?,?,?,?,?,?)"
            # The table, the columns and the integer id are ours; the values are bound.
            statements[rows] = (
                f"INSERT INTO {BudgetLine.__tablename__} ({_LINE_COLUMNS}) VALUES "  # nosec B608
                + ",".join([one] * rows)
            )
        return statements[rows]

    # A bigger page cache for this transaction: the insert touches many pages of one table.
    previous_cache = int(connection.exec_driver_sql("PRAGMA cache_size").scalar() or -2000)
    connection.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_IMPORT_CACHE_KIB}")
    cursor: Any = connection.connection.cursor()
    done, step = 0, SQLITE_ROWS_PER_INSERT * 6
    try:
        for columns in spool.batches():
            values = list(chain.from_iterable(zip(*columns, strict=True)))
            for i in range(0, len(values), step):
                part = values[i : i + step]
                cursor.execute(statement(len(part) // 6), part)
            done += len(values) // 6
            _report(progress, done, spool.lines)
    finally:
        cursor.close()
        with suppress(DBAPIError):
            connection.exec_driver_sql(f"PRAGMA cache_size = {previous_cache}")
    return done
