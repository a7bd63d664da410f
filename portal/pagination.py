"""One way to page a list: a :class:`Page` of items with its bounds, :func:`paginate` for a
``select()``, and :func:`page_count` where only a count is known. Templates render every page with
the ``pagination`` macro of ``templates/_macros/pagination.html``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from werkzeug.exceptions import NotFound

from portal.errors import user_error

T = TypeVar("T")


def page_count(total: int, per_page: int) -> int:
    """How many pages *total* items fill, *per_page* to a page; an empty list has one page."""
    return max(1, (total + per_page - 1) // per_page)


@dataclass(frozen=True)
class Page(Generic[T]):
    """Page *page* (from 1) of a list of *total* items, *per_page* to a page."""

    items: Sequence[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)

    @property
    def offset(self) -> int:
        return (max(self.page, 1) - 1) * self.per_page


def check_page(page: int, pages: int, message: str | None = None) -> None:
    """A 404 (with *message*, or "There is no page of that number.") for a page past the last."""
    if page > pages:
        raise user_error(NotFound, message or _("There is no page of that number."))


def paginate(session: Session, statement: Select[Any], page: int, per_page: int) -> Page[Any]:
    """Page *page* of what *statement* selects (its order kept), counted with ``COUNT(*)``."""
    counted = select(func.count()).select_from(statement.order_by(None).subquery())
    total = session.scalar(counted) or 0
    offset = (max(page, 1) - 1) * per_page
    items = list(session.scalars(statement.limit(per_page).offset(offset)))
    return Page(items, total, page, per_page)
