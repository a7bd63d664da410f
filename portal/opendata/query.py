"""The query parameters of the open-data API, declared once: a :class:`Param` reads and normalises
its value (the cache key and the view see the canonical text) and describes itself in the OpenAPI
document and on the developers page.

The API is stricter than the pages: a parameter the endpoint does not take is a 400 naming it (a
misspelt filter must not silently return everything), as is a value that does not parse. Only
``lang`` (every endpoint takes it) and tracking tags (``utm_*``, which shared links carry) pass.
Errors are problem documents whose ``invalid_params`` name the parameter (RFC 7807, section 3)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, request
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest

from portal.errors import handle_http_error
from portal.i18n import LANGUAGES
from portal.params import ParamError, parse_int, parse_text, shown
from portal.spending.areas import AREA_SLUGS

#: Tracking tags that links shared on social media carry: not filters, so never refused.
IGNORED_PREFIX = "utm_"


class InvalidParameter(BadRequest):
    """A query parameter the endpoint does not take, or a value it cannot use: a 400 whose problem
    document names the parameter (``invalid_params``) and says why in the reader's language."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(description=reason)
        self.portal_message = True  # shown as it is (see portal.errors.user_error)
        self.parameter = name


class BadValue(ValueError):
    """Raised by a :attr:`Param.read` function with the message (translated) to show."""


@dataclass(frozen=True)
class Param:
    """One query parameter: its name, what it means (for the OpenAPI document and the developers
    page), its JSON Schema, and how a non-empty value is read into its canonical text (raising
    :class:`BadValue` or :class:`~portal.params.ParamError`). A value equal to *default* is left
    out of the cache key."""

    name: str
    description: LazyString | str
    schema: Mapping[str, Any]
    read: Callable[[str], str]
    default: str | None = None
    example: str | None = None


def check_unknown(names: Sequence[str]) -> None:
    """Refuse a parameter not in *names* (besides ``lang`` and ``utm_*``), an empty one (the API
    is read by programs: ``?year=`` is more likely a bug than a wish for every year), and a
    ``lang`` the portal does not have."""
    for name in request.args:
        if name in names and not request.args.get(name, "").strip():
            raise InvalidParameter(
                name, _("“%(name)s” is empty: give it a value, or leave it out.", name=name)
            )
        if name in names or name == "lang" or name.startswith(IGNORED_PREFIX):
            continue
        allowed = ", ".join(["lang", *names])
        raise InvalidParameter(
            shown(name),
            _(
                "“%(name)s” is not a parameter of this address. It takes: %(allowed)s.",
                name=shown(name),
                allowed=allowed,
            ),
        )
    lang = request.args.get("lang")
    if lang is not None and lang not in LANGUAGES:
        raise InvalidParameter(
            "lang",
            ParamError("lang", lang, sorted(LANGUAGES)).message(),
        )


def read_query(params: Sequence[Param]) -> dict[str, str]:
    """The declared parameters of this request, read and normalised: ``{name: canonical text}``,
    empty values and defaults left out. Raises :class:`InvalidParameter` for anything else."""
    check_unknown([p.name for p in params])
    return read_params(params)


def read_params(params: Sequence[Param]) -> dict[str, str]:
    """As :func:`read_query`, for *params* alone (the caller checks the other names)."""
    values: dict[str, str] = {}
    for param in params:
        given = request.args.getlist(param.name)
        if len(given) > 1:
            raise InvalidParameter(
                param.name,
                _("Give “%(name)s” once only.", name=param.name),
            )
        raw = given[0].strip() if given else ""
        if raw == "":
            continue
        try:
            value = param.read(raw)
        except ParamError as error:
            raise InvalidParameter(param.name, error.message()) from None
        except BadValue as error:
            raise InvalidParameter(param.name, str(error)) from None
        if value != param.default:
            values[param.name] = value
    return values


# -- readers -------------------------------------------------------------------------------------


def read_year(raw: str) -> str:
    year = parse_int(raw, low=1000, high=9999) if len(raw) == 4 else None
    if year is None:
        raise BadValue(
            _("“%(value)s” is not a year. Use four digits, e.g. 2024.", value=shown(raw))
        )
    return str(year)


def number_reader(name: str, low: int, high: int) -> Callable[[str], str]:
    def read(raw: str) -> str:
        value = parse_int(raw, low=low, high=high)
        if value is None:
            raise BadValue(
                _(
                    "“%(value)s” is not a valid value for “%(name)s”. Use a whole number from"
                    " %(low)s to %(high)s.",
                    value=shown(raw),
                    name=name,
                    low=low,
                    high=high,
                )
            )
        return str(value)

    return read


def read_code(raw: str) -> str:
    if not (raw.isascii() and raw.isdigit() and 1 <= len(raw) <= 7):
        raise BadValue(
            _(
                "“%(value)s” is not a classification code. Use 1 to 7 digits, e.g. 205 or 2050201.",
                value=shown(raw),
            )
        )
    return raw


def read_text(name: str, max_length: int) -> Callable[[str], str]:
    def read(raw: str) -> str:
        return parse_text(name, raw, max_length=max_length)

    return read


def named_choice(name: str, choices: Sequence[str]) -> Callable[[str], str]:
    def read(raw: str) -> str:
        if raw not in choices:
            raise ParamError(name, raw, list(choices))
        return raw

    return read


# -- the parameters several endpoints share ------------------------------------------------------

#: The most items one page of a list holds.
MAX_PER_PAGE = 1000
MAX_PAGE = 100_000

YEAR = Param(
    "year",
    _l("The year (four digits)."),
    {"type": "integer", "minimum": 1000, "maximum": 9999},
    read_year,
    example="2024",
)
AREA = Param(
    "area",
    _l("One of the seven areas, by its slug."),
    {"type": "string", "enum": list(AREA_SLUGS)},
    named_choice("area", AREA_SLUGS),
    example="education",
)
PAGE = Param(
    "page",
    _l("The page to return, from 1. A page past the last one is refused."),
    {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
    number_reader("page", 1, MAX_PAGE),
    default="1",
)


def per_page(default: int, most: int = MAX_PER_PAGE) -> Param:
    return Param(
        "per_page",
        _l("How many items a page holds."),
        {"type": "integer", "minimum": 1, "maximum": most, "default": default},
        number_reader("per_page", 1, most),
        default=str(default),
    )


def page_beyond_last(page: int, pages: int) -> InvalidParameter:
    return InvalidParameter(
        "page",
        _("There is no page %(page)s: the list has %(pages)s.", page=page, pages=pages),
    )


# -- the problem document -----------------------------------------------------------------------


def problem_with_parameter(error: InvalidParameter) -> tuple[Response | str, int]:
    """The usual problem document (see :mod:`portal.errors`), with ``invalid_params``."""
    response, code = handle_http_error(error)
    if isinstance(response, Response) and response.mimetype == "application/problem+json":
        body = response.get_json()
        body["invalid_params"] = [{"name": error.parameter, "reason": error.description}]
        response.set_data(current_app.json.dumps(body))
    return response, code


def init_app(app: Flask) -> None:
    app.register_error_handler(InvalidParameter, problem_with_parameter)
