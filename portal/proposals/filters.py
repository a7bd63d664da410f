"""The list's filters, read from a query string the same way for the pages and the API. An unknown
value is refused (:class:`~portal.params.ParamError`), never guessed."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar

from portal.params import ParamError, parse_int, parse_text
from portal.proposals.models import HandlingRole, ItemKind, Satisfaction, Status
from portal.spending.areas import AREA_SLUGS

#: ``role=replying``: the items the bureau replies to itself (sole, lead or split), as counted
#: by the statistics.
REPLYING = "replying"
MAX_QUERY = 100
MAX_PAGE = 100_000
TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"0", "false", "no", "off"}


class InvalidFilter(ParamError):
    """A filter that is not one the list has (see :class:`portal.params.ParamError`)."""


@dataclass(frozen=True)
class ListFilters:
    year: int | None = None
    kind: ItemKind | None = None
    status: Status | None = None
    area: str | None = None
    role: str | None = None  # a HandlingRole value or REPLYING
    reply_class: str | None = None
    overdue: bool = False
    due_soon: bool = False
    replied: bool | None = None
    on_time: bool | None = None
    met: bool | None = None
    handling: Satisfaction | None = None  # final round
    result: Satisfaction | None = None  # final round
    q: str = ""
    page: int = 1

    #: dataclass field → query parameter
    PARAMS: ClassVar[dict[str, str]] = {"kind": "type", "reply_class": "class"}

    def query_args(self, **changes: object) -> dict[str, Any]:
        """The query parameters that reproduce these filters, defaults left out (page 1, no
        filter; ``replied=no`` is a filter, ``overdue=no`` is none)."""
        args: dict[str, Any] = {}
        for f in fields(self):
            value = changes.get(f.name, getattr(self, f.name))
            if value == f.default or value is None:
                continue
            if isinstance(value, bool):
                text = "yes" if value else "no"
                if f.name in ("overdue", "due_soon"):
                    text = "1"
            else:
                text = str(value)
            args[self.PARAMS.get(f.name, f.name)] = text
        return args

    @property
    def active(self) -> bool:
        return bool(self.query_args(page=1))


#: Every query parameter the filters read, and the values of the choices.
QUERY_NAMES = frozenset(ListFilters.PARAMS.get(f.name, f.name) for f in fields(ListFilters))
NO_FILTERS = ListFilters()
KINDS = [k.value for k in ItemKind]
STATUSES = [s.value for s in Status]
SATISFACTIONS = [s.value for s in Satisfaction]
ROLES = [*(r.value for r in HandlingRole), REPLYING]


def _choice(args: Mapping[str, str], name: str, allowed: Collection[str] | None) -> str | None:
    """One of *allowed*; with ``None``, any short plain text (for a cache key read without the
    database: the page itself checks the value)."""
    raw = (args.get(name) or "").strip()
    if raw == "":
        return None
    if allowed is None:
        return parse_text(name, raw, max_length=40) or None
    if raw not in allowed:
        raise InvalidFilter(name, raw, allowed)
    return raw


def _flag(args: Mapping[str, str], name: str) -> bool | None:
    raw = (args.get(name) or "").strip().lower()
    if raw == "":
        return None
    if raw in TRUE_VALUES:
        return True
    if raw in FALSE_VALUES:
        return False
    raise InvalidFilter(name, raw[:40], ["yes", "no"])


def _number(args: Mapping[str, str], name: str, low: int, high: int, example: str) -> int | None:
    raw = (args.get(name) or "").strip()
    if raw == "":
        return None
    value = parse_int(raw, low=low, high=high)
    if value is None:
        raise InvalidFilter(name, raw, [example], kind="number")
    return value


def parse_filters(args: Mapping[str, str], reply_classes: Collection[str] | None) -> ListFilters:
    """Read the filters from *args* (a request's query string). With *reply_classes* ``None`` the
    class is not checked against the database's classes (see :func:`_choice`)."""
    given = QUERY_NAMES.intersection(args)
    if not given:
        return NO_FILTERS  # the plain list, the most asked for
    # A plain dict of the names given: a werkzeug MultiDict raises (and catches) an exception
    # for each name it does not hold, which would cost more than the parsing.
    args = {name: args[name] for name in given}
    kind = _choice(args, "type", KINDS)
    status = _choice(args, "status", STATUSES)
    handling = _choice(args, "handling", SATISFACTIONS)
    result = _choice(args, "result", SATISFACTIONS)
    q = parse_text("q", args.get("q") or "", max_length=MAX_QUERY)
    return ListFilters(
        year=_number(args, "year", 1949, 2999, "2025"),
        kind=ItemKind(kind) if kind else None,
        status=Status(status) if status else None,
        area=_choice(args, "area", AREA_SLUGS),
        role=_choice(args, "role", ROLES),
        reply_class=_choice(
            args, "class", None if reply_classes is None else sorted(reply_classes)
        ),
        overdue=bool(_flag(args, "overdue")),
        due_soon=bool(_flag(args, "due_soon")),
        replied=_flag(args, "replied"),
        on_time=_flag(args, "on_time"),
        met=_flag(args, "met"),
        handling=Satisfaction(handling) if handling else None,
        result=Satisfaction(result) if result else None,
        q=q,
        page=_number(args, "page", 1, MAX_PAGE, "1") or 1,
    )
