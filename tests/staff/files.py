"""Building upload files for the staff tests: spending tables with the bureau's headers or English
ones, in any encoding, as CSV or XLSX."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

ZH_HEADERS = ["科目编码", "科目名称", "部门", "项目", "预算数", "调整预算数", "决算数"]
EN_HEADERS = ["code", "name", "department", "project", "budget", "adjusted", "executed"]

#: A valid final-accounts table for 2023: class 205 = section 20502 = the two items below it.
VALID_2023 = [
    ["205", "教育支出", "", "", "300.00", "310.00", "305.00"],
    ["20502", "普通教育", "", "", "300.00", "310.00", "305.00"],
    ["2050202", "小学教育", "市教育局", "校舍维修", "100.00", "110.00", "105.00"],
    ["2050202", "小学教育", "市教育局", "教师培训", "200.00", "200.00", "200.00"],
]


def csv_bytes(
    rows: Iterable[Sequence[object]],
    headers: Sequence[str] | None = ZH_HEADERS,
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    if headers is not None:
        writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(
    rows: Iterable[Sequence[object]], headers: Sequence[str] | None = ZH_HEADERS
) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    if headers is not None:
        sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def generated_lines(count: int, codes: Sequence[str], seed: int = 7) -> list[list[str]]:
    """*count* distinct leaf lines (no subtotal rows), amounts with two places."""
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        budget = rng.randrange(1, 20_000)
        rows.append(
            [
                codes[i % len(codes)],
                "",
                f"部门{rng.randrange(1, 60):03d}",
                f"项目{i:07d}",
                f"{budget / 100:.2f}",
                f"{budget / 100:.2f}",
                f"{budget * 9 // 10 / 100:.2f}",
            ]
        )
    return rows


#: The columns of a proposals handling ledger as the bureau's export names them (a subset: the
#: English ones, body and the English reply columns are left out).
LEDGER_HEADERS = [
    "届次",
    "类型",
    "编号",
    "年度",
    "标题",
    "领衔人",
    "联名人",
    "领域",
    "承办方式",
    "轮次",
    "交办日期",
    "延期后期限（月）",
    "延期理由",
    "延期日期",
    "面商日期",
    "面商方式",
    "答复日期",
    "答复文号",
    "答复类别",
    "答复摘要",
    "公开方式",
    "不公开理由",
    "公开日期",
    "办理满意度",
    "结果满意度",
    "反馈日期",
    "反馈意见",
    "办结日期",
]


def ledger_rows(
    rows: Sequence[Mapping[str, object]], headers: Sequence[str] = LEDGER_HEADERS
) -> list[list[object]]:
    """Ledger rows given as {header: value}, in the order of *headers* (missing cells empty)."""
    unknown = {name for row in rows for name in row} - set(headers)
    assert not unknown, f"not a ledger column: {unknown}"
    return [[row.get(name, "") for name in headers] for row in rows]
