"""Server-side sessions: the cookie carries a random token, the data lives in the database (or in
Redis when ``PORTAL_REDIS_URL`` is set). Logging out deletes the record, so a copied cookie is dead;
signing in issues a new token; idle and absolute lifetimes are enforced on the server.

Anonymous readers without a cookie never touch the store: the public pages stay fast."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.orm import Session
from werkzeug.datastructures import CallbackDict

from portal.accounts.models import ServerSession
from portal.db import database


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class PortalSession(CallbackDict[str, Any], SessionMixin):
    def __init__(
        self,
        initial: dict[str, Any] | None = None,
        token: str | None = None,
        created_at: datetime | None = None,
        last_seen_at: datetime | None = None,
    ) -> None:
        def on_update(_self: Any) -> None:
            self.modified = True

        super().__init__(initial, on_update)
        self.token = token
        self.created_at = created_at
        self.last_seen_at = last_seen_at
        self.modified = False
        self.previous_token: str | None = None  # set by regenerate(): delete it on save

    def regenerate(self) -> None:
        """A new token for the same data: called at login so a planted token is worthless."""
        if self.token and not self.previous_token:
            self.previous_token = self.token
        self.token = None
        self.created_at = None
        self.modified = True


class Record(Protocol):
    data: dict[str, Any]
    created_at: datetime
    last_seen_at: datetime


class StoredSession:
    def __init__(self, data: dict[str, Any], created_at: datetime, last_seen_at: datetime) -> None:
        self.data, self.created_at, self.last_seen_at = data, created_at, last_seen_at


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class DatabaseStore:
    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        db = database()
        if db.test_connection is not None:
            with db.test_connection.begin_nested():
                yield db.test_connection
        else:
            with db.engine.begin() as connection:
                yield connection

    def load(self, key: str) -> StoredSession | None:
        with self._connection() as c:
            row = c.execute(
                select(
                    ServerSession.data, ServerSession.created_at, ServerSession.last_seen_at
                ).where(ServerSession.id == key)
            ).first()
        if row is None:
            return None
        return StoredSession(json.loads(row.data), _aware(row.created_at), _aware(row.last_seen_at))

    def save(self, key: str, stored: StoredSession, user_id: int | None, ttl: timedelta) -> None:
        values = dict(
            data=json.dumps(stored.data),
            user_id=user_id,
            created_at=stored.created_at,
            last_seen_at=stored.last_seen_at,
        )
        with self._connection() as c:
            updated = c.execute(
                update(ServerSession).where(ServerSession.id == key).values(**values)
            )
            if updated.rowcount == 0:
                c.execute(insert(ServerSession).values(id=key, **values))

    def delete(self, key: str) -> None:
        with self._connection() as c:
            c.execute(delete(ServerSession).where(ServerSession.id == key))

    def delete_for_user(self, user_id: int, keep: str | None = None) -> None:
        with self._connection() as c:
            stmt = delete(ServerSession).where(ServerSession.user_id == user_id)
            if keep:
                stmt = stmt.where(ServerSession.id != keep)
            c.execute(stmt)

    def purge_expired(self, idle: timedelta, session: Session) -> None:
        """Delete expired records inside the request's own transaction (on SQLite a second
        connection would wait for the request's write lock)."""
        session.execute(
            delete(ServerSession).where(ServerSession.last_seen_at < datetime.now(UTC) - idle)
        )


class RedisStore:
    prefix = "portal:session:"

    def __init__(self, url: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url)

    def load(self, key: str) -> StoredSession | None:
        raw = self.redis.get(self.prefix + key)
        if raw is None:
            return None
        item = json.loads(raw)
        return StoredSession(
            item["data"],
            datetime.fromisoformat(item["created_at"]),
            datetime.fromisoformat(item["last_seen_at"]),
        )

    def save(self, key: str, stored: StoredSession, user_id: int | None, ttl: timedelta) -> None:
        item = {
            "data": stored.data,
            "created_at": stored.created_at.isoformat(),
            "last_seen_at": stored.last_seen_at.isoformat(),
        }
        pipe = self.redis.pipeline()
        pipe.set(self.prefix + key, json.dumps(item), ex=int(ttl.total_seconds()))
        if user_id is not None:
            pipe.sadd(f"{self.prefix}user:{user_id}", key)
        pipe.execute()

    def delete(self, key: str) -> None:
        self.redis.delete(self.prefix + key)

    def delete_for_user(self, user_id: int, keep: str | None = None) -> None:
        index = f"{self.prefix}user:{user_id}"
        for member in self.redis.smembers(index):
            key = member.decode() if isinstance(member, bytes) else str(member)
            if key != keep:
                self.redis.delete(self.prefix + key)
                self.redis.srem(index, key)

    def purge_expired(self, idle: timedelta, session: Session) -> None:
        """Redis expires keys by itself."""


SessionStore = DatabaseStore | RedisStore


class ServerSideSessionInterface(SessionInterface):
    #: Refresh ``last_seen_at`` at most this often for a session whose data did not change.
    touch_interval = timedelta(seconds=60)

    def __init__(self, store: SessionStore) -> None:
        self.store = store

    def lifetimes(self, app: Flask) -> tuple[timedelta, timedelta]:
        return (
            timedelta(minutes=app.config["SESSION_IDLE_MINUTES"]),
            timedelta(minutes=app.config["SESSION_ABSOLUTE_MINUTES"]),
        )

    def open_session(self, app: Flask, request: Request) -> PortalSession:
        token = request.cookies.get(self.get_cookie_name(app))
        if not token:
            return PortalSession()
        stored = self.store.load(token_hash(token))
        now = datetime.now(UTC)
        idle, absolute = self.lifetimes(app)
        if stored is None or now - stored.last_seen_at > idle or now - stored.created_at > absolute:
            session = PortalSession()
            session.previous_token = token  # expired or unknown: drop it and clear the cookie
            return session
        return PortalSession(stored.data, token, stored.created_at, stored.last_seen_at)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, PortalSession)
        name = self.get_cookie_name(app)
        domain, path = self.get_cookie_domain(app), self.get_cookie_path(app)
        if session.previous_token:
            self.store.delete(token_hash(session.previous_token))
        if not session:
            if session.token or session.previous_token:
                if session.token:
                    self.store.delete(token_hash(session.token))
                response.delete_cookie(name, domain=domain, path=path)
            return
        now = datetime.now(UTC)
        idle, absolute = self.lifetimes(app)
        if session.token is None:
            session.token = secrets.token_urlsafe(32)
            session.created_at = now
        assert session.created_at is not None
        stale = session.last_seen_at is None or now - session.last_seen_at > self.touch_interval
        if session.modified or stale:
            user_id = session.get("_user_id")
            self.store.save(
                token_hash(session.token),
                StoredSession(dict(session), session.created_at, now),
                int(user_id) if user_id is not None else None,
                idle,
            )
        if session.modified or session.previous_token or stale:
            response.set_cookie(
                name,
                session.token,
                httponly=True,
                samesite=app.config.get("SESSION_COOKIE_SAMESITE") or "Lax",
                secure=self._secure(app),
                domain=domain,
                path=path,
                max_age=int(min(idle, absolute).total_seconds()),
            )
        response.vary.add("Cookie")

    @staticmethod
    def _secure(app: Flask) -> bool:
        from flask import request

        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


def make_store(app: Flask) -> SessionStore:
    url = app.config.get("REDIS_URL")
    return RedisStore(url) if url else DatabaseStore()
