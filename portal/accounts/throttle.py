"""Where the login limits are counted: in Redis when the portal has one, otherwise in the database —
never in a worker's memory, where each of four workers would allow the limit again.

Flask-Limiter's ``Limiter`` is one object for the whole process, and keeps the storage of the last
app it was bound to. Its storage is therefore :class:`AppStorage`, which hands every call to the
storage of the app handling the request (``app.extensions["portal.rate_limits"]``)."""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, has_app_context
from limits.errors import StorageError
from limits.storage import Storage, storage_from_string
from sqlalchemy import Connection, case, delete, select
from sqlalchemy.exc import SQLAlchemyError

from portal.accounts.models import RateLimitCounter
from portal.db import Database

#: Rows of windows that ended are swept out on about one increment in this many.
PURGE_ONE_IN = 100
#: Longer keys (a pasted essay as the e-mail address) are stored by digest.
MAX_KEY_LENGTH = 255


class DatabaseStorage(Storage):
    """Fixed-window counters in ``rate_limit_counter``, one atomic upsert per hit.

    Each call is a short transaction of its own, committed at once: an attempt counts even when
    the request it belongs to is refused and rolled back."""

    STORAGE_SCHEME = None

    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        if self.db.test_connection is not None:  # tests: inside the test's transaction
            with self.db.test_connection.begin_nested():
                yield self.db.test_connection
        else:
            with self.db.engine.begin() as connection:
                yield connection

    @staticmethod
    def _key(key: str) -> str:
        if len(key) <= MAX_KEY_LENGTH:
            return key
        return key[:180] + "#" + hashlib.sha256(key.encode()).hexdigest()

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        dialect = self.db.engine.dialect.name
        # The dialect's own INSERT … ON CONFLICT, imported for the engine in use only.
        dialect_insert: Any
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        insert = dialect_insert(RateLimitCounter).values(
            limit_key=self._key(key), hits=amount, expires_at=now + expiry
        )
        ended = RateLimitCounter.expires_at <= now
        stmt = insert.on_conflict_do_update(
            index_elements=[RateLimitCounter.limit_key],
            set_={
                "hits": case((ended, amount), else_=RateLimitCounter.hits + amount),
                "expires_at": case((ended, now + expiry), else_=RateLimitCounter.expires_at),
            },
        ).returning(RateLimitCounter.hits)
        with self._connection() as connection:
            hits = int(connection.execute(stmt).scalar_one())
            if random.randrange(PURGE_ONE_IN) == 0:
                connection.execute(
                    delete(RateLimitCounter).where(RateLimitCounter.expires_at < now)
                )
        return hits

    def _row(self, key: str) -> Any:
        with self._connection() as connection:
            return connection.execute(
                select(RateLimitCounter.hits, RateLimitCounter.expires_at).where(
                    RateLimitCounter.limit_key == self._key(key),
                    RateLimitCounter.expires_at > time.time(),
                )
            ).first()

    def get(self, key: str) -> int:
        row = self._row(key)
        return int(row.hits) if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return float(row.expires_at) if row else time.time()

    def check(self) -> bool:
        try:
            with self._connection() as connection:
                connection.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self._connection() as connection:
            return int(connection.execute(delete(RateLimitCounter)).rowcount)

    def clear(self, key: str) -> None:
        with self._connection() as connection:
            connection.execute(
                delete(RateLimitCounter).where(RateLimitCounter.limit_key == self._key(key))
            )


class AppStorage(Storage):
    """The storage Flask-Limiter is given (``portal://``): each call goes to the current app's."""

    STORAGE_SCHEME = ["portal"]  # noqa: RUF012 (the registry of limits reads this list)

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **_options: Any):
        super().__init__(uri, wrap_exceptions)

    @staticmethod
    def _backend() -> Storage:
        storage: Storage = current_app.extensions["portal.rate_limits"]
        return storage

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        # Imported here: redis takes about 0.1 s to import, which a process that never talks to
        # Redis (a command such as `flask import`) need not pay.
        from redis.exceptions import RedisError

        return (SQLAlchemyError, RedisError, StorageError)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return self._backend().incr(key, expiry, amount)

    def get(self, key: str) -> int:
        return self._backend().get(key)

    def get_expiry(self, key: str) -> float:
        return self._backend().get_expiry(key)

    def check(self) -> bool:
        return self._backend().check()

    def reset(self) -> int | None:
        # Outside a request (a test fixture's clean-up) there is no app to ask: nothing to do.
        return self._backend().reset() if has_app_context() else None

    def clear(self, key: str) -> None:
        self._backend().clear(key)


def make_rate_limit_storage(app: Flask, db: Database) -> Storage:
    """Redis when configured (failing fast when it is down), else the database."""
    url = app.config.get("REDIS_URL")
    if not url:
        return DatabaseStorage(db)
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    timeout = float(app.config.get("REDIS_TIMEOUT_SECONDS", 2.0))
    options: dict[str, Any] = {
        "socket_connect_timeout": timeout,
        "socket_timeout": timeout,
        "retry": Retry(NoBackoff(), 1),
    }
    storage: Storage = storage_from_string(url, **options)  # type: ignore[assignment]
    return storage
