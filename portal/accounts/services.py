"""Creating accounts, signing in and out, changing passwords, deactivating: every change audited
under the :class:`~portal.roles.Actor` the caller names. Services flush; callers commit."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, g
from flask import session as flask_session
from flask_login import login_user, logout_user
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.accounts.passwords import (
    MIN_PASSWORD_LENGTH,
    dummy_verify,
    hash_password,
    verify_password,
)
from portal.accounts.sessions import PortalSession, end_other_sessions, end_sessions_of
from portal.audit import record_audit
from portal.roles import Actor, Role


class AccountError(ValueError):
    """A request about accounts that cannot be done; the message is shown to the user."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def create_user(
    session: Session,
    *,
    email: str,
    role: Role | str,
    password: str,
    name: str = "",
    submitter_id: int | None = None,
    actor: Actor,
) -> User:
    email = normalise_email(email)
    if "@" not in email:
        raise AccountError(f"not an e-mail address: {email!r}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if find_user(session, email) is not None:
        raise AccountError(f"an account for {email} already exists")
    user = User(
        email=email,
        name=name,
        role=Role(role),
        password_hash=hash_password(password),
        submitter_id=submitter_id,
        password_changed_at=datetime.now(UTC),
    )
    session.add(user)
    session.flush()
    record_audit(
        session,
        "account.create",
        target_type="user",
        target_id=user.id,
        summary=f"{email} ({user.role.value})",
        after={"email": email, "role": user.role.value, "name": name, "submitter_id": submitter_id},
        actor=actor,
    )
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    user = find_user(session, email)
    if user is None:
        dummy_verify(password)
        return None
    if not user.active or not verify_password(user.password_hash, password):
        return None
    return user


def sign_in(session: Session, user: User, *, address: str | None) -> None:
    """Start a fresh server-side session for *user*, signing in from *address*: a new token (no
    session fixation) and a new CSRF token (one handed out before sign-in, perhaps to someone
    else, is worth nothing after)."""
    current = flask_session._get_current_object()  # type: ignore[attr-defined]
    if isinstance(current, PortalSession):
        current.regenerate()
    forget_csrf_token()
    login_user(user)
    record_audit(
        session,
        "login",
        target_type="user",
        target_id=user.id,
        summary=user.email,
        actor=Actor.user(user, address),
    )


def sign_out(session: Session, user: User, *, actor: Actor) -> None:
    record_audit(
        session, "logout", target_type="user", target_id=user.id, summary=user.email, actor=actor
    )
    logout_user()
    flask_session.clear()  # the record is deleted with this request's transaction
    forget_csrf_token()


def forget_csrf_token() -> None:
    """Flask-WTF keeps the raw token in the session and the signed one for this request in ``g``."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    flask_session.pop(field, None)
    g.pop(field, None)


def change_password(session: Session, user: User, current: str, new: str, *, actor: Actor) -> None:
    """The user's own change: their other sessions end, this one goes on."""
    if not verify_password(user.password_hash, current):
        raise AccountError("current-password-wrong")
    _new_password(session, user, new, action="account.password", actor=actor)
    end_other_sessions(user.id)


def set_password(session: Session, user: User, new: str, *, actor: Actor) -> None:
    """Give *user* a new password without the old one (an administrator's reset, or the command
    line): every session of theirs ends, and the change is audited."""
    _new_password(session, user, new, action="account.password_reset", actor=actor)
    end_sessions_of(user.id)


def _new_password(session: Session, user: User, new: str, *, action: str, actor: Actor) -> None:
    if len(new) < MIN_PASSWORD_LENGTH:
        raise AccountError("new-password-too-short")
    user.password_hash = hash_password(new)
    user.password_changed_at = datetime.now(UTC)
    session.flush()
    record_audit(
        session, action, target_type="user", target_id=user.id, summary=user.email, actor=actor
    )


def set_active(session: Session, user: User, active: bool, *, actor: Actor) -> None:
    """Let *user* sign in again, or not any more: a deactivated account's sessions end at once.
    Nobody deactivates their own account (they would lock themselves out)."""
    if not active and user.id == actor.user_id:
        raise AccountError("own-account")
    before = {"active": user.active}
    user.active = active
    if not active:
        end_sessions_of(user.id)
    record_audit(
        session,
        "account.activate" if active else "account.deactivate",
        target_type="user",
        target_id=user.id,
        summary=user.email,
        before=before,
        after={"active": active},
        actor=actor,
    )
