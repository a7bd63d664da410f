"""Reading items: the filtered, paged list, one item, the panels on other pages.

Lists are paged in SQL (LIMIT/OFFSET on an index order) and counted with ``COUNT(*)`` on the same
conditions, which only touch the derived columns of ``proposal_item`` (indexed). Search reads the
bigram index of the public text (:mod:`portal.proposals.search`), so it costs what its matches
cost, not what the table holds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, case, exists, false, func, or_, select, true
from sqlalchemy.orm import Session, defer, selectinload

from portal.pagination import Page
from portal.proposals.filters import REPLYING, ListFilters
from portal.proposals.models import (
    AWAITING_BUREAU,
    Cosigner,
    Disclosure,
    HandlingRole,
    ItemArea,
    ProposalItem,
    ReplyClass,
    Status,
)
from portal.proposals.search import plan_search

PER_PAGE = 20
T = TypeVar("T")
REPLYING_ROLES = (HandlingRole.SOLE, HandlingRole.LEAD, HandlingRole.SPLIT)


def awaiting_bureau() -> ColumnElement[bool]:
    return ProposalItem.status.in_(AWAITING_BUREAU)


def overdue_condition(today: date) -> ColumnElement[bool]:
    return and_(awaiting_bureau(), ProposalItem.current_due < today)


def due_soon_condition(today: date, soon_days: int) -> ColumnElement[bool]:
    return and_(
        awaiting_bureau(),
        ProposalItem.current_due >= today,
        ProposalItem.current_due <= today + timedelta(days=soon_days),
    )


def late_condition(today: date) -> ColumnElement[bool]:
    """First reply late, or not given and past due: the complement of "on time" among items due."""
    return or_(
        ProposalItem.first_reply_on_time == false(),
        and_(ProposalItem.first_replied_on.is_(None), ProposalItem.reply_due < today),
    )


def conditions(filters: ListFilters, today: date, soon_days: int) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if filters.year is not None:
        where.append(ProposalItem.year == filters.year)
    if filters.kind is not None:
        where.append(ProposalItem.kind == filters.kind)
    if filters.status is not None:
        where.append(ProposalItem.status == filters.status)
    if filters.area is not None:
        where.append(
            exists().where(ItemArea.item_id == ProposalItem.id, ItemArea.area == filters.area)
        )
    if filters.role == REPLYING:
        where.append(ProposalItem.role.in_(REPLYING_ROLES))
    elif filters.role is not None:
        where.append(ProposalItem.role == HandlingRole(filters.role))
    if filters.reply_class is not None:
        where.append(ProposalItem.reply_class == filters.reply_class)
    if filters.overdue:
        where.append(overdue_condition(today))
    if filters.due_soon:
        where.append(due_soon_condition(today, soon_days))
    if filters.replied is not None:
        column = ProposalItem.first_replied_on
        where.append(column.is_not(None) if filters.replied else column.is_(None))
    if filters.on_time is True:
        where.append(ProposalItem.first_reply_on_time == true())
    elif filters.on_time is False:
        where.append(late_condition(today))
    if filters.met is not None:
        where.append(
            ProposalItem.met_on.is_not(None) if filters.met else ProposalItem.met_on.is_(None)
        )
    if filters.handling is not None:
        where.append(ProposalItem.handling_final == filters.handling)
    if filters.result is not None:
        where.append(ProposalItem.result_final == filters.result)
    return where


def of_submitter(submitter_id: int) -> ColumnElement[bool]:
    """Items where the submitter is the lead or a co-signer."""
    return or_(
        ProposalItem.lead_submitter_id == submitter_id,
        exists().where(Cosigner.item_id == ProposalItem.id, Cosigner.submitter_id == submitter_id),
    )


LIST_ORDER = (ProposalItem.year.desc(), ProposalItem.number.desc(), ProposalItem.id.desc())


def list_page(
    session: Session,
    filters: ListFilters,
    today: date,
    *,
    soon_days: int = 14,
    per_page: int = PER_PAGE,
    submitter_id: int | None = None,
) -> Page[ProposalItem]:
    where = conditions(filters, today, soon_days)
    if submitter_id is not None:
        where.append(of_submitter(submitter_id))
    order: tuple[Any, ...] = LIST_ORDER
    if submitter_id is not None:
        # A deputy's own list: replies waiting for feedback first.
        order = (case((ProposalItem.status == Status.REPLIED, 0), else_=1), *LIST_ORDER)
    return _page(session, where, filters.q, order, filters.page, per_page, load=loader(session))


#: A search that matches more items than this reads a page by probing the items in list order
#: (about 20 × items ÷ matches probes); one that matches fewer gathers its matches and sorts them.
PROBE_IN_ORDER_ABOVE = 1000


def list_page_ids(
    session: Session,
    filters: ListFilters,
    today: date,
    *,
    soon_days: int = 14,
    per_page: int = PER_PAGE,
) -> Page[int]:
    """:func:`list_page`'s page as the items' ids (whose cards may be rendered already)."""
    where = conditions(filters, today, soon_days)
    return _page(session, where, filters.q, LIST_ORDER, filters.page, per_page, load=list)


def _page(
    session: Session,
    where: list[ColumnElement[bool]],
    q: str,
    order: tuple[Any, ...],
    page: int,
    per_page: int,
    *,
    load: Callable[[list[int]], list[T]],
) -> Page[T]:
    """One page of the items meeting *where* and the search *q*, as *load* reads them from their
    ids, and how many there are."""
    search = plan_search(session, q)
    offset = (page - 1) * per_page
    total = search.total if not where else None
    if total is None and not search:
        # Without a search the page does not depend on the count, so it is read first, and a
        # page that is not full says how many there are (offset + its items): no count at all,
        # as for most never-seen combinations of filters.
        ids = _page_ids(session, where, order, per_page, offset)
        if len(ids) < per_page and (ids or page == 1):
            return Page(load(ids), offset + len(ids), page, per_page)
        return Page(load(ids), _count(session, where), page, per_page)
    if total is None:
        total = _count(session, [*where, *search.conditions()])
    in_order = search.conditions(in_list_order=total > PROBE_IN_ORDER_ABOVE)
    ids = _page_ids(session, [*where, *in_order], order, per_page, offset)
    return Page(load(ids), total, page, per_page)


def _count(session: Session, where: list[ColumnElement[bool]]) -> int:
    counted = select(func.count()).select_from(ProposalItem).where(*where)
    return session.scalar(counted) or 0


def _page_ids(
    session: Session,
    where: list[ColumnElement[bool]],
    order: tuple[Any, ...],
    limit: int,
    offset: int,
) -> list[int]:
    """The ids of one page, in list order. Ids first, then the items by id: a never-seen
    combination of filters is a new statement to compile, and compiling one that selects a column
    costs a fraction of one that loads whole items; the load by ids is one statement whatever the
    filters (compiled once)."""
    statement = select(ProposalItem.id).where(*where).order_by(*order)
    return list(session.scalars(statement.limit(limit).offset(offset)))


def loader(session: Session) -> Callable[[list[int]], list[ProposalItem]]:
    return lambda ids: items_by_id(session, ids)


def items_by_id(session: Session, ids: list[int]) -> list[ProposalItem]:
    """The items with *ids*, in that order (without the columns a list never shows)."""
    if not ids:
        return []
    found = session.scalars(
        select(ProposalItem)
        .where(ProposalItem.id.in_(ids))
        .options(
            defer(ProposalItem.search_text), defer(ProposalItem.body), defer(ProposalItem.body_en)
        )
    )
    by_id = {item.id: item for item in found}
    return [by_id[i] for i in ids if i in by_id]


def all_matching(
    session: Session, filters: ListFilters, today: date, soon_days: int = 14
) -> list[ProposalItem]:
    """Every item matching *filters* (for the CSV download of the list)."""
    search = plan_search(session, filters.q)
    return list(
        session.scalars(
            select(ProposalItem)
            .where(*conditions(filters, today, soon_days), *search.conditions())
            .order_by(*LIST_ORDER)
            .options(
                defer(ProposalItem.search_text),
                defer(ProposalItem.body),
                defer(ProposalItem.body_en),
            )
        )
    )


def get_item(session: Session, item_id: int) -> ProposalItem | None:
    return session.scalar(
        select(ProposalItem)
        .where(ProposalItem.id == item_id)
        .options(
            selectinload(ProposalItem.cosigners),
            selectinload(ProposalItem.events),
            selectinload(ProposalItem.replies),
            selectinload(ProposalItem.feedback),
        )
    )


def reply_classes(session: Session) -> list[ReplyClass]:
    return list(session.scalars(select(ReplyClass).order_by(ReplyClass.position, ReplyClass.code)))


def area_items(session: Session, slug: str, limit: int = 5) -> tuple[int, list[ProposalItem]]:
    """How many items concern the area, and the latest few."""
    in_area = exists().where(ItemArea.item_id == ProposalItem.id, ItemArea.area == slug)
    total = session.scalar(select(func.count()).select_from(ProposalItem).where(in_area)) or 0
    items = session.scalars(
        select(ProposalItem)
        .where(in_area)
        .order_by(*LIST_ORDER)
        .limit(limit)
        .options(defer(ProposalItem.search_text), defer(ProposalItem.body))
    )
    return total, list(items)


def latest_public_replies(session: Session, limit: int = 5) -> list[ProposalItem]:
    """Items whose latest reply is public (in full or as a summary), newest publication first."""
    return list(
        session.scalars(
            select(ProposalItem)
            .where(
                ProposalItem.published_on.is_not(None),
                ProposalItem.disclosure.in_((Disclosure.FULL, Disclosure.SUMMARY)),
            )
            .order_by(ProposalItem.published_on.desc(), ProposalItem.id.desc())
            .limit(limit)
            .options(selectinload(ProposalItem.replies), defer(ProposalItem.search_text))
        )
    )


# -- the staff's queue ---------------------------------------------------------------------------

#: The queue's lists: what the bureau owes, most urgent first.
QUEUES = ("overdue", "due_soon", "unpublished", "awaiting_feedback", "all")


def unpublished_condition() -> ColumnElement[bool]:
    """Replied (not as a co-handler), and no disclosure decision on the latest reply yet."""
    return and_(
        ProposalItem.replied_on.is_not(None),
        ProposalItem.disclosure.is_(None),
        ProposalItem.role != HandlingRole.CO,
    )


def queue_condition(queue: str, today: date, soon_days: int) -> ColumnElement[bool] | None:
    if queue == "overdue":
        return overdue_condition(today)
    if queue == "due_soon":
        return due_soon_condition(today, soon_days)
    if queue == "unpublished":
        return unpublished_condition()
    if queue == "awaiting_feedback":
        return ProposalItem.status == Status.REPLIED
    return None  # all


def queue_order(queue: str) -> tuple[Any, ...]:
    if queue in ("overdue", "due_soon"):
        return (ProposalItem.current_due, ProposalItem.id)
    if queue == "unpublished":
        return (ProposalItem.disclosure_due, ProposalItem.id)
    if queue == "awaiting_feedback":
        return (ProposalItem.replied_on, ProposalItem.id)
    return LIST_ORDER


def queue_counts(session: Session, today: date, soon_days: int) -> dict[str, int]:
    """How many items each list of the queue holds (one indexed count each)."""
    counts = {}
    for queue in QUEUES:
        condition = queue_condition(queue, today, soon_days)
        counted = select(func.count()).select_from(ProposalItem)
        if condition is not None:
            counted = counted.where(condition)
        counts[queue] = session.scalar(counted) or 0
    return counts


def queue_page(
    session: Session,
    queue: str,
    today: date,
    *,
    q: str = "",
    page: int = 1,
    soon_days: int = 14,
    per_page: int = PER_PAGE,
) -> Page[ProposalItem]:
    condition = queue_condition(queue, today, soon_days)
    where = [condition] if condition is not None else []
    return _page(session, where, q, queue_order(queue), page, per_page, load=loader(session))
