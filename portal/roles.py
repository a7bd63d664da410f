"""Who acts and what they may do: the roles, their labels, the decorator views declare their
permission with, and the :class:`Actor` every change is recorded under.

It imports no part of the portal but ``errors``, so that every package may use it: accounts
(which signs people in), audit (which records actors), and the domains (whose services take one).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Protocol, TypeVar, cast

from flask import g, redirect, request, url_for
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import Forbidden

from portal.errors import user_error

F = TypeVar("F", bound=Callable[..., Any])


class Role(enum.StrEnum):
    ADMIN = "admin"  # manages accounts, reads the audit log, and may do what editors do
    EDITOR = "editor"  # uploads, publishes, handles proposals
    DEPUTY = "deputy"  # a People's Congress deputy or CPPCC member following their own items


#: The back office's roles.
STAFF_ROLES = (Role.ADMIN, Role.EDITOR)

#: A role's name, as lists show it.
ROLE_LABELS: dict[Role, LazyString] = {
    Role.ADMIN: _l("Administrator"),
    Role.EDITOR: _l("Editor"),
    Role.DEPUTY: _l("Deputy or CPPCC member"),
}
#: A role with what it may do, as the form that gives it says (in the order offered).
ROLE_DUTIES: dict[Role, LazyString] = {
    Role.EDITOR: _l("Editor: uploads, publishes, handles proposals"),
    Role.ADMIN: _l("Administrator: also manages accounts and reads the audit log"),
    Role.DEPUTY: _l("Deputy or CPPCC member: follows their own items"),
}


# -- who acts --------------------------------------------------------------------------------------


class Person(Protocol):
    """A signed-in account, as far as an actor needs it."""

    @property
    def id(self) -> int: ...

    @property
    def email(self) -> str: ...


@dataclass(frozen=True)
class Actor:
    """Who makes a change: the name the audit log and the timelines show (an account's e-mail
    address, or what a command or a rule calls itself), the account if any, and the client's
    address if the change comes from a request. Views pass :func:`current_actor`; commands
    ``Actor.system("cli")``."""

    name: str
    user_id: int | None = None
    address: str | None = None

    @classmethod
    def system(cls, name: str) -> Actor:
        """A command, a rule or a data load: no account, no address."""
        return cls(name)

    @classmethod
    def user(cls, user: Person, address: str | None = None) -> Actor:
        return cls(user.email, user.id, address)


def current_actor() -> Actor:
    """Who makes this request: the signed-in user (or ``anonymous``) and the client's address,
    worked out once per request. Signing in and out name their actor themselves."""
    actor: Actor | None = g.get("_portal_actor")
    if actor is None:
        address = request.remote_addr
        if current_user.is_authenticated:
            actor = Actor.user(current_user, address)
        else:
            actor = Actor("anonymous", None, address)
        g._portal_actor = actor
    return actor


# -- who may do what -------------------------------------------------------------------------------


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Anonymous visitors go to the login page; a signed-in user without one of *roles* (any
    role, if none is named) gets 403. The view is marked as needing a session (see
    :func:`needs_sign_in`)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            g.private_page = True  # never cached (see accounts.is_private)
            if not current_user.is_authenticated:
                return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
            if roles and current_user.role not in roles:
                raise user_error(Forbidden, _("Your account does not give access to this page."))
            return view(*args, **kwargs)

        wrapper.needs_sign_in = True  # type: ignore[attr-defined]
        return cast(F, wrapper)

    return decorator


login_required = roles_required()


def needs_sign_in(view: Callable[..., Any] | None) -> bool:
    """Was *view* declared with :func:`roles_required` (or :data:`login_required`)?"""
    return bool(getattr(view, "needs_sign_in", False))
