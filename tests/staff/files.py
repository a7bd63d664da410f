"""Building upload files for the staff tests: spending tables with the bureau's headers or English
ones, in any encoding, as CSV or XLSX."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterable, Sequence
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
    rows: Iterable[Sequence[str]],
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
