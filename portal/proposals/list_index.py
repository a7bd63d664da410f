"""The public list's filters answered from memory: one index per data version and day.

Every filter of the list (but the text search) is a condition on one item's own columns, so the
items matching a combination are the intersection of one set per active filter. The index holds
those sets as bit masks over the items in list order (bit *i* is the *i*-th item by year, number
and id), built from two statements when a worker first needs it after a publish or at midnight
(the deadline filters depend on the day), and kept per data version like the menus. A never-seen
combination of filters then costs a few integer ``&`` and reading its page's bits: no SQL, and
nothing that grows with the combinations asked.

The masks follow :func:`portal.proposals.queries.conditions` exactly, SQL's ``NULL`` included (a
comparison with ``NULL`` is not true); a test checks every filter against the SQL list.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.proposals.filters import REPLYING, ListFilters
from portal.proposals.models import AWAITING_BUREAU, HandlingRole, ItemArea, ProposalItem
from portal.proposals.queries import LIST_ORDER, REPLYING_ROLES

#: The masks are read in chunks of this many bits when a page is looked for.
CHUNK = 4096

Key = tuple[str, Hashable]


@dataclass(frozen=True)
class ListIndex:
    """Which items each filter value selects, as bit masks over the items in list order."""

    order: tuple[int, ...]  # item ids in list order: bit i is order[i]
    masks: dict[Key, int]
    samples: frozenset[int]  # ids of sample items

    @property
    def everything(self) -> int:
        return (1 << len(self.order)) - 1

    def matching(self, filters: ListFilters) -> int:
        """The mask of the items *filters* select (its text search ignored: see
        :func:`answers`)."""
        mask = self.everything
        for key in filter_keys(filters):
            mask &= self.masks.get(key, 0)
            if not mask:
                break
        return mask

    def page(self, filters: ListFilters, per_page: int) -> tuple[list[int], int]:
        """The ids on the page *filters* ask for, in list order, and how many items match."""
        mask = self.matching(filters)
        skip = (filters.page - 1) * per_page
        return [self.order[bit] for bit in set_bits(mask, skip, per_page)], mask.bit_count()


def answers(filters: ListFilters) -> bool:
    """Whether the index can answer *filters*: everything but a text search."""
    return not filters.q


def filter_keys(filters: ListFilters) -> Iterator[Key]:
    """The mask keys a combination of filters intersects, as :func:`queries.conditions` reads
    them."""
    if filters.year is not None:
        yield ("year", filters.year)
    if filters.kind is not None:
        yield ("kind", filters.kind)
    if filters.status is not None:
        yield ("status", filters.status)
    if filters.area is not None:
        yield ("area", filters.area)
    if filters.role == REPLYING:
        yield ("role", REPLYING)
    elif filters.role is not None:
        yield ("role", HandlingRole(filters.role))
    if filters.reply_class is not None:
        yield ("reply_class", filters.reply_class)
    if filters.overdue:
        yield ("overdue", True)
    if filters.due_soon:
        yield ("due_soon", True)
    if filters.replied is not None:
        yield ("replied", filters.replied)
    if filters.on_time is not None:
        yield ("on_time", filters.on_time)
    if filters.met is not None:
        yield ("met", filters.met)
    if filters.handling is not None:
        yield ("handling", filters.handling)
    if filters.result is not None:
        yield ("result", filters.result)


def set_bits(mask: int, skip: int, take: int) -> list[int]:
    """The positions of *mask*'s set bits, lowest first, after the first *skip*, at most *take*."""
    found: list[int] = []
    base = 0
    whole = (1 << CHUNK) - 1
    while mask and len(found) < take:
        chunk = mask & whole
        count = chunk.bit_count()
        if skip >= count:
            skip -= count
        else:
            while chunk and len(found) < take:
                lowest = chunk & -chunk
                chunk ^= lowest
                if skip:
                    skip -= 1
                else:
                    found.append(base + lowest.bit_length() - 1)
        mask >>= CHUNK
        base += CHUNK
    return found


def build_index(session: Session, today: date, soon_days: int) -> ListIndex:
    """Read every item's filtered columns (and its areas) and build the masks for *today*."""
    c = ProposalItem
    rows = session.execute(
        select(
            c.id,
            c.year,
            c.kind,
            c.status,
            c.role,
            c.reply_class,
            c.current_due,
            c.reply_due,
            c.first_replied_on,
            c.first_reply_on_time,
            c.met_on,
            c.handling_final,
            c.result_final,
            c.sample,
        ).order_by(*LIST_ORDER)
    ).all()
    order = tuple(row.id for row in rows)
    position = {item_id: bit for bit, item_id in enumerate(order)}
    masks: dict[Key, int] = {}

    def mark(key: Key, bit: int) -> None:
        masks[key] = masks.get(key, 0) | (1 << bit)

    soon_until = today + timedelta(days=soon_days)
    for bit, row in enumerate(rows):
        mark(("year", row.year), bit)
        mark(("kind", row.kind), bit)
        mark(("status", row.status), bit)
        mark(("role", row.role), bit)
        if row.role in REPLYING_ROLES:
            mark(("role", REPLYING), bit)
        if row.reply_class is not None:
            mark(("reply_class", row.reply_class), bit)
        due = row.current_due
        if row.status in AWAITING_BUREAU and due is not None:
            if due < today:
                mark(("overdue", True), bit)
            elif due <= soon_until:
                mark(("due_soon", True), bit)
        mark(("replied", row.first_replied_on is not None), bit)
        if row.first_reply_on_time is True:
            mark(("on_time", True), bit)
        if row.first_reply_on_time is False or (
            row.first_replied_on is None and row.reply_due is not None and row.reply_due < today
        ):
            mark(("on_time", False), bit)
        mark(("met", row.met_on is not None), bit)
        if row.handling_final is not None:
            mark(("handling", row.handling_final), bit)
        if row.result_final is not None:
            mark(("result", row.result_final), bit)
    for item_id, area in session.execute(select(ItemArea.item_id, ItemArea.area)):
        if item_id in position:
            mark(("area", area), position[item_id])
    samples = frozenset(row.id for row in rows if row.sample)
    return ListIndex(order, masks, samples)
