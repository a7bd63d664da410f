"""Totals computed when spending is published, so no public page ever reads the raw lines.

A table carries 类 and 款 rows beside the 项 rows under them, and its own figures are what the
public must see: a published table's class rows and totals row are exact, while the sum of its
items may differ from them by rounding. So a code whose whole subtree belongs to one area (by the
longest mapping prefix) counts with the table's own figure for it; only a code split between areas
(205 education with 2050201 pre-school under childcare) is counted through the rows below it. The
version's total is its totals row where it has one (area ``*``). The database does the heavy sum
(one ``GROUP BY code``), so the work grows with the number of distinct codes, not of lines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from flask import Flask
from sqlalchemy import BigInteger, delete, func, select
from sqlalchemy.orm import Session

from portal.datasets.models import Dataset, DatasetKind, DatasetVersion
from portal.datasets.publishing import register_publishing
from portal.datasets.services import published_version, version_reading
from portal.db import from_scaled
from portal.spending.models import AreaMapping, AreaTotal, BudgetLine, CodeTotal
from portal.spending.queries import TABLE_TOTAL, Figures

CODE_LEVELS = (3, 5, 7)  # 类, 款, 项
AMOUNTS = ("budget", "adjusted", "executed")


@dataclass(frozen=True)
class MappingRule:
    prefix: str
    area: str | None
    staff_related: bool


class AreaMapper:
    """Longest-prefix lookup of the area (and staff-related flag) of a classification code."""

    def __init__(self, rules: Iterable[MappingRule]) -> None:
        self._rules = {rule.prefix: rule for rule in rules}
        self._lengths = sorted({len(prefix) for prefix in self._rules}, reverse=True)
        self._classes = {prefix[:3] for prefix in self._rules}

    def covers_class(self, class_code: str) -> bool:
        """Whether any rule is about codes of this class (a livelihood class)."""
        return class_code in self._classes

    def rule_for(self, code: str) -> MappingRule | None:
        for length in self._lengths:
            rule = self._rules.get(code[:length]) if length <= len(code) else None
            if rule is not None:
                return rule
        return None

    def area_of(self, code: str) -> str | None:
        rule = self.rule_for(code)
        return rule.area if rule else None

    def staff_related(self, code: str) -> bool:
        """Staff-related if the longest prefix marked either way says so, e.g. 21011 under 210."""
        rule = self.rule_for(code)
        return bool(rule and rule.staff_related)


def load_mapper(session: Session) -> AreaMapper:
    version = published_version(session, DatasetKind.MAPPING)
    if version is None:
        return AreaMapper([])
    rows = session.scalars(select(AreaMapping).where(AreaMapping.version_id == version.id))
    return AreaMapper(MappingRule(r.prefix, r.area, r.staff_related) for r in rows)


def leaf_codes(codes: Iterable[str]) -> set[str]:
    """The codes with no longer code below them in the same set."""
    code_set = set(codes)
    parents = {code[:length] for code in code_set for length in CODE_LEVELS if length < len(code)}
    return code_set - parents


@dataclass
class Sums:
    amounts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(AMOUNTS, 0))
    present: set[str] = field(default_factory=set)  # amount columns with at least one value
    lines: int = 0

    def add(self, amounts: dict[str, int | None], lines: int) -> None:
        for name in AMOUNTS:
            value = amounts[name]
            if value is not None:
                self.amounts[name] += value
                self.present.add(name)
        self.lines += lines

    def value(self, name: str) -> Decimal | None:
        return from_scaled(self.amounts[name], 6) if name in self.present else None


def sum_by_code(session: Session, version_id: int) -> dict[str, tuple[dict[str, int | None], int]]:
    """Sums per code of one version, in whole 分, summed by the database."""
    columns = [getattr(BudgetLine, name) for name in AMOUNTS]
    stmt = (
        select(
            BudgetLine.code,
            *[func.sum(func.coalesce(c, 0), type_=BigInteger) for c in columns],
            *[func.count(c) for c in columns],
            func.count(),
        )
        .where(BudgetLine.version_id == version_id)
        .group_by(BudgetLine.code)
    )
    # Money columns store whole 分; the sums come back as raw integers (not through the type).
    result: dict[str, tuple[dict[str, int | None], int]] = {}
    for row in session.execute(stmt):
        code, sums, counts, total = row[0], row[1:4], row[4:7], row[7]
        amounts = {
            name: (int(s) if n else None) for name, s, n in zip(AMOUNTS, sums, counts, strict=True)
        }
        result[code] = (amounts, int(total))
    return result


Amounts = dict[str, int | None]
ByCode = dict[str, tuple[Amounts, int]]


@dataclass
class TableFigures:
    """A version's figures per area and per (area, code), from the table's own rows."""

    areas: dict[str, Sums] = field(default_factory=lambda: defaultdict(Sums))
    staff: dict[str, Sums] = field(default_factory=lambda: defaultdict(Sums))
    codes: dict[tuple[str, str], Sums] = field(default_factory=lambda: defaultdict(Sums))
    total: Sums = field(default_factory=Sums)


def parent_code(code: str, present: Container[str]) -> str | None:
    """The nearest code above *code* that *present* holds: its 款, else its 类 (a table may leave
    out the 款 row of a 项)."""
    return next((code[:n] for n in (5, 3) if n < len(code) and code[:n] in present), None)


class CodeTree:
    """The codes of one version as a tree (each under the nearest code above it that the version
    has a row for), with each code's own sums."""

    def __init__(self, by_code: ByCode) -> None:
        self.by_code = by_code
        self.children: dict[str, list[str]] = defaultdict(list)
        self.tops: list[str] = []
        self._values: dict[str, Amounts] = {}
        for code in sorted(by_code):
            parent = parent_code(code, by_code)
            if parent is None:
                self.tops.append(code)
            else:
                self.children[parent].append(code)

    def value(self, code: str) -> Amounts:
        """The table's figure for *code*: its own row's, or the sum of the rows below it for an
        amount its row leaves empty (or when it has no row)."""
        if code in self._values:
            return self._values[code]
        own, _lines = self.by_code[code]
        below = [self.value(c) for c in self.children.get(code, [])]
        result: Amounts = {}
        for name in AMOUNTS:
            if own[name] is not None:
                result[name] = own[name]
            else:
                present = [b[name] for b in below if b[name] is not None]
                result[name] = sum(present) if present else None  # type: ignore[arg-type]
        self._values[code] = result
        return result

    def lines(self, code: str) -> int:
        """The lines of the most detailed rows under *code* (the lines the table itemises)."""
        below = self.children.get(code)
        if not below:
            return self.by_code[code][1]
        return sum(self.lines(c) for c in below)

    def subtree(self, code: str) -> list[str]:
        result = [code]
        for child in self.children.get(code, []):
            result.extend(self.subtree(child))
        return result


def table_figures(
    by_code: ByCode, mapper: AreaMapper, totals: Amounts | None = None
) -> TableFigures:
    """Per area, staff-related part and (area, code): the table's own figures, see the module."""
    tree = CodeTree(by_code)
    figures = TableFigures()
    key_of = {code: (mapper.area_of(code) or "", mapper.staff_related(code)) for code in by_code}

    def uniform(code: str) -> tuple[str, bool] | None:
        keys = {key_of[c] for c in tree.subtree(code)}
        return next(iter(keys)) if len(keys) == 1 else None

    def visit(code: str) -> None:
        key = uniform(code)
        if key is None:
            for child in tree.children[code]:
                visit(child)
            return
        area, staff = key
        amounts, lines = tree.value(code), tree.lines(code)
        figures.areas[area].add(amounts, lines)
        if staff:
            figures.staff[area].add(amounts, lines)
        for length in CODE_LEVELS:
            if length < len(code):
                figures.codes[(area, code[:length])].add(amounts, lines)
        for inner in tree.subtree(code):
            figures.codes[(area, inner)].add(tree.value(inner), tree.lines(inner))

    for top in tree.tops:
        visit(top)
        figures.total.add(tree.value(top), tree.lines(top))
    if totals:
        for name in AMOUNTS:
            value = totals.get(name)
            if value is not None:
                figures.total.amounts[name] = value
                figures.total.present.add(name)
    return figures


def file_totals(version: DatasetVersion) -> Amounts:
    """The totals row of the version's file, in 分 (empty when it has none)."""
    totals = version_reading(version).get("file_totals") or {}
    return {name: int(totals[name]) for name in AMOUNTS if totals.get(name) is not None}


@dataclass(frozen=True)
class VersionTotals:
    """A version's own figures: its total (the totals row, else the sum of its top rows) and
    each class (类) row's, in 万元."""

    total: Figures
    classes: dict[str, Figures]


def _figures_of(amounts: Amounts) -> Figures:
    return Figures(
        *(from_scaled(amounts[n], 6) if amounts.get(n) is not None else None for n in AMOUNTS)  # type: ignore[arg-type]
    )


def version_totals(session: Session, version_id: int) -> VersionTotals:
    version = session.get(DatasetVersion, version_id)
    assert version is not None
    by_code = sum_by_code(session, version_id)
    tree = CodeTree(by_code)
    total: Amounts = {}
    totals = file_totals(version)
    for name in AMOUNTS:
        values = [tree.value(top)[name] for top in tree.tops]
        present = [v for v in values if v is not None]
        total[name] = totals.get(name, sum(present) if present else None)
    classes = {code[:3]: _figures_of(tree.value(code)) for code in by_code if len(code) == 3}
    return VersionTotals(_figures_of(total), classes)


def compute_spending_aggregates(session: Session, version: DatasetVersion) -> None:
    """(Re)compute the area and code totals of one spending version with the published mapping."""
    figures = table_figures(
        sum_by_code(session, version.id), load_mapper(session), file_totals(version)
    )
    area_sums, staff_sums, code_sums = figures.areas, figures.staff, figures.codes
    area_sums[TABLE_TOTAL] = figures.total

    session.execute(delete(AreaTotal).where(AreaTotal.version_id == version.id))
    session.execute(delete(CodeTotal).where(CodeTotal.version_id == version.id))
    session.add_all(
        AreaTotal(
            version_id=version.id,
            area=area,
            budget=sums.value("budget"),
            adjusted=sums.value("adjusted"),
            executed=sums.value("executed"),
            staff_budget=staff_sums[area].value("budget") if area in staff_sums else None,
            staff_adjusted=staff_sums[area].value("adjusted") if area in staff_sums else None,
            staff_executed=staff_sums[area].value("executed") if area in staff_sums else None,
            line_count=sums.lines,
        )
        for area, sums in area_sums.items()
    )
    session.add_all(
        CodeTotal(
            version_id=version.id,
            area=area,
            code=code,
            budget=sums.value("budget"),
            adjusted=sums.value("adjusted"),
            executed=sums.value("executed"),
            line_count=sums.lines,
        )
        for (area, code), sums in code_sums.items()
    )
    session.flush()


def _aggregate_on_publish(session: Session, version: DatasetVersion) -> None:
    compute_spending_aggregates(session, version)


def _reaggregate_on_mapping_change(session: Session, version: DatasetVersion) -> None:
    """A new mapping re-files every published spending version under it."""
    version.dataset.published_version_id = version.id
    session.flush()
    live = session.scalars(
        select(DatasetVersion)
        .join(Dataset, Dataset.published_version_id == DatasetVersion.id)
        .where(Dataset.kind == DatasetKind.SPENDING)
    )
    for spending_version in live:
        compute_spending_aggregates(session, spending_version)


def init_app(app: Flask) -> None:
    """Aggregates are part of publishing: computed in the publishing transaction of every spending
    version, and of every spending version again when the mapping changes."""
    register_publishing(app, DatasetKind.SPENDING, hook=_aggregate_on_publish)
    register_publishing(app, DatasetKind.MAPPING, hook=_reaggregate_on_mapping_change)
