"""The tables of a version's page (what publishing it would change), as :class:`Table`
descriptions that the ``data_table`` macro renders like every other table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from portal.datasets.labels import amount_label, amount_labels
from portal.i18n import table_unit
from portal.spending.areas import AREAS_BY_SLUG
from portal.staff.preview import CHANGE_KINDS, AreaComparison, LineChange, RecordChange
from portal.tables import Column, Table


def change_label(kind: str) -> str:
    return {"added": _("added"), "removed": _("removed"), "changed": _("changed")}[kind]


def line_lists() -> list[tuple[str, str]]:
    """``(list, label)`` of each list of lines, for the links between them."""
    return [(kind, change_label(kind)) for kind in CHANGE_KINDS]


def _area_row_name(slug: str) -> str:
    if slug == "total":
        return _("Seven areas together")
    if slug == "*":
        return _("The table's total")
    if slug == "":
        return _("Not counted as livelihood")
    area = AREAS_BY_SLUG.get(slug)
    return str(area.name) if area else ""


def areas_table(areas: Sequence[AreaComparison], amount: str) -> Table:
    """Each area's total of the stage's amount, now and after publishing (the unit is in the
    heading above the table)."""
    return Table(
        "areas",
        _("%(amount)s: now and after publishing", amount=amount_label(amount)),
        [
            Column("area", _("Area")),
            Column("before", _("Now"), "money", unit_in_header=False),
            Column("after", _("After publishing"), "money", unit_in_header=False),
            Column("change", _("Change"), "money", unit_in_header=False),
        ],
        [
            {
                "area": _area_row_name(row.slug),
                "before": row.before,
                "after": row.after,
                "change": row.change,
            }
            for row in areas
        ],
    )


def _amounts(change: LineChange, key: str) -> tuple[Decimal | None, ...]:
    """One amount (the line's, new or gone) or, where the line changed, ``(before, after)``."""
    before = getattr(change.before, key) if change.before else None
    after = getattr(change.after, key) if change.after else None
    if change.before and change.after and before != after:
        return (before, after)
    return (after,) if change.after else (before,)


def lines_table(changes: Sequence[LineChange], names: Mapping[str, str], shown: str) -> Table:
    """The lines *shown* (added, removed or changed), each named, with its amounts."""
    return Table(
        "lines",
        _(
            "Lines %(what)s (%(unit)s), in code order",
            what=change_label(shown),
            unit=table_unit(),
        ),
        [
            Column("line", _("Code and name in the file"), "code_name"),
            Column("department", _("Department")),
            Column("project", _("Project")),
            *(Column(key, label, "money_change") for key, label in amount_labels()),
        ],
        [
            {
                "line": (c.code, names.get(c.code) or ""),
                "department": c.department,
                "project": c.project,
                **{key: _amounts(c, key) for key, _label in amount_labels()},
            }
            for c in changes
        ],
    )


def _shown(value: Any) -> str:
    return "—" if value is None else str(value)


def _field_changes(change: RecordChange) -> str:
    parts = []
    for name, before, after in change.fields:
        if change.kind == "changed":
            parts.append(f"{name}: {_shown(before)} → {_shown(after)}")
        else:
            parts.append(f"{name}: {_shown(after if change.kind == 'added' else before)}")
    return "; ".join(parts)


def records_table(changes: Sequence[RecordChange]) -> Table:
    """Records (indicators, projects, national figures …) added, removed and changed, by key."""
    return Table(
        "records",
        _("Records added, removed and changed, by key"),
        [
            Column("key", _("Key"), "code_name"),
            Column("change", _("Change")),
            Column("details", _("Details")),
        ],
        [
            {"key": (c.key, ""), "change": change_label(c.kind), "details": _field_changes(c)}
            for c in changes
        ],
    )
