"""Publish-time totals: leaf lines only, longest prefix wins, staff items marked, exact money."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.spending.aggregation import AreaMapper, MappingRule, leaf_codes
from portal.spending.models import AreaTotal, BudgetLine
from tests.helpers import curated_amount, curated_lines, publish_spending

YEARS = [2021, 2022, 2023, 2024]


def test_longest_prefix_wins() -> None:
    mapper = AreaMapper(
        [
            MappingRule("205", "education", False),
            MappingRule("2050201", "childcare", False),
            MappingRule("22102", None, False),
            MappingRule("210", "healthcare", False),
            MappingRule("21011", "healthcare", True),
        ]
    )
    assert mapper.area_of("2050201") == "childcare"
    assert mapper.area_of("2050202") == "education"
    assert mapper.area_of("20502") == "education"
    assert mapper.area_of("2210201") is None
    assert mapper.area_of("2990101") is None
    assert mapper.staff_related("2101101") is True
    assert mapper.staff_related("2100101") is False


def test_leaf_codes_skip_subtotals() -> None:
    assert leaf_codes(["205", "20502", "2050201", "2050202", "20508", "208"]) == {
        "2050201",
        "2050202",
        "20508",
        "208",
    }


@pytest.mark.parametrize("year", YEARS)
def test_areas_split_the_classes_without_double_counting(snapshot, year: int) -> None:
    """Seven areas + lines not counted = the 类 rows of the published table, to the fen."""
    lines = curated_lines(year)
    class_total = sum(curated_amount(lines, c) for c in ("205", "208", "210", "221"))
    spending = snapshot().spending[year]
    counted = spending.total.executed + spending.unmapped.executed
    assert counted == class_total


@pytest.mark.parametrize("year", YEARS)
def test_childcare_takes_preschool_out_of_education(snapshot, year: int) -> None:
    lines = curated_lines(year)
    spending = snapshot().spending[year]
    childcare = (
        curated_amount(lines, "2050201")
        + curated_amount(lines, "21007")
        + curated_amount(lines, "2081001")
    )
    assert spending.areas["childcare"].executed == childcare
    education = curated_amount(lines, "205") - curated_amount(lines, "2050201")
    assert spending.areas["education"].executed == education


def test_staff_items_marked_and_staff_housing_not_counted(snapshot) -> None:
    lines = curated_lines(2023)
    spending = snapshot().spending[2023]
    assert spending.staff["elderly-care"].executed == lines["20805"]["executed"]
    assert spending.staff["healthcare"].executed == lines["21011"]["executed"]
    assert spending.unmapped.executed >= lines["22102"]["executed"]
    housing = curated_amount(lines, "22101") + curated_amount(lines, "22103")
    assert spending.areas["housing"].executed == housing


def test_department_lines_are_summed_exactly(app, session) -> None:
    """Many lines per code (departments, projects) add up exactly, with no float drift."""
    lines: list[tuple[str, str, str, str | None, str | None, str | None]] = [
        ("2050202", f"部门{i:03d}", f"项目{i}", "0.01", "0.01", "0.03") for i in range(1000)
    ]
    lines.append(("20508", "", "", "12345678901.23", None, None))
    version = publish_spending(session, 2030, lines)
    totals = {
        t.area: t
        for t in session.scalars(select(AreaTotal).where(AreaTotal.version_id == version.id))
    }
    assert totals["education"].budget == Decimal("12345678911.23")
    assert totals["education"].executed == Decimal("30.00")
    assert totals["education"].line_count == 1001
    assert (
        session.scalar(
            select(func.count()).select_from(BudgetLine).where(BudgetLine.version_id == version.id)
        )
        == 1001
    )
