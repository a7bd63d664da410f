"""The proposals pages' tables (see :mod:`portal.tables`): each renders as HTML and downloads as
CSV, and each count links to the list filtered to the items it counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from flask import url_for
from flask_babel import gettext as _

from portal.datasets.labels import amount_label
from portal.i18n import localized
from portal.proposals import labels
from portal.proposals.filters import REPLYING, ListFilters
from portal.proposals.models import AWAITING_BUREAU, ItemKind, ProposalItem, ReplyClass
from portal.proposals.presenters import BudgetLineView
from portal.proposals.stats import Counts, Stats, ratio
from portal.spending.areas import AREAS, AREAS_BY_SLUG
from portal.tables import Column, Table


def _csv(name: str, **args: Any) -> str:
    return url_for("proposals.table_csv", name=name, **{k: v for k, v in args.items() if v})


def list_link(**filters: Any) -> str:
    return url_for("proposals.index", **ListFilters(**filters).query_args())


def list_table(
    items: list[ProposalItem], today: date, classes: list[ReplyClass], filters: ListFilters
) -> Table:
    rows = []
    for item in items:
        awaiting = item.status in AWAITING_BUREAU
        rows.append(
            {
                "number": labels.number_label(item),
                "url": url_for("proposals.detail", item_id=item.id),
                "session": labels.session_label(item),
                "type": labels.kind_label(item.kind),
                "year": item.year,
                "title": localized(item.title, item.title_en),
                "lead": localized(item.lead_submitter.name, item.lead_submitter.name_en),
                "areas": "; ".join(name for _slug, name in labels.area_names(item)),
                "role": labels.role_label(item.role),
                "status": labels.status_label(item.status),
                "due": item.current_due.isoformat() if awaiting and item.current_due else "",
                "due_text": labels.due_text(item.current_due, today) if awaiting else "",
                "class": labels.class_label(item.reply_class, classes) if item.reply_class else "",
                "replied_on": item.first_replied_on.isoformat() if item.first_replied_on else "",
                "disclosure": labels.disclosure_label(item.disclosure) if item.replied_on else "",
                "sample": _("Sample data") if item.sample else "",
            }
        )
    return Table(
        name="list",
        caption=_("Suggestions and proposals"),
        columns=[
            Column("number", _("Number"), link_key="url"),
            Column("session", _("Session")),
            Column("type", _("Type")),
            Column("year", _("Year")),
            Column("title", _("Title")),
            Column("lead", _("Lead submitter")),
            Column("areas", _("Areas")),
            Column("role", _("The bureau's role")),
            Column("status", _("Status")),
            Column("due", _("Due")),
            Column("due_text", _("Deadline")),
            Column("class", _("Reply class")),
            Column("replied_on", _("First replied on")),
            Column("disclosure", _("Reply disclosure")),
            Column("sample", _("Sample data")),
        ],
        rows=rows,
        csv_url=_csv("list", **filters.query_args(page=1)),
    )


def _group_label(group: str, key: Any) -> str:
    if group == "year":
        return str(key)
    if group == "type":
        return labels.kind_label(key)
    area = AREAS_BY_SLUG.get(key)
    return str(area.name) if area else str(key)


def _group_filter(group: str, key: Any) -> dict[str, Any]:
    if group == "year":
        return {"year": key}
    if group == "type":
        return {"kind": ItemKind(key)}
    return {"area": key}


def _groups(stats: Stats, group: str) -> list[tuple[Any, Counts]]:
    if group == "year":
        return list(stats.by_year)
    if group == "type":
        return list(stats.by_kind)
    order = {a.slug: i for i, a in enumerate(AREAS)}
    return sorted(stats.by_area, key=lambda pair: order.get(pair[0], 99))


GROUP_CAPTIONS: dict[str, Callable[[], str]] = {
    "year": lambda: _("by year"),
    "type": lambda: _("by type"),
    "area": lambda: _("by area"),
}
GROUP_HEADERS: dict[str, Callable[[], str]] = {
    "year": lambda: _("Year"),
    "type": lambda: _("Type"),
    "area": lambda: _("Area"),
}


def replies_table(stats: Stats, group: str) -> Table:
    """Items, replies, deadlines and meetings per year, type or area."""
    rows = []
    pairs = [*_groups(stats, group), (None, stats.overall)]
    for key, counts in pairs:
        scope = {"role": REPLYING, **(_group_filter(group, key) if key is not None else {})}
        rows.append(
            {
                "group": _group_label(group, key) if key is not None else _("All years"),
                "items": counts.items,
                "items_url": list_link(**scope),
                "replied": counts.replied,
                "replied_url": list_link(replied=True, **scope),
                "reply_rate": counts.reply_rate,
                "due": counts.due,
                "on_time": counts.on_time,
                "on_time_url": list_link(on_time=True, **scope),
                "on_time_rate": counts.on_time_rate,
                "overdue": counts.overdue,
                "overdue_url": list_link(overdue=True, **scope),
                "met": counts.met,
                "met_url": list_link(met=True, **scope),
                "meeting_rate": counts.meeting_rate,
            }
        )
    body, total = rows[:-1], rows[-1:]
    if group != "year":
        total = []  # an item can be in several areas; types add up but the total is shown by year
    return Table(
        name=f"replies-{group}",
        caption=_("Replies and deadlines %(group)s", group=GROUP_CAPTIONS[group]()),
        columns=[
            Column("group", GROUP_HEADERS[group]()),
            Column("items", _("Items"), "int", link_key="items_url"),
            Column("replied", _("Replied"), "int", link_key="replied_url"),
            Column("reply_rate", _("Reply rate"), "ratio"),
            Column("due", _("Due by today or replied"), "int"),
            Column("on_time", _("Replied on time"), "int", link_key="on_time_url"),
            Column("on_time_rate", _("On-time reply rate"), "ratio"),
            Column("overdue", _("Overdue now"), "int", link_key="overdue_url"),
            Column("met", _("Met the submitter"), "int", link_key="met_url"),
            Column("meeting_rate", _("Meeting rate"), "ratio"),
        ],
        rows=body,
        footer=total,
        csv_url=_csv(f"replies-{group}"),
        note=_(
            "Items the bureau replies to itself (sole, lead or split handling). Each count links to the list of the items it counts."
        )
        if group != "area"
        else _("An item concerning several areas is counted in each of them."),
    )


def satisfaction_table(stats: Stats, group: str) -> Table:
    rows = []
    pairs = [*_groups(stats, group), (None, stats.overall)]
    for key, counts in pairs:
        row: dict[str, Any] = {
            "group": _group_label(group, key) if key is not None else _("All years"),
            "feedback_first": counts.feedback_first,
            "feedback_final": counts.feedback_final,
        }
        row.update(
            {k: v for k, v in counts.rates().items() if k.startswith(("handling", "result"))}
        )
        rows.append(row)
    body, total = rows[:-1], rows[-1:]
    if group != "year":
        total = []
    return Table(
        name=f"satisfaction-{group}",
        caption=_("Satisfaction of the submitters %(group)s", group=GROUP_CAPTIONS[group]()),
        columns=[
            Column("group", GROUP_HEADERS[group]()),
            Column("feedback_first", _("Public feedback, first round"), "int"),
            Column("handling_first_satisfied", _("Handling: satisfied (first round)"), "ratio"),
            Column(
                "handling_first_ok", _("Handling: satisfied or basically (first round)"), "ratio"
            ),
            Column("result_first_satisfied", _("Result: satisfied (first round)"), "ratio"),
            Column("result_first_ok", _("Result: satisfied or basically (first round)"), "ratio"),
            Column("feedback_final", _("Public feedback, final round"), "int"),
            Column("handling_final_satisfied", _("Handling: satisfied (final)"), "ratio"),
            Column("handling_final_ok", _("Handling: satisfied or basically (final)"), "ratio"),
            Column("result_final_satisfied", _("Result: satisfied (final)"), "ratio"),
            Column("result_final_ok", _("Result: satisfied or basically (final)"), "ratio"),
        ],
        rows=body,
        footer=total,
        csv_url=_csv(f"satisfaction-{group}"),
        note=_(
            "Counted over feedback that is public, i.e. on replies published in full or as a summary. The final round is the re-handled reply where there was one."
        ),
    )


def classes_table(stats: Stats, classes: list[ReplyClass]) -> Table:
    rows = []
    years = sorted(stats.classes_by_year)
    for year in [*years, None]:
        counts = stats.classes_by_year.get(year, {}) if year is not None else stats.classes_total
        total = sum(counts.values())
        row: dict[str, Any] = {
            "year": str(year) if year is not None else _("All years"),
            "total": total,
        }
        for reply_class in classes:
            count = counts.get(reply_class.code, 0)
            row[f"n_{reply_class.code}"] = count
            row[f"share_{reply_class.code}"] = ratio(count, total)
            if year is not None:
                row[f"n_{reply_class.code}_url"] = list_link(
                    year=year, reply_class=reply_class.code, role=REPLYING
                )
        rows.append(row)
    columns = [Column("year", _("Year")), Column("total", _("Replied items"), "int")]
    for reply_class in classes:
        name = localized(reply_class.name_zh, reply_class.name_en)
        columns.append(
            Column(
                f"n_{reply_class.code}",
                _("%(code)s %(name)s", code=reply_class.code, name=name),
                "int",
                link_key=f"n_{reply_class.code}_url",
            )
        )
    for reply_class in classes:
        columns.append(
            Column(f"share_{reply_class.code}", _("Share %(code)s", code=reply_class.code), "ratio")
        )
    return Table(
        name="classes-year",
        caption=_("Reply classes by year"),
        columns=columns,
        rows=rows[:-1],
        footer=rows[-1:],
        csv_url=_csv("classes-year"),
        note=_("The class of each item's latest reply."),
    )


def budget_table(lines: list[BudgetLineView], item_id: int) -> Table:
    return Table(
        name="budget-lines",
        caption=_("Budget lines this item concerns"),
        columns=[
            Column("code", _("Code"), "code"),
            Column("name", _("Name")),
            Column("area", _("Area"), link_key="area_url"),
            Column("year", _("Year")),
            Column("budget", amount_label("budget"), "money"),
            Column("executed", amount_label("executed"), "money"),
        ],
        rows=[
            {
                "code": line.code,
                "name": line.name,
                "area": line.area_name,
                "area_url": url_for("pages.area", slug=line.area_slug, year=line.year),
                "year": line.year,
                "budget": line.budget,
                "executed": line.executed,
            }
            for line in lines
        ],
        csv_url=_csv(f"budget-{item_id}"),
    )


def stats_tables(stats: Stats, classes: list[ReplyClass]) -> dict[str, Table]:
    tables = {"classes-year": classes_table(stats, classes)}
    for group in ("year", "type", "area"):
        tables[f"replies-{group}"] = replies_table(stats, group)
        tables[f"satisfaction-{group}"] = satisfaction_table(stats, group)
    return tables


def rate(value: Decimal | None) -> float | None:
    return None if value is None else float(round(value, 4))
