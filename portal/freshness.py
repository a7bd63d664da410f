"""The data version every server agrees on, read cheaply on the hot path.

The database row (``data_state``) is the truth: a publish raises it in its own transaction. With
Redis configured, the number is also kept in Redis so that a cached page costs one Redis command
(``MGET``, about a tenth of a millisecond) rather than a database round trip, and the database is
asked only when Redis cannot vouch for the number. The promise kept is the database's: once a
publish has committed and returned, the next request on any server sees its version.

Two keys:

- ``portal:data_version`` — a version every committed publish has reached (raised, never lowered);
- ``portal:data_version:pending`` — ``"<version>:<token>"`` while a publish may be committing.

A publish **announces** its new version in ``pending`` just before the database commits, and
**settles** after the commit (``data_version`` raised to it, ``pending`` cleared if nothing newer
is pending); a rolled-back one takes its own announcement back. A reader trusts Redis only when
``data_version`` is there and nothing is pending; otherwise it reads the database and settles with
what it read (which clears an announcement whose version the database has reached: a publisher
that died between its commit and its settle delays nobody for long).

A worker also stops trusting Redis after any Redis error (and when it starts): Redis may have
restarted with an older value, or a publish may have committed while Redis was unreachable. Until
it has read the database and settled once more, it reads the database; while Redis is unreachable
it waits :data:`RETRY_AFTER_S` before trying again, so an outage costs no timeout per request.

Why not PostgreSQL ``LISTEN/NOTIFY`` pushing the version into each worker: a notification in
flight when the publisher returns would let the next request on another server see the old
version, so "the next request" would hold only most of the time. A read per request keeps it.

What this does not cover: a publisher that cannot reach Redis while readers still can (a network
partition between them, Redis itself up and never restarted): readers then keep the old version
until the next publish that reaches Redis. Redis restarts and outages seen by every server are
covered.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
import weakref
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

log = logging.getLogger(__name__)

VERSION_KEY = "portal:data_version"
PENDING_KEY = "portal:data_version:pending"
#: How long a worker reads only the database after Redis failed it.
RETRY_AFTER_S = 1.0

# KEYS: version, pending. ARGV: version, token. Announce unless a newer version is pending.
ANNOUNCE = """
local pending = redis.call('GET', KEYS[2])
if not pending or tonumber(string.match(pending, '^%d+')) <= tonumber(ARGV[1]) then
  redis.call('SET', KEYS[2], ARGV[1] .. ':' .. ARGV[2])
end
return 1
"""
# KEYS: version, pending. ARGV: a version the database has committed. Returns the version kept.
SETTLE = """
local known = tonumber(redis.call('GET', KEYS[1]) or '-1')
local committed = tonumber(ARGV[1])
if committed > known then
  redis.call('SET', KEYS[1], ARGV[1])
  known = committed
end
local pending = redis.call('GET', KEYS[2])
if pending and tonumber(string.match(pending, '^%d+')) <= known then
  redis.call('DEL', KEYS[2])
end
return known
"""
# KEYS: pending. ARGV: "<version>:<token>" of a publish that rolled back.
CANCEL = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
end
return 1
"""

#: ``Session.info`` keys: the highest version this transaction raised the counter to, and what it
#: announced; where to announce it (set on every session of an app that has Redis).
RAISED = "portal.data_version.raised"
ANNOUNCED = "portal.data_version.announced"
SHARED = "portal.data_version.shared"


class SharedVersion:
    """The data version as Redis holds it for every server (see the module's docstring)."""

    def __init__(self, url: str, timeout: float) -> None:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        # Fail fast, and see every new connection: Redis may have restarted (with an old value,
        # or without an announcement), so this worker reads the database before it trusts Redis
        # again. (The pool replaces a broken connection silently when it is taken.)
        self.redis = redis.Redis.from_url(
            url,
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
            retry=Retry(NoBackoff(), 0),
            redis_connect_func=self._connected,
        )
        # The hot path's MGET on a socket of its own (redis-py spends about 100 µs of CPU on a
        # command; this about 10); announcing and settling, which are rare, go through redis-py.
        self.reader: VersionReader | RedisPyReader = (
            VersionReader(url, timeout, on_connect=self._count_connection)
            if url.startswith("redis://")
            else RedisPyReader(self.redis)  # TLS or a Unix socket: redis-py's own connections
        )
        self._announce = self.redis.register_script(ANNOUNCE)
        self._settle = self.redis.register_script(SETTLE)
        self._cancel = self.redis.register_script(CANCEL)
        self._lock = threading.Lock()
        self.trusted = False  # until this worker has settled with the database once
        self.connections = 0  # made so far (each one may be to a restarted Redis)
        self.retry_at = 0.0

    def current(self, read_database: Callable[[], int]) -> int:
        """The data version for a request: Redis's when it can vouch for it, else the database's."""
        from redis.exceptions import RedisError

        if self.trusted:
            try:
                known, pending = self.reader.mget()
            except (OSError, ValueError) as error:
                self.reader.close()
                self._failed(error)
                return read_database()
            # (still trusted: the command did not need a new connection)
            if known is not None and pending is None and self.trusted:
                return int(known)
        connections = self.connections  # before the database is read (see below)
        version = read_database()
        if time.monotonic() >= self.retry_at:
            try:
                self._settle(keys=[VERSION_KEY, PENDING_KEY], args=[version])
            except RedisError as error:
                self._failed(error)
            else:
                # Trusted only if Redis was already reachable when the database was read: a
                # publish that committed while it was not is then in what was read. Otherwise
                # the next request reads the database again.
                self.trusted = self.connections == connections
        return version

    def _connected(self, connection: Any) -> None:
        self._count_connection()
        connection.on_connect()

    def _count_connection(self) -> None:
        self.trusted = False
        self.connections += 1

    def announce(self, version: int, token: str) -> bool:
        return self._call(self._announce, [VERSION_KEY, PENDING_KEY], [version, token])

    def settle(self, version: int) -> bool:
        return self._call(self._settle, [VERSION_KEY, PENDING_KEY], [version])

    def cancel(self, version: int, token: str) -> bool:
        return self._call(self._cancel, [PENDING_KEY], [f"{version}:{token}"])

    def _call(self, script: Any, keys: list[str], args: list[Any]) -> bool:
        from redis.exceptions import RedisError

        try:
            script(keys=keys, args=args)
        except RedisError as error:
            self._failed(error)
            return False
        return True

    def _failed(self, error: Exception) -> None:
        with self._lock:
            if self.trusted or time.monotonic() >= self.retry_at:
                log.warning("data version in Redis unavailable, reading the database: %s", error)
            self.trusted = False
            self.retry_at = time.monotonic() + RETRY_AFTER_S


class VersionReader:
    """``MGET portal:data_version portal:data_version:pending`` on one socket per thread, in
    Redis's own protocol: the whole hot path's use of Redis. Any trouble raises ``OSError`` or
    ``ValueError`` (the caller then reads the database); *on_connect* is told of each new
    connection."""

    def __init__(self, url: str, timeout: float, on_connect: Callable[[], None]) -> None:
        from redis.connection import parse_url

        options = parse_url(url)
        self.address = (str(options.get("host", "localhost")), int(options.get("port", 6379)))
        self.timeout = timeout
        self.on_connect = on_connect
        setup = []
        if options.get("password") is not None:
            setup.append(_command("AUTH", options.get("username"), options["password"]))
        if int(options.get("db") or 0):
            setup.append(_command("SELECT", str(options["db"])))
        self.setup = setup
        self.request = _command("MGET", VERSION_KEY, PENDING_KEY)
        self._local = threading.local()
        # Every open connection (of any thread), closed when the reader goes away.
        self._open: set[Any] = set()
        weakref.finalize(self, _close_all, self._open)

    def mget(self) -> tuple[bytes | None, bytes | None]:
        reader = getattr(self._local, "reader", None)
        if reader is None or self._local.pid != os.getpid():
            reader = self._connect()
        self._local.socket.sendall(self.request)
        header = reader.readline()
        if header != b"*2\r\n":
            raise ValueError(f"unexpected answer from Redis: {header[:80]!r}")
        return _bulk(reader), _bulk(reader)

    def close(self) -> None:
        """Close this thread's connection."""
        opened = (getattr(self._local, "socket", None), getattr(self._local, "reader", None))
        self._local.reader = self._local.socket = None
        self._open.discard(opened)
        _close_all({opened})

    def _connect(self) -> Any:
        self.close()
        connection = socket.create_connection(self.address, timeout=self.timeout)
        try:
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            reader = connection.makefile("rb")
            for command in self.setup:
                connection.sendall(command)
                answer = reader.readline()
                if not answer.startswith(b"+OK"):
                    raise ValueError(f"Redis refused the connection's set-up: {answer[:80]!r}")
        except BaseException:
            connection.close()
            raise
        self._local.socket, self._local.reader, self._local.pid = connection, reader, os.getpid()
        self._open.add((connection, reader))
        self.on_connect()
        return reader


class RedisPyReader:
    """The same through redis-py (for ``rediss://`` and ``unix://`` addresses)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def mget(self) -> tuple[bytes | None, bytes | None]:
        from redis.exceptions import RedisError

        try:
            known, pending = self.client.mget(VERSION_KEY, PENDING_KEY)
        except RedisError as error:
            raise OSError(str(error)) from error
        return known, pending

    def close(self) -> None:
        """redis-py replaces a broken connection itself (and the app is told of it)."""


def _close_all(opened: set[Any]) -> None:
    for pair in list(opened):
        for item in pair:
            if item is not None:
                with suppress(OSError):
                    item.close()
    opened.clear()


def _command(*parts: str | None) -> bytes:
    words = [p.encode() for p in parts if p is not None]
    return b"*%d\r\n" % len(words) + b"".join(b"$%d\r\n%s\r\n" % (len(w), w) for w in words)


def _bulk(reader: Any) -> bytes | None:
    header = reader.readline()
    if header == b"$-1\r\n":
        return None
    if not header.startswith(b"$") or not header.endswith(b"\r\n"):
        raise ValueError(f"unexpected answer from Redis: {header[:80]!r}")
    size = int(header[1:-2])
    value: bytes = reader.read(size + 2)
    if len(value) != size + 2:
        raise ValueError("the connection to Redis was closed mid-answer")
    return value[:-2]


def note_raised(session: Session, version: int) -> None:
    """Remember that *session*'s transaction raised the data version to *version*: announced to
    Redis before it commits, settled after (called by ``bump_data_version``)."""
    session.info[RAISED] = max(version, session.info.get(RAISED, 0))


def _before_commit(session: Session) -> None:
    shared: SharedVersion | None = session.info.get(SHARED)
    version = session.info.get(RAISED)
    if shared is None or version is None:
        return
    token = uuid.uuid4().hex
    # Redis unreachable: commit all the same (the database is the truth; readers that cannot
    # reach Redis either read the database, and a restarted Redis is distrusted until settled).
    if shared.announce(version, token):
        session.info[ANNOUNCED] = (version, token)


def _after_commit(session: Session) -> None:
    version = session.info.pop(RAISED, None)
    session.info.pop(ANNOUNCED, None)
    shared: SharedVersion | None = session.info.get(SHARED)
    if shared is not None and version is not None:
        shared.settle(version)


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return  # a savepoint: the transaction that raised the version goes on
    # Still there after the outermost transaction ended: it was rolled back, not committed.
    session.info.pop(RAISED, None)
    announced = session.info.pop(ANNOUNCED, None)
    shared: SharedVersion | None = session.info.get(SHARED)
    if shared is not None and announced is not None:
        shared.cancel(*announced)


def listen_for_publishes() -> None:
    """Announce and settle each transaction that raised the data version (every session)."""
    for name, listener in (
        ("before_commit", _before_commit),
        ("after_commit", _after_commit),
        ("after_transaction_end", _after_transaction_end),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def init_app(app: Flask) -> None:
    """With ``REDIS_URL`` set, keep the data version in Redis too (every session of the app
    announces and settles its publishes there); without it, every request reads the database."""
    listen_for_publishes()
    url = app.config.get("REDIS_URL")
    shared = SharedVersion(url, float(app.config["REDIS_TIMEOUT_SECONDS"])) if url else None
    app.extensions["portal.shared_version"] = shared
    if shared is not None:
        app.extensions["portal.db"].session_info[SHARED] = shared
