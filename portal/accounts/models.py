"""Accounts: staff and deputies, and the server-side sessions they sign in with."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, Enum, Float, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base
from portal.roles import STAFF_ROLES, Role


class User(UserMixin, Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=10, values_callable=lambda e: [m.value for m in e])
    )
    password_hash: Mapped[str] = mapped_column(String(255))
    #: For deputies: the submitter (proposals domain) this account speaks for.
    submitter_id: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_deputy(self) -> bool:
        return self.role == Role.DEPUTY


class ServerSession(Base):
    """A signed-in browser session (a visitor who is not signed in has none: see ``sessions``).
    The cookie holds a random token; only its SHA-256 is stored, so a database leak does not hand
    out live sessions."""

    __tablename__ = "server_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    data: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class RateLimitCounter(Base):
    """One fixed-window counter of the login limits, when there is no Redis: kept in the database
    so that every worker (and every server) counts the same attempts."""

    __tablename__ = "rate_limit_counter"

    limit_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)
    #: When the window ends, in seconds since the epoch (as the ``limits`` library counts time).
    expires_at: Mapped[float] = mapped_column(Float, index=True)
