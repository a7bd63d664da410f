"""The bureau's record in numbers: reply rate (办复率), on-time reply rate (按期办复率),
satisfaction, meeting rate (见面率), reply classes, overdue items.

Every figure is a ``GROUP BY`` over the derived columns of ``proposal_item`` (a handful of queries
whatever the number of items), kept per data version and day. Every count is over the items the
bureau replies to itself (sole, lead or split: ``role=replying`` in the list), so each one can be
checked against the list with the filters shown beside it.

Definitions (also shown on the page):
- reply rate: items with a first reply ÷ items;
- on-time reply rate: items whose first reply came by the due date (extensions included) ÷ items
  whose reply is due by today or has been given;
- satisfaction: among items whose feedback is public, the share 满意, and 满意 or 基本满意, on
  handling and on result, for the first round and for the final round;
- meeting rate: items where the bureau met or talked with the submitter ÷ items.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, case, func, or_, select, true
from sqlalchemy.orm import Session

from portal.proposals.models import HandlingRole, ItemArea, ItemKind, ProposalItem, Satisfaction
from portal.proposals.queries import REPLYING_ROLES, overdue_condition

OK = (Satisfaction.SATISFIED, Satisfaction.BASIC)


def ratio(part: int, whole: int) -> Decimal | None:
    return None if whole == 0 else Decimal(part) / Decimal(whole)


@dataclass(frozen=True)
class Counts:
    items: int = 0
    replied: int = 0
    due: int = 0
    on_time: int = 0
    overdue: int = 0
    met: int = 0
    feedback_first: int = 0
    handling_first_satisfied: int = 0
    handling_first_ok: int = 0
    result_first_satisfied: int = 0
    result_first_ok: int = 0
    feedback_final: int = 0
    handling_final_satisfied: int = 0
    handling_final_ok: int = 0
    result_final_satisfied: int = 0
    result_final_ok: int = 0

    @property
    def reply_rate(self) -> Decimal | None:
        return ratio(self.replied, self.items)

    @property
    def on_time_rate(self) -> Decimal | None:
        return ratio(self.on_time, self.due)

    @property
    def meeting_rate(self) -> Decimal | None:
        return ratio(self.met, self.items)

    def satisfaction(self, count: str, rounds: str, level: str) -> Decimal | None:
        """e.g. ``satisfaction("handling", "final", "ok")``: 满意+基本满意 on handling, final round."""
        return ratio(
            getattr(self, f"{count}_{rounds}_{level}"), getattr(self, f"feedback_{rounds}")
        )

    def rates(self) -> dict[str, Decimal | None]:
        rates = {
            "reply_rate": self.reply_rate,
            "on_time_rate": self.on_time_rate,
            "meeting_rate": self.meeting_rate,
        }
        for count in ("handling", "result"):
            for rounds in ("first", "final"):
                for level in ("satisfied", "ok"):
                    rates[f"{count}_{rounds}_{level}"] = self.satisfaction(count, rounds, level)
        return rates


@dataclass
class Stats:
    today: date
    data_version: int
    overall: Counts
    by_year: list[tuple[int, Counts]] = field(default_factory=list)
    by_kind: list[tuple[ItemKind, Counts]] = field(default_factory=list)
    by_area: list[tuple[str, Counts]] = field(default_factory=list)
    #: year → reply class → items whose latest reply has that class
    classes_by_year: dict[int, dict[str, int]] = field(default_factory=dict)
    classes_total: dict[str, int] = field(default_factory=dict)
    co_items: int = 0


def _count_if(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _aggregates(today: date) -> list[Any]:
    item = ProposalItem
    columns = [
        func.count().label("items"),
        _count_if(item.first_replied_on.is_not(None)).label("replied"),
        _count_if(or_(item.first_replied_on.is_not(None), item.reply_due < today)).label("due"),
        _count_if(item.first_reply_on_time == true()).label("on_time"),
        _count_if(overdue_condition(today)).label("overdue"),
        _count_if(item.met_on.is_not(None)).label("met"),
    ]
    for rounds in ("first", "final"):
        handling = getattr(item, f"handling_{rounds}")
        result = getattr(item, f"result_{rounds}")
        columns += [
            _count_if(handling.is_not(None)).label(f"feedback_{rounds}"),
            _count_if(handling == Satisfaction.SATISFIED).label(f"handling_{rounds}_satisfied"),
            _count_if(handling.in_(OK)).label(f"handling_{rounds}_ok"),
            _count_if(result == Satisfaction.SATISFIED).label(f"result_{rounds}_satisfied"),
            _count_if(result.in_(OK)).label(f"result_{rounds}_ok"),
        ]
    return columns


def _counts(row: Any) -> Counts:
    return Counts(**{name: int(row._mapping[name] or 0) for name in Counts.__dataclass_fields__})


def compute_stats(session: Session, today: date, data_version: int = 0) -> Stats:
    replying = ProposalItem.role.in_(REPLYING_ROLES)
    aggregates = _aggregates(today)
    overall = session.execute(select(*aggregates).where(replying)).one()
    stats = Stats(today=today, data_version=data_version, overall=_counts(overall))
    for row in session.execute(
        select(ProposalItem.year, *aggregates)
        .where(replying)
        .group_by(ProposalItem.year)
        .order_by(ProposalItem.year)
    ):
        stats.by_year.append((row.year, _counts(row)))
    for row in session.execute(
        select(ProposalItem.kind, *aggregates)
        .where(replying)
        .group_by(ProposalItem.kind)
        .order_by(ProposalItem.kind)
    ):
        stats.by_kind.append((ItemKind(row.kind), _counts(row)))
    for row in session.execute(
        select(ItemArea.area, *aggregates)
        .join(ItemArea, ItemArea.item_id == ProposalItem.id)
        .where(replying)
        .group_by(ItemArea.area)
    ):
        stats.by_area.append((row.area, _counts(row)))
    for row in session.execute(
        select(ProposalItem.year, ProposalItem.reply_class, func.count())
        .where(replying, ProposalItem.reply_class.is_not(None))
        .group_by(ProposalItem.year, ProposalItem.reply_class)
    ):
        year, code, count = row
        if code is None:
            continue
        stats.classes_by_year.setdefault(year, {})[code] = count
        stats.classes_total[code] = stats.classes_total.get(code, 0) + count
    stats.co_items = (
        session.scalar(
            select(func.count())
            .select_from(ProposalItem)
            .where(ProposalItem.role == HandlingRole.CO)
        )
        or 0
    )
    return stats


_lock = threading.Lock()


def cached_stats(session: Session, today: date, data_version: int) -> Stats:
    """The statistics of this data version and day, computed once per process."""
    cache: dict[str, Stats] = current_app.extensions.setdefault("proposals.stats", {})
    stats = cache.get("current")
    if stats is not None and (stats.data_version, stats.today) == (data_version, today):
        return stats
    with _lock:
        stats = cache.get("current")
        if stats is None or (stats.data_version, stats.today) != (data_version, today):
            stats = compute_stats(session, today, data_version)
            cache["current"] = stats
    return stats
