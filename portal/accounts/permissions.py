"""Who may do what. Views declare it with a decorator; nothing else checks roles."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import Forbidden

from portal.accounts.sessions import SessionStoreUnavailable
from portal.errors import user_error

F = TypeVar("F", bound=Callable[..., Any])
#: A ``next`` longer than this is not a page of ours.
MAX_NEXT_LENGTH = 2000


def safe_next(target: str | None) -> str | None:
    """*target* if it is a path on this site, else None: not ``//host``, ``https://host`` nor
    ``/\\host``, and no control character anywhere (a CR/LF would split the redirect's headers; a
    tab or newline is dropped by browsers, turning ``/<TAB>/host`` into ``//host``)."""
    if not target or len(target) > MAX_NEXT_LENGTH:
        return None
    if any(unicodedata.category(character) in ("Cc", "Cf", "Zl", "Zp") for character in target):
        return None
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def roles_required(*roles: str) -> Callable[[F], F]:
    """Anonymous visitors go to the login page; a signed-in user without the role gets 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            g.private_page = True  # never cached (see accounts.is_private)
            if getattr(session, "unavailable", False):
                raise SessionStoreUnavailable()
            if not current_user.is_authenticated:
                return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
            if roles and current_user.role.value not in roles:
                raise user_error(Forbidden, _("Your account does not give access to this page."))
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorator


login_required = roles_required()
