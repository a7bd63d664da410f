"""Whatever a spending file holds, the import answers with a report and never an exception, and a
refused file writes nothing: random grids of header words, codes, amounts and junk (Hypothesis), and
workbooks built to be awkward (huge merged ranges, a stray cell far to the right)."""

from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import func, select

from portal.datasets.models import DatasetVersion, Stage
from portal.roles import Actor
from portal.spending.upload import import_spending
from portal.uploads.files import TableSource
from portal.uploads.importing import ImportRequest
from portal.uploads.units import Unit

WORDS = [
    "科目编码", "科目名称", "类", "款", "项", "项目", "预算数", "决算数", "调整预算数", "合计",
    "基本支出", "项目支出", "金额", "合 计", "总计", "单位：万元", "单位：元", "（万元）", "注：",
    "栏次", "1", "2", "208", "05", "2080505", "２０８", "[208]社会保障", "1,234.56", "-", "—",
    "12.3456789", "1e5", "(5.00)", "abc", "2024年预算数", "上年决算数", "", "", "",
]  # fmt: skip
CELLS = st.one_of(st.sampled_from(WORDS), st.text(max_size=12))
GRIDS = st.lists(st.lists(CELLS, max_size=8), min_size=1, max_size=14)


def _csv(grid: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(grid)
    return buffer.getvalue().encode("utf-8", errors="replace")


def _versions(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(DatasetVersion))


def _run(session, content: bytes, name: str, unit: Unit | None, stage: Stage):
    return import_spending(
        session,
        TableSource.from_bytes(content, name),
        ImportRequest(
            year=2039,
            stage=stage,
            title="fuzz",
            source_doc="fuzz",
            created_by=Actor("fuzz"),
            unit=unit,
            level="fuzz",
        ),
    )


@settings(
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    grid=GRIDS,
    unit=st.one_of(st.none(), st.sampled_from(list(Unit))),
    stage=st.sampled_from([Stage.BUDGET, Stage.ADJUSTED, Stage.FINAL]),
)
def test_any_grid_gets_a_report_and_a_refusal_writes_nothing(
    session, in_lang, grid, unit, stage
) -> None:
    before = _versions(session)
    with in_lang("zh"):
        result = _run(session, _csv(grid), "fuzz.csv", unit, stage)
        for problem in result.problems.sorted():
            assert problem.describe()  # every message renders in the clerk's language
    if not result.ok:
        assert _versions(session) == before


def test_huge_merged_ranges_and_a_stray_cell_far_right_are_harmless(session, in_lang) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["示例表"])
    sheet.append(["科目编码", "科目名称", "预算数"])
    for i, code in enumerate(("2050202", "2050203", "2050204")):
        sheet.append([code, "小学教育", f"{i + 1}.00"])
    sheet.cell(row=1, column=16_000, value="x")  # a stray cell: the sheet is 16,000 columns wide
    sheet.merge_cells("A1:C1")
    sheet.merge_cells("D1:WZZ2")  # a merged range over everything to the right
    buffer = io.BytesIO()
    workbook.save(buffer)
    with in_lang("en"):
        result = _run(session, buffer.getvalue(), "wide.xlsx", Unit.WAN, Stage.BUDGET)
    assert result.ok, [p.describe() for p in result.errors]
    assert result.layout.width == 3 and result.rows == 3
