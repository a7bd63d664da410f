"""Creating accounts, signing in and out, changing passwords. Services flush; callers commit."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, g
from flask import session as flask_session
from flask_login import login_user, logout_user
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts.models import Role, User
from portal.accounts.passwords import (
    MIN_PASSWORD_LENGTH,
    dummy_verify,
    hash_password,
    verify_password,
)
from portal.accounts.sessions import PortalSession, ServerSideSessionInterface
from portal.audit import record_audit


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
    actor: str | None = None,
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


def sign_in(session: Session, user: User) -> None:
    """Start a fresh server-side session for *user*: a new token (no session fixation) and a new
    CSRF token (one handed out before sign-in, perhaps to someone else, is worth nothing after)."""
    current = flask_session._get_current_object()  # type: ignore[attr-defined]
    if isinstance(current, PortalSession):
        current.regenerate()
    forget_csrf_token()
    login_user(user)
    record_audit(session, "login", target_type="user", target_id=user.id, summary=user.email)


def sign_out(session: Session, user: User) -> None:
    record_audit(session, "logout", target_type="user", target_id=user.id, summary=user.email)
    logout_user()
    flask_session.clear()  # the record is deleted with this request's transaction
    forget_csrf_token()


def forget_csrf_token() -> None:
    """Flask-WTF keeps the raw token in the session and the signed one for this request in ``g``."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    flask_session.pop(field, None)
    g.pop(field, None)


def change_password(session: Session, user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise AccountError("current-password-wrong")
    if len(new) < MIN_PASSWORD_LENGTH:
        raise AccountError("new-password-too-short")
    user.password_hash = hash_password(new)
    user.password_changed_at = datetime.now(UTC)
    session.flush()
    record_audit(
        session, "account.password", target_type="user", target_id=user.id, summary=user.email
    )


def set_password(session: Session, user: User, new: str, *, actor: str) -> None:
    """Give *user* a new password without the old one (an administrator's reset, or the command
    line): every session of theirs ends, and the change is audited."""
    if len(new) < MIN_PASSWORD_LENGTH:
        raise AccountError("new-password-too-short")
    user.password_hash = hash_password(new)
    user.password_changed_at = datetime.now(UTC)
    session.flush()
    end_sessions_of(user.id)
    record_audit(
        session,
        "account.password_reset",
        target_type="user",
        target_id=user.id,
        summary=user.email,
        actor=actor,
    )


def end_other_sessions(user_id: int) -> None:
    """Sign the user out everywhere but here (after a password change)."""
    end_sessions_of(user_id, keep_token=getattr(flask_session, "token", None))


def purge_expired_sessions() -> None:
    """Expired sessions are refused anyway; sign-ins sweep them out of the database now and then."""
    interface = current_app.session_interface
    if isinstance(interface, ServerSideSessionInterface):
        interface.store.purge_expired(interface.lifetimes(current_app)[0])


def end_sessions_of(user_id: int, keep_token: str | None = None) -> None:
    """Sign a user out of every session (but the one with *keep_token*), with the request's
    transaction."""
    interface = current_app.session_interface
    if isinstance(interface, ServerSideSessionInterface):
        interface.end_sessions_of(user_id, keep_token)
