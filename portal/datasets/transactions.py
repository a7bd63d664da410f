"""Write transactions that wait their turn.

PostgreSQL serialises writers on row locks (``UPDATE data_state`` in every publish, ``SELECT … FOR
UPDATE`` on the version or dataset an action is about) and waits for them. SQLite has one writer
at a time: a transaction that has only read and then wants to write fails at once with "database
is locked" if another connection is writing or has written since (its snapshot is stale; SQLite's
busy timeout is not applied to that upgrade). So on SQLite a staff action takes the write lock
first — :func:`take_write_lock`, which does wait up to the busy timeout — and
:func:`retry_if_locked` starts the transaction over when it had already read.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

T = TypeVar("T")

#: A statement that changes nothing but makes SQLite take the write lock (or wait for it).
SQLITE_WRITE_LOCK = "UPDATE data_state SET version = version WHERE 0"


def is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def take_write_lock(session: Session) -> None:
    """On SQLite, become the writer now rather than at the first write (no-op elsewhere)."""
    if is_sqlite(session):
        session.connection().exec_driver_sql(SQLITE_WRITE_LOCK)


def is_locked_error(error: BaseException) -> bool:
    """SQLite's "database is locked" / "database is busy", whatever the driver wrapped it in."""
    original = getattr(error, "orig", error)
    return isinstance(original, sqlite3.OperationalError) and (
        "locked" in str(original) or "busy" in str(original)
    )


def retry_if_locked(session: Session, work: Callable[[], T], attempts: int = 4) -> T:
    """Run *work* (which begins with :func:`take_write_lock`); if SQLite refuses the lock because
    this transaction had already read, roll it back — nothing was written yet — and run it again.

    The rollback ends whatever the session's transaction held, so *work* must do all the writing
    the caller needs, and call sites must not have written before."""
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except OperationalError as error:
            if attempt == attempts or not is_locked_error(error):
                raise
            session.rollback()
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")  # pragma: no cover
