"""Reading the query string and number-like path segments, one way for every view.

Numbers are ASCII digits only (``str.isdigit`` also takes ``²⁰²⁴``, ``①`` and ``４８``) and bounded
before they reach the database (PostgreSQL's ``integer`` holds at most 2³¹−1); text is bounded in
length and holds no control characters (PostgreSQL refuses NUL in a string); dates are ISO dates in a
range where "the day after" still exists. Anything else is a :class:`ParamError`, which a view turns
into a 400 in the reader's language (:func:`bad_request`); the ``*_param`` helpers do so directly.

The pure ``parse_*`` functions take a string and know nothing of requests, so filters shared by the
pages and the API (:mod:`portal.proposals.filters`) read their values the same way.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Mapping
from datetime import date
from typing import TypeVar

from flask import request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest, HTTPException, NotFound

from portal.errors import user_error

#: The largest value a database ``integer`` holds (ids, years, page numbers).
MAX_INT = 2**31 - 1
#: Free text (a search, a name to filter by) is cut off here, before it is parsed.
MAX_TEXT = 100
#: Dates accepted in filters: the day after the last one is still a date, on every database.
FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(2999, 12, 31)

_DIGITS = re.compile(r"[0-9]{1,10}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class ParamError(ValueError):
    """A query parameter that is not what the page takes. *kind* says what was expected:
    ``number`` (*allowed* holds an example), ``choice`` (one of *allowed*), ``length`` (at most
    ``allowed[0]`` characters), ``text`` (no control characters) or ``date``."""

    def __init__(
        self, name: str, value: str, allowed: Collection[str] = (), kind: str = "choice"
    ) -> None:
        super().__init__(f"{name}={value!r}")
        self.name = name
        self.value = shown(value)
        self.allowed = list(allowed)
        self.kind = kind

    def message(self) -> str:
        """What the reader is told, in their language."""
        if self.kind == "number":
            return _(
                "“%(value)s” is not a valid value for “%(name)s”. Use a number such as %(example)s.",
                value=self.value,
                name=self.name,
                example=self.allowed[0] if self.allowed else "1",
            )
        if self.kind == "length":
            if self.name == "q":
                return _(
                    "The search text is too long: use at most %(count)s characters.",
                    count=self.allowed[0],
                )
            return _(
                "The value of “%(name)s” is too long: use at most %(count)s characters.",
                name=self.name,
                count=self.allowed[0],
            )
        if self.kind == "text":
            return _(
                "The value of “%(name)s” contains control characters. Remove them and try again.",
                name=self.name,
            )
        if self.kind == "date":
            return _("“%(value)s” is not a date. Use the form 2026-11-26.", value=self.value)
        if self.kind == "date_range":
            return _(
                "“%(value)s” is outside the dates this list covers (%(first)s to %(last)s).",
                value=self.value,
                first=FIRST_DATE.isoformat(),
                last=LAST_DATE.isoformat(),
            )
        return _(
            "“%(value)s” is not a valid value for “%(name)s”. Use one of: %(allowed)s.",
            value=self.value,
            name=self.name,
            allowed=", ".join(self.allowed[:12]),
        )


def shown(value: str) -> str:
    """A refused value as it may be quoted back: short and printable."""
    value = "".join(c if unicodedata.category(c)[0] != "C" else "\ufffd" for c in value[:40])
    return value + ("…" if len(value) >= 40 else "")


# -- pure parsing --------------------------------------------------------------------------------


def parse_int(raw: str, *, low: int = 0, high: int = MAX_INT) -> int | None:
    """*raw* as an int if it is ASCII digits (at most ten) between *low* and *high*, else ``None``."""
    if not _DIGITS.fullmatch(raw):
        return None
    value = int(raw)
    return value if low <= value <= high else None


def parse_text(name: str, raw: str, *, max_length: int = MAX_TEXT) -> str:
    """*raw* with its whitespace collapsed; :class:`ParamError` if it holds a control character
    (NUL above all) or is longer than *max_length*."""
    if len(raw) > 4 * max_length + 100:  # bounded before any other work
        raise ParamError(name, raw, [str(max_length)], kind="length")
    text = " ".join(raw.split())
    if any(unicodedata.category(c) == "Cc" for c in text):
        raise ParamError(name, text, kind="text")
    if len(text) > max_length:
        raise ParamError(name, text, [str(max_length)], kind="length")
    return text


def parse_date(name: str, raw: str) -> date:
    """An ISO date (``2026-11-26``) between :data:`FIRST_DATE` and :data:`LAST_DATE`."""
    if not _ISO_DATE.fullmatch(raw):
        raise ParamError(name, raw, kind="date")
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise ParamError(name, raw, kind="date") from None
    if not FIRST_DATE <= value <= LAST_DATE:
        raise ParamError(name, raw, kind="date_range")
    return value


# -- from the request ----------------------------------------------------------------------------


def bad_request(error: ParamError) -> HTTPException:
    return user_error(BadRequest, error.message())


def _raw(name: str, args: Mapping[str, str] | None) -> str:
    return ((args if args is not None else request.args).get(name) or "").strip()


def int_param(
    name: str,
    default: int | None = None,
    *,
    low: int = 0,
    high: int = MAX_INT,
    example: str = "1",
    args: Mapping[str, str] | None = None,
) -> int | None:
    """``?name=`` as an int between *low* and *high*; *default* when absent or empty; 400 else."""
    raw = _raw(name, args)
    if raw == "":
        return default
    value = parse_int(raw, low=low, high=high)
    if value is None:
        raise bad_request(ParamError(name, raw, [example], kind="number"))
    return value


def text_param(
    name: str,
    default: str = "",
    *,
    max_length: int = MAX_TEXT,
    args: Mapping[str, str] | None = None,
) -> str:
    """``?name=`` with whitespace collapsed, at most *max_length* characters, no control
    characters; *default* when absent or blank; 400 else."""
    try:
        return parse_text(name, _raw(name, args), max_length=max_length) or default
    except ParamError as error:
        raise bad_request(error) from None


def choice_param(
    name: str,
    choices: Collection[str],
    default: str | None = None,
    *,
    args: Mapping[str, str] | None = None,
) -> str | None:
    """``?name=`` if it is one of *choices*; *default* when absent or empty; 400 else."""
    raw = _raw(name, args)
    if raw == "":
        return default
    if raw not in choices:
        raise bad_request(ParamError(name, raw, sorted(choices)))
    return raw


def date_param(name: str, *, args: Mapping[str, str] | None = None) -> date | None:
    """``?name=`` as an ISO date (see :func:`parse_date`); ``None`` when absent; 400 else."""
    raw = _raw(name, args)
    if raw == "":
        return None
    try:
        return parse_date(name, raw)
    except ParamError as error:
        raise bad_request(error) from None


def int_id_or_404(raw: str | int, message: str | None = None) -> int:
    """A database id from a path segment (``budget-48``) or a converted int: ASCII digits, 1 to
    :data:`MAX_INT`; anything else is no page (404, with *message* if given)."""
    value = raw if isinstance(raw, int) else parse_int(raw, low=1)
    if value is None or not 1 <= value <= MAX_INT:
        raise user_error(NotFound, message) if message else NotFound()
    return value


Found = TypeVar("Found")


def found_or_404(load: Callable[[int], Found | None], raw: str | int, message: str) -> Found:
    """What *load* finds for the id *raw* (read as :func:`int_id_or_404` reads it), or a 404
    saying *message* when the id is malformed or nothing has it."""
    found = load(int_id_or_404(raw, message))
    if found is None:
        raise user_error(NotFound, message)
    return found
