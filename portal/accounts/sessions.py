"""Server-side sessions: for a signed-in user the cookie carries a random token and the data lives in
the database (or in Redis when ``PORTAL_REDIS_URL`` is set). Logging out deletes the record, so a
copied cookie is dead; signing in issues a new token; idle and absolute lifetimes are enforced on the
server.

A visitor who is not signed in has nothing worth a record: what they carry (the login form's CSRF
token, a "you have signed out" message) travels in the same cookie, signed, and the store is never
touched. Anonymous readers without a cookie never touch anything: the public pages stay fast.

When the data is written matters as much as where:

- changes that go with an audited change (signing in, signing out, ending a user's other sessions)
  are written in the request's own transaction and commit or roll back with it — on SQLite a second
  connection would wait for the write lock that very transaction holds;
- everything else (a new CSRF token, a message, the periodic "last seen") is written after the
  request's transaction has ended, in a short one of its own, so that a page that only reads never
  turns into a writer halfway through.

When the store cannot be reached (Redis down), a request is served as anonymous and the cookie is left
alone; whatever needs the session answers 503 (:class:`SessionStoreUnavailable`)."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, Request, Response, current_app, request
from flask import session as flask_session
from flask.sessions import SessionInterface, SessionMixin
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Connection, delete, insert, select, update
from werkzeug.datastructures import CallbackDict
from werkzeug.exceptions import ServiceUnavailable

from portal.accounts.models import ServerSession
from portal.db import database, get_session

#: Keys of a session that belong to the signed-in user (Flask-Login's).
USER_KEY = "_user_id"
#: Seconds a reader is asked to wait when the session store is down (``RETRY_AFTER_SECONDS``).
DEFAULT_RETRY_AFTER = 30


class SessionStoreUnavailable(ServiceUnavailable):
    """The session store cannot be reached: a localised 503 with ``Retry-After``."""

    portal_message = True  # portal.errors shows the description as it is

    def __init__(self) -> None:
        super().__init__(
            retry_after=int(current_app.config.get("RETRY_AFTER_SECONDS", DEFAULT_RETRY_AFTER))
        )

    @property
    def description(self) -> str:  # type: ignore[override]
        # Translated when shown, not when raised: it may be raised while the session is opened,
        # before the address has told which language the reader reads.
        return _(
            "Signing in is not possible at the moment. Your data and the public pages are "
            "not affected. Please try again in a minute."
        )


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
        #: The store could not be reached: this request runs as anonymous and changes nothing.
        self.unavailable = False
        #: The store has been written for this request (in its transaction or after it).
        self.written = False

    def regenerate(self) -> None:
        """A new token for the same data: called at login so a planted token is worthless."""
        if self.token and not self.previous_token:
            self.previous_token = self.token
        self.token = None
        self.created_at = None
        self.modified = True

    @property
    def signed_in(self) -> bool:
        return USER_KEY in self

    @property
    def changes_identity(self) -> bool:
        """Signing in (a user, no token yet) or out (a token, no user): written with the request's
        transaction, or not at all."""
        return self.signed_in == (self.token is None)


class StoredSession:
    def __init__(self, data: dict[str, Any], created_at: datetime, last_seen_at: datetime) -> None:
        self.data, self.created_at, self.last_seen_at = data, created_at, last_seen_at


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class DatabaseStore:
    """Sessions in the ``server_session`` table. Reads use a short connection of their own (the
    session is opened before the request touches the database); every write goes through the
    request's own session, so it commits or rolls back with the request."""

    @contextmanager
    def _reader(self) -> Iterator[Connection]:
        db = database()
        if db.test_connection is not None:
            yield db.test_connection
        else:
            with db.engine.connect() as connection:
                yield connection

    def available(self) -> bool:
        return True

    def load(self, key: str) -> StoredSession | None:
        with self._reader() as c:
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
        session = get_session()
        updated = session.execute(
            update(ServerSession).where(ServerSession.id == key).values(**values)
        )
        if updated.rowcount == 0:  # type: ignore[attr-defined]
            session.execute(insert(ServerSession).values(id=key, **values))

    def delete(self, key: str) -> None:
        get_session().execute(delete(ServerSession).where(ServerSession.id == key))

    def delete_for_user(self, user_id: int, keep: str | None = None) -> None:
        stmt = delete(ServerSession).where(ServerSession.user_id == user_id)
        if keep:
            stmt = stmt.where(ServerSession.id != keep)
        get_session().execute(stmt)

    def purge_expired(self, idle: timedelta) -> None:
        get_session().execute(
            delete(ServerSession).where(ServerSession.last_seen_at < datetime.now(UTC) - idle)
        )


class RedisStore:
    """Sessions in Redis. Redis has no transaction shared with the database, so a write that goes
    with an audited change happens before the request commits: if Redis fails, the request answers
    503 and the database rolls back."""

    prefix = "portal:session:"

    def __init__(self, url: str, timeout: float) -> None:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        # Fail fast when Redis is down (the default retries for seconds), but retry once so that
        # a pooled connection broken by a Redis restart is replaced without an error.
        self.redis = redis.Redis.from_url(
            url,
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
            retry=Retry(NoBackoff(), 1),
        )

    @contextmanager
    def _reachable(self) -> Iterator[None]:
        from redis.exceptions import RedisError

        try:
            yield
        except RedisError as error:
            current_app.logger.warning("session store unreachable: %s", error)
            raise SessionStoreUnavailable() from error

    def available(self) -> bool:
        try:
            with self._reachable():
                return bool(self.redis.ping())
        except SessionStoreUnavailable:
            return False

    def load(self, key: str) -> StoredSession | None:
        with self._reachable():
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
        with self._reachable():
            pipe = self.redis.pipeline()
            pipe.set(self.prefix + key, json.dumps(item), ex=int(ttl.total_seconds()))
            if user_id is not None:  # the user's index lives as long as their newest session
                pipe.sadd(f"{self.prefix}user:{user_id}", key)
                pipe.expire(f"{self.prefix}user:{user_id}", int(ttl.total_seconds()))
            pipe.execute()

    def delete(self, key: str) -> None:
        with self._reachable():
            self.redis.delete(self.prefix + key)

    def delete_for_user(self, user_id: int, keep: str | None = None) -> None:
        index = f"{self.prefix}user:{user_id}"
        with self._reachable():
            for member in self.redis.smembers(index):
                key = member.decode() if isinstance(member, bytes) else str(member)
                if key != keep:
                    self.redis.delete(self.prefix + key)
                    self.redis.srem(index, key)

    def purge_expired(self, idle: timedelta) -> None:
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

    def _anonymous_serializer(self, app: Flask) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(app.secret_key or "", salt="portal-anonymous-session")

    # -- reading --------------------------------------------------------------------------------

    def open_session(self, app: Flask, request: Request) -> PortalSession:
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return PortalSession()
        if "." in cookie:  # a signed anonymous session (server tokens never contain a dot)
            return self._open_anonymous(app, cookie)
        try:
            stored = self.store.load(token_hash(cookie))
        except SessionStoreUnavailable:
            session = PortalSession()
            session.unavailable = True  # served as anonymous; the cookie is kept for later
            return session
        now = datetime.now(UTC)
        idle, absolute = self.lifetimes(app)
        if stored is None or now - stored.last_seen_at > idle or now - stored.created_at > absolute:
            session = PortalSession()
            session.previous_token = cookie  # expired or unknown: drop it and clear the cookie
            return session
        return PortalSession(stored.data, cookie, stored.created_at, stored.last_seen_at)

    def _open_anonymous(self, app: Flask, cookie: str) -> PortalSession:
        _idle, absolute = self.lifetimes(app)
        try:
            data = self._anonymous_serializer(app).loads(
                cookie, max_age=int(absolute.total_seconds())
            )
        except BadSignature:
            data = None
        if not isinstance(data, dict) or USER_KEY in data:
            session = PortalSession()
            session.modified = True  # forged, stale or odd: clear the cookie
            return session
        return PortalSession(data)

    # -- writing --------------------------------------------------------------------------------

    def write_identity_change(self, app: Flask, session: PortalSession) -> None:
        """Called before the request's transaction commits (see ``accounts.init_app``): signing in
        and out reach the store together with the audit entry that records them."""
        if session.unavailable or session.written or not session.changes_identity:
            return
        self._write(app, session)

    def _write(self, app: Flask, session: PortalSession) -> None:
        session.written = True
        if session.previous_token:
            self.store.delete(token_hash(session.previous_token))
        if not session.signed_in:
            if session.token:  # signed out: the record goes, what is left is anonymous
                self.store.delete(token_hash(session.token))
                session.token = None
            return
        now = datetime.now(UTC)
        idle, _absolute = self.lifetimes(app)
        if session.token is None:
            session.token = secrets.token_urlsafe(32)
            session.created_at = now
        assert session.created_at is not None
        if session.modified or self._stale(session, now):
            self.store.save(
                token_hash(session.token),
                StoredSession(dict(session), session.created_at, now),
                int(session[USER_KEY]),
                idle,
            )

    def _stale(self, session: PortalSession, now: datetime) -> bool:
        return session.last_seen_at is None or now - session.last_seen_at > self.touch_interval

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, PortalSession)
        response.vary.add("Cookie")
        if session.unavailable or response.status_code >= 500:
            return  # nothing was done: leave the cookie as it is
        if response.status_code >= 400 and session.changes_identity:
            return  # a refused sign-in or sign-out changes nothing
        if (
            not session.written
            and self._needs_write(session)
            and not self._write_after_request(app, session)
        ):
            return
        self._set_cookie(app, session, response)

    def _needs_write(self, session: PortalSession) -> bool:
        if session.changes_identity or session.previous_token:
            return True
        return session.signed_in and (session.modified or self._stale(session, datetime.now(UTC)))

    def _write_after_request(self, app: Flask, session: PortalSession) -> bool:
        """Write in a transaction of its own, after the request's has ended (committed, or rolled
        back for a refused request: a new CSRF token or a message is kept all the same)."""
        db_session = get_session() if isinstance(self.store, DatabaseStore) else None
        try:
            self._write(app, session)
            if db_session is not None:
                db_session.commit()
        except Exception:
            if db_session is not None:
                db_session.rollback()
            app.logger.exception("the session could not be saved")
            return False
        return True

    def _set_cookie(self, app: Flask, session: PortalSession, response: Response) -> None:
        name = self.get_cookie_name(app)
        domain, path = self.get_cookie_domain(app), self.get_cookie_path(app)
        idle, absolute = self.lifetimes(app)
        if session.signed_in:
            assert session.token is not None
            if session.written:
                self._cookie(app, response, session.token, int(min(idle, absolute).total_seconds()))
            return
        had_cookie = name in request.cookies
        if not session:
            if had_cookie:
                response.delete_cookie(name, domain=domain, path=path)
            return
        if session.modified or session.written or not had_cookie:
            value = self._anonymous_serializer(app).dumps(dict(session))
            self._cookie(app, response, value, None)

    def _cookie(self, app: Flask, response: Response, value: str, max_age: int | None) -> None:
        response.set_cookie(
            self.get_cookie_name(app),
            value,
            httponly=True,
            samesite=app.config.get("SESSION_COOKIE_SAMESITE") or "Lax",
            secure=bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure,
            domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app),
            max_age=max_age,
        )

    # -- other sessions -------------------------------------------------------------------------

    def end_sessions_of(self, user_id: int, keep_token: str | None = None) -> None:
        """Sign a user out of every session (but the one whose token is *keep_token*), in the
        request's transaction (database) or before it commits (Redis)."""
        self.store.delete_for_user(user_id, keep=token_hash(keep_token) if keep_token else None)


def end_sessions_of(user_id: int, keep_token: str | None = None) -> None:
    """Sign a user out of every session (but the one with *keep_token*), with the request's
    transaction."""
    interface = current_app.session_interface
    if isinstance(interface, ServerSideSessionInterface):
        interface.end_sessions_of(user_id, keep_token)


def end_other_sessions(user_id: int) -> None:
    """Sign the user out everywhere but here (after a password change)."""
    end_sessions_of(user_id, keep_token=getattr(flask_session, "token", None))


def purge_expired_sessions() -> None:
    """Expired sessions are refused anyway; sign-ins sweep them out of the database now and then."""
    interface = current_app.session_interface
    if isinstance(interface, ServerSideSessionInterface):
        interface.store.purge_expired(interface.lifetimes(current_app)[0])


def make_store(app: Flask) -> SessionStore:
    url = app.config.get("REDIS_URL")
    if url:
        return RedisStore(url, float(app.config.get("REDIS_TIMEOUT_SECONDS", 2.0)))
    return DatabaseStore()
