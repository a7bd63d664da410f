"""The spending import: a valid table becomes a draft with its exact lines and original file; every
bad file is answered with every problem (row, column, value, message) and writes nothing."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.datasets.models import DatasetVersion, Stage, VersionStatus
from portal.spending.models import BudgetLine
from portal.spending.upload import SpendingImportResult, import_spending
from portal.uploads.files import TableSource
from portal.uploads.importing import ImportResult
from tests.helpers import spending_request
from tests.staff.files import (
    EN_HEADERS,
    VALID_2023,
    ZH_HEADERS,
    csv_bytes,
    generated_lines,
    write,
    xlsx_bytes,
)


def run(session, path: Path, stage: Stage = Stage.FINAL, year: int = 2023) -> SpendingImportResult:
    return import_spending(
        session,
        path,
        spending_request(year=year, stage=stage, title="2023年决算（测试）", source_doc="测试文件"),
    )


def lines_of(session, version_id: int | None) -> list[tuple]:
    assert version_id is not None, "the import made no version"
    return [
        (line.code, line.department, line.project, line.budget, line.adjusted, line.executed)
        for line in session.scalars(
            select(BudgetLine).where(BudgetLine.version_id == version_id).order_by(BudgetLine.id)
        )
    ]


def messages(result: ImportResult) -> list[str]:
    return [p.describe() for p in result.problems.sorted()]


def test_a_gb18030_table_with_chinese_headers_becomes_a_draft(
    session, tmp_path, in_lang, counts
) -> None:
    content = csv_bytes(VALID_2023, encoding="gb18030")
    path = write(tmp_path, "2023决算.csv", content)
    before = counts()
    with in_lang("zh"):
        result = run(session, path)
    session.commit()
    assert result.ok, messages(result)
    assert result.rows == 4 and result.problems.total == 0
    version = session.get(DatasetVersion, result.version_id)
    assert version.status == VersionStatus.DRAFT
    assert version.sha256 == hashlib.sha256(content).hexdigest() == result.sha256
    assert version.original_file == content
    assert version.original_filename == "2023决算.csv"
    assert version.row_count == 4 and version.created_by == "tester"
    assert lines_of(session, version.id)[2:] == [
        (
            "2050202",
            "市教育局",
            "校舍维修",
            Decimal("100.00"),
            Decimal("110.00"),
            Decimal("105.00"),
        ),
        (
            "2050202",
            "市教育局",
            "教师培训",
            Decimal("200.00"),
            Decimal("200.00"),
            Decimal("200.00"),
        ),
    ]
    after = counts()
    assert after["published"] == before["published"]  # a draft changes nothing public
    assert after["data_version"] == before["data_version"]
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "dataset.import" and entry.target_id == str(version.id)
    assert entry.actor == "tester" and "4 rows" in entry.summary


def test_amounts_are_exact_whatever_their_form(session, tmp_path, in_lang) -> None:
    rows = [
        ["2050202", "", "甲", "", "1,234.5", "", "0.0001"],  # thousands separator, 4 places
        ["2050202", "", "乙", "", " 12 ", "—", "１２.３"],  # spaces, a dash for nil, full width
        ["2050202", "", "丙", "", "7", "-", "99999999.9999"],
        ["2050202", "", "丁", "", "0.10000", "", "3.00"],  # trailing zeros beyond four places
    ]
    path = write(tmp_path, "amounts.csv", csv_bytes(rows))
    with in_lang("en"):
        result = run(session, path)
    assert result.ok, messages(result)
    session.flush()
    assert [line[3:] for line in lines_of(session, result.version_id)] == [
        (Decimal("1234.50"), Decimal("0.00"), Decimal("0.0001")),  # blank and dashes: nil
        (Decimal("12.00"), Decimal("0.00"), Decimal("12.30")),
        (Decimal("7.00"), Decimal("0.00"), Decimal("99999999.9999")),
        (Decimal("0.10"), Decimal("0.00"), Decimal("3.00")),
    ]


@pytest.mark.parametrize(
    "kind", ["csv", "xlsx", "quoted", "tabs-bom-english", "utf16-tabs", "gbk-crlf"]
)
def test_every_format_gives_the_same_lines(session, tmp_path, in_lang, kind) -> None:
    rows = generated_lines(12_000, ["2050202", "2050203", "21003"])  # more than one batch
    if kind == "csv":
        path = write(tmp_path, "t.csv", csv_bytes(rows))
    elif kind == "xlsx":
        path = write(tmp_path, "t.xlsx", xlsx_bytes(rows))
    elif kind == "quoted":
        quoted = [[*r[:3], f'项目 "{r[3]}", 一期', *r[4:]] for r in rows]
        path = write(tmp_path, "t.csv", csv_bytes(quoted))
    elif kind == "utf16-tabs":  # Excel's "Unicode text"
        content = csv_bytes(rows, headers=EN_HEADERS, encoding="utf-16", delimiter="\t")
        path = write(tmp_path, "t.csv", content)
    elif kind == "gbk-crlf":  # GB18030 reads GBK, and a short row at the end is padded
        content = csv_bytes(rows, encoding="gbk") + "2050202,,末行,\r\n".encode("gbk")
        path = write(tmp_path, "t.csv", content)
        rows.append(["2050202", "", "末行", "", "", "", ""])
    else:
        content = csv_bytes(rows, headers=EN_HEADERS, encoding="utf-8-sig", delimiter="\t")
        path = write(tmp_path, "t.csv", content)
    with in_lang("en"):
        result = run(session, path, stage=Stage.BUDGET if kind == "gbk-crlf" else Stage.FINAL)
    if kind == "gbk-crlf":  # the padded row is read, its blank amounts as nil (a table's zero)
        assert result.ok, messages(result)[:5]
        session.flush()
        lines = lines_of(session, result.version_id)
        assert len(lines) == 12_001 and lines[-1] == ("2050202", "末行", "", *[Decimal("0.00")] * 3)
        return
    assert result.ok, messages(result)[:5]
    session.flush()
    lines = lines_of(session, result.version_id)
    assert len(lines) == 12_000
    assert lines[0][0] == "2050202" and lines[-1][0] == rows[-1][0]
    assert [line[4] for line in lines[:3]] == [Decimal(r[5]) for r in rows[:3]]
    if kind == "quoted":
        assert lines[0][2] == f'项目 "{rows[0][3]}", 一期'


def test_xlsx_numbers_read_as_a_clerk_sees_them(session, tmp_path, in_lang) -> None:
    rows = [[2050202, "小学教育", "部门", "项目", 100.1 + 0.2, 100, 12.35]]
    path = write(tmp_path, "n.xlsx", xlsx_bytes(rows))
    with in_lang("en"):
        result = run(session, path)
    assert result.ok, messages(result)
    session.flush()
    assert lines_of(session, result.version_id) == [
        ("2050202", "部门", "项目", Decimal("100.30"), Decimal("100.00"), Decimal("12.35"))
    ]


def test_title_rows_units_total_rows_and_blank_lines_are_understood(
    session, tmp_path, in_lang
) -> None:
    content = (
        "2023年一般公共预算支出决算表,,,,,,\r\n"
        "单位：万元,,,,,,\r\n"
        "科目编码,科目名称,部门,项目,预算数（万元）,调整预算数(万元),决算数 （万元）\r\n"
        "2050202,小学教育,甲,,1.00,1.00,1.00\r\n"
        ",,,,,,\r\n"
        "2050203,初中教育,甲,,2.00,2.00,2.00\r\n"
        ",合计,,,3.00,3.00,3.00\r\n"
    ).encode()
    path = write(tmp_path, "titled.csv", content)
    with in_lang("en"):
        result = run(session, path)
    assert result.ok, messages(result)
    assert result.rows == 2
    assert messages(result) == []  # the totals row agrees with the lines
    assert result.layout is not None
    assert result.layout.totals_row == 7 and result.layout.unit_from_file
    assert result.file_totals == {"budget": 3_000_000, "adjusted": 3_000_000, "executed": 3_000_000}


BAD_FILES = {
    "malformed code": (
        [["20502x", "", "", "", "1", "1", "1"], ["2050", "", "", "", "1", "1", "1"]],
        [
            "Error (row 2, column “科目编码”, value “20502x”): Not a functional classification code: a code is 3, 5 or 7 digits (class, section, item).",
            "Error (row 3, column “科目编码”, value “2050”): A functional classification code has 3, 5 or 7 digits (class, section, item), not 4.",
        ],
    ),
    "not a code of expenditure": (
        [["1010101", "", "", "", "1", "1", "1"]],
        [
            "Error (row 2, column “科目编码”, value “1010101”): Not a code of expenditure: the functional classification of expenditure starts with 2 (201 to 2xx)."
        ],
    ),
    "missing code": (
        [["", "小学教育", "甲", "", "1", "1", "1"]],
        [
            "Error (row 2, column “科目编码”, value “”): The code is missing: this row has amounts but no code. Give it its code, or leave the row out if it is a subtotal."
        ],
    ),
    "not a number": (
        [["2050202", "", "", "", "abc", "1", "1"]],
        [
            "Error (row 2, column “预算数”, value “abc”): Not an amount: write a number such as 1250.50 (in 10,000 yuan (万元))."
        ],
    ),
    "text in the amount": (
        [["2050202", "", "", "", "1", "1", "约5万"]],
        [
            "Error (row 2, column “决算数”, value “约5万”): Not an amount: write a number such as 1250.50 (in 10,000 yuan (万元))."
        ],
    ),
    "too precise": (
        [["2050202", "", "", "", "1.2345678", "1", "1"]],
        [
            "Error (row 2, column “预算数”, value “1.2345678”): More decimal places than the 分: in 10,000 yuan (万元) an amount has at most 6."
        ],
    ),
    "an amount too large for its unit": (
        [["2050202", "", "", "", "1", "1", "123456789012.00"]],
        [
            "Error (row 2, column “决算数”, value “123456789012.00”): Too large for one line (over 1 trillion yuan): check the unit, 10,000 yuan (万元)."
        ],
    ),
    "duplicate": (
        [
            ["2050202", "", "甲", "一", "1", "1", "1"],
            ["2050202", "", "甲", "二", "1", "1", "1"],
            ["2050202", "", "甲", "一", "2", "2", "2"],
        ],
        [
            "Error (row 4, column “科目编码”, value “2050202 / 甲 / 一”): Duplicate line: the same code, department and project as row 2."
        ],
    ),
    "subtotals": (
        [
            ["205", "", "", "", "3.00", "3.00", "3.50"],
            ["20502", "", "", "", "3.00", "3.00", "3.00"],
            ["2050202", "", "", "", "1.00", "1.00", "1.00"],
            ["2050203", "", "", "", "2.00", "2.50", "2.00"],
        ],
        [
            "Error (row 2, column “决算数”, value “3.50 万元”): Class 205 totals 3.50 万元, but the sections and items below it add up to 3.00 万元 (a difference of 0.50 万元).",
            "Error (row 3, column “调整预算数”, value “3.00 万元”): Section 20502 totals 3.00 万元, but the items below it add up to 3.50 万元 (a difference of 0.50 万元).",
        ],
    ),
    "department too long": (
        [["2050202", "", "部" * 201, "", "1", "1", "1"]],
        [f"Error (row 2, column “部门”, value “{'部' * 79}…”): Too long: at most 200 characters."],
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_every_bad_line_gets_its_message_and_nothing_is_written(
    session, tmp_path, in_lang, counts, case
) -> None:
    rows, expected = BAD_FILES[case]
    path = write(tmp_path, "bad.csv", csv_bytes(rows))
    before = counts()
    with in_lang("en"):
        result = run(session, path)
        assert not result.ok
        assert [m for m in messages(result) if m.startswith("Error")] == expected
    assert result.version_id is None
    assert counts() == before


BAD_TABLES = {
    "empty file": ("empty.csv", b"", "Error: The file is empty."),
    "header only": (
        "h.csv",
        csv_bytes([]),
        "Error: The table has a header but no lines with a code.",
    ),
    "wrong file type": (
        "table.pdf",
        b"%PDF-1.7 ...",
        "Error: Files of type “.pdf” cannot be imported. Upload a CSV file (.csv) or an Excel workbook (.xlsx).",
    ),
    "a pdf named csv": (
        "table.csv",
        b"%PDF-1.7 ...",
        "Error: This is a PDF document, not a table. Upload the table itself as CSV or .xlsx.",
    ),
    "binary": (
        "image.csv",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "Error: This file is not a table: it holds binary data. Upload a CSV file or an .xlsx workbook.",
    ),
    "old excel": (
        "old.xlsx",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,
        "Error: This is a workbook in the old Excel format (.xls). Save it as an Excel workbook (.xlsx) or as CSV and upload that.",
    ),
    "a zip that is no workbook": (
        "t.xlsx",
        b"PK\x03\x04" + b"not really a zip",
        "Error: This file is not an Excel workbook (.xlsx) that can be read. Save it again from Excel, or as CSV.",
    ),
    "not text": (
        "t.csv",
        b"\x81\x20\xff\xfe\x80 code,name",
        "Error: This file is not readable text: it is neither UTF-8 nor GB18030. Save the table as CSV (UTF-8) or as an .xlsx workbook.",
    ),
    "no header": (
        "letter.csv",
        "尊敬的领导：\n附件为今年的预算表。\n".encode(),
        "Error: No header row was found in the first 40 rows: the table needs a row naming its columns, such as 科目编码 (or 类/款/项), 科目名称 and 预算数 / 决算数.",
    ),
    "missing required column": (
        "t.csv",
        csv_bytes([["2050202", "1"]], headers=["科目编码", "预算数"]),
        "Error (row 1): This table holds budget (预算数), not the final accounts (决算数) of the stage chosen (Final accounts). Choose the stage the table is for, or name the column on the form.",
    ),
}


@pytest.mark.parametrize("case", list(BAD_TABLES))
def test_every_bad_file_gets_its_message_and_nothing_is_written(
    session, tmp_path, in_lang, counts, case
) -> None:
    name, content, expected = BAD_TABLES[case]
    path = write(tmp_path, name, content)
    before = counts()
    with in_lang("en"):
        result = run(session, path)
        assert not result.ok
        assert expected in messages(result)
    assert counts() == before


def test_every_problem_is_reported_at_once(session, tmp_path, in_lang) -> None:
    rows = [
        ["2050202", "", "甲", "", "x", "1", "1"],
        ["99", "", "甲", "", "1", "1", "1"],
        ["2050202", "", "甲", "", "1", "1", ""],
        ["20899", "", "", "", "1", "1", "1"],
    ]
    content = csv_bytes(rows, headers=[*ZH_HEADERS, "备注"])
    path = write(tmp_path, "many.csv", content)
    with in_lang("zh"):
        result = run(session, path)
        text = "\n".join(messages(result))
    assert result.problems.errors == 3  # x, 99, and row 4 repeats row 2 (a blank amount is nil)
    assert "20899" in text  # a warning: no area claims it
    assert "第2行" in text or "row 2" in text  # the Chinese catalogue may not have it yet


def test_an_unmapped_code_is_a_warning_only(session, tmp_path, in_lang) -> None:
    path = write(tmp_path, "w.csv", csv_bytes([["20899", "", "", "", "1", "1", "1"]]))
    with in_lang("en"):
        result = run(session, path)
        assert result.ok
        assert messages(result) == [
            "Warning (row 2, column “科目编码”, value “20899”): No area is assigned to code 20899, so its 1 line(s) will count as not livelihood spending."
        ]


def test_year_column_must_match(session, tmp_path, in_lang) -> None:
    content = csv_bytes(
        [["2023", "2050202", "1", "1"], ["2022", "2050203", "1", "1"]],
        headers=["年度", "科目编码", "预算数", "决算数"],
    )
    with in_lang("en"):
        result = run(session, write(tmp_path, "y.csv", content))
        assert messages(result) == [
            "Error (row 3, column “年度”, value “2022”): This row is not for 2023, the year of this upload."
        ]


def test_a_repeat_far_apart_is_found_with_the_row_it_repeats(session, tmp_path, in_lang) -> None:
    rows = generated_lines(30_000, ["2050202", "21003"])
    rows.append(list(rows[17]))
    with in_lang("en"):
        result = run(session, write(tmp_path, "d.csv", csv_bytes(rows)))
        assert [p.describe() for p in result.errors] == [
            f"Error (row 30002, column “科目编码”, value “{rows[17][0]} / {rows[17][2]} / {rows[17][3]}”): "
            "Duplicate line: the same code, department and project as row 19."
        ]


def test_an_upload_stream_reads_like_a_file(session, in_lang) -> None:
    content = csv_bytes(VALID_2023)
    source = TableSource.from_bytes(content, "upload.csv")
    with in_lang("en"):
        result = import_spending(
            session,
            source,
            spending_request(),
        )
    assert result.ok and result.rows == 4
