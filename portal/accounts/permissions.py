"""Where a sign-in may send the reader next. (Who may see a page is declared with
:func:`portal.roles.roles_required`.)"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

__all__ = ["MAX_NEXT_LENGTH", "safe_next"]

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
