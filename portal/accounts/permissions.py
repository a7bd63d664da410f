"""Who may do what. Views declare it with a decorator; nothing else checks roles."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import Forbidden

from portal.errors import user_error

F = TypeVar("F", bound=Callable[..., Any])


def safe_next(target: str | None) -> str | None:
    """*target* if it stays on this site (a path, not ``//host`` or ``https://host``), else None."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


def roles_required(*roles: str) -> Callable[[F], F]:
    """Anonymous visitors go to the login page; a signed-in user without the role gets 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
            if roles and current_user.role.value not in roles:
                raise user_error(Forbidden, _("Your account does not give access to this page."))
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorator


login_required = roles_required()
