"""Whatever bytes are uploaded — any encoding (UTF-8, GB18030, UTF-16), any line ends (``\\r``,
``\\n``, ``\\r\\n``, mixed), numbers and dates of thousands of digits, digits of other scripts
(``𐩀``, ``²``, ``٢``), formulas, NULs, or bytes that are no table at all — every upload kind
(spending, indicators, projects, the proposals ledger) answers with a report: never an exception,
never a 5xx through the upload page, and a refused file writes nothing."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from portal.datasets.models import Stage
from portal.proposals.ledger import import_proposals
from portal.roles import Actor
from portal.spending.upload import import_spending
from portal.spending.upload.records import (
    INDICATORS,
    PROJECTS,
    import_indicators,
    import_projects,
)
from portal.uploads.files import TableSource
from portal.uploads.importing import ImportRequest
from portal.uploads.units import Unit
from tests.helpers import csrf_token, make_user, sign_in
from tests.staff.bombs import WORKBOOK, small_workbook
from tests.staff.files import LEDGER_HEADERS, ZH_HEADERS

HEADERS = {
    "spending": ZH_HEADERS,
    "indicators": [c.zh for c in INDICATORS.columns],
    "projects": [c.zh for c in PROJECTS.columns],
    "proposals": LEDGER_HEADERS,
}
NASTY = [
    "𐩀", "²", "٢٠٢٤", "２０２５－０３－１２", "9" * 5000, "1" * 4301, "-" + "9" * 5000,
    "0." + "1" * 5000, "1e999", "NaN", "Infinity", "=1+1", "=SUM(A1:A9)", "+cmd|' /C calc'!A0",
    "2025-03-12", "2025年3月12日", "9999-99-99", "45000", "1" * 30, "(1,234.56)", "１２３",
    "2050202", "20805", "208", "幼有所育", "childcare", "推进中", "是", "100%", "0" * 5000,
    "建议", "提案", "独办", "满意", "第0012号", "2025", "2", "5个月", "", "", "-", "x\x00y",
    "a\rb", "a\nb", "\ufeff", "\u2028", "😀" * 3,
]  # fmt: skip
CELLS = st.one_of(st.sampled_from(NASTY), st.text(max_size=10))
ROWS = st.lists(st.lists(CELLS, max_size=9), max_size=8)
LINE_ENDS = st.sampled_from(["\n", "\r\n", "\r"])
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"])


def _csv_text(rows: list[list[str]], ends: list[str], quote: bool) -> str:
    lines = []
    for i, row in enumerate(rows):
        cells = [f'"{c.replace(chr(34), chr(34) * 2)}"' if quote else c for c in row]
        lines.append(",".join(cells) + ends[i % len(ends)])
    return "".join(lines)


@st.composite
def csv_files(draw: Any, kind: str) -> tuple[bytes, str]:
    rows = [HEADERS[kind], *draw(ROWS)]
    text = _csv_text(rows, draw(st.lists(LINE_ENDS, min_size=1, max_size=3)), draw(st.booleans()))
    encoding = draw(ENCODINGS)
    return text.encode(encoding, errors="replace"), "表.csv"


@st.composite
def xlsx_files(draw: Any, kind: str) -> tuple[bytes, str]:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in [HEADERS[kind], *draw(ROWS)]:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", c) for c in row])  # "=…" is a formula
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), "表.xlsx"


def any_bytes() -> st.SearchStrategy[tuple[bytes, str]]:
    prefixes = st.sampled_from([b"", b"PK\x03\x04", b"\xff\xfe", b"\xef\xbb\xbf", b"a,b\r"])
    return st.tuples(
        st.builds(lambda p, b: p + b, prefixes, st.binary(max_size=300)),
        st.sampled_from(["x.csv", "x.xlsx"]),
    )


def files(kind: str) -> st.SearchStrategy[tuple[bytes, str]]:
    return st.one_of(csv_files(kind), xlsx_files(kind), any_bytes())


FUZZ = ImportRequest(
    year=2023, title="fuzz", source_doc="fuzz", created_by=Actor("fuzz@example.org")
)
SPENDING = replace(FUZZ, stage=Stage.FINAL, unit=Unit.WAN, level="fuzz")
IMPORTS: dict[str, Callable[..., Any]] = {
    "spending": lambda s, src: import_spending(s, src, SPENDING),
    "indicators": lambda s, src: import_indicators(s, src, FUZZ),
    "projects": lambda s, src: import_projects(s, src, FUZZ),
    "proposals": lambda s, src: import_proposals(s, src, replace(FUZZ, year=None)),
}
FAST = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _check(session, in_lang, counts, kind: str, content: bytes, name: str) -> None:
    before = counts()
    with in_lang("zh"):
        result = IMPORTS[kind](session, TableSource.from_bytes(content, name))
        for problem in result.problems.sorted():
            assert problem.describe()
    if not result.ok:
        assert counts() == before


@pytest.mark.parametrize("kind", list(IMPORTS))
def test_any_file_gets_a_report(session, in_lang, counts, kind) -> None:
    @FAST
    @given(file=files(kind))
    def run(file: tuple[bytes, str]) -> None:
        _check(session, in_lang, counts, kind, *file)

    run()


LINES = [f"2050202,小学,部门,项目{i},1.00" for i in range(100)]  # past the rows read for the layout


@pytest.mark.parametrize(
    "ends",
    [pytest.param(["\r"], id="CR"), pytest.param(["\r\n", "\r", "\n"], id="mixed")],
)
def test_old_mac_and_mixed_line_ends_are_read(session, in_lang, ends: list[str]) -> None:
    lines = ["科目编码,科目名称,部门,项目,预算数", *LINES]
    content = "".join(line + ends[i % len(ends)] for i, line in enumerate(lines))
    with in_lang("en"):
        result = import_spending(
            session,
            TableSource.from_bytes(content.encode(), "t.csv"),
            replace(SPENDING, stage=Stage.BUDGET),
        )
    assert result.ok, [p.describe() for p in result.errors]
    assert result.rows == 100


def test_a_nul_after_the_first_4_kb_is_refused(session, in_lang, counts) -> None:
    rows = "".join(f"2050202,小学,部门{i},项目{i},1.00,1.00,1.00\n" for i in range(200))
    content = (",".join(ZH_HEADERS) + "\n" + rows + "2050202,小\x00学,,,1,1,1\n").encode()
    assert content.index(b"\x00") > 4096
    before = counts()
    with in_lang("en"):
        result = IMPORTS["spending"](session, TableSource.from_bytes(content, "t.csv"))
        messages = [p.describe() for p in result.errors]
    assert messages == ["Error: " + "This file is not a table: it holds binary data. "
                        "Upload a CSV file or an .xlsx workbook."]  # fmt: skip
    assert counts() == before


@pytest.mark.parametrize(
    "kind, column, value, message",
    [
        ("spending", "预算数", "9" * 5000, "Too large for one line"),
        ("projects", "预算数", "1" * 5000, "Too large for one line"),
        ("projects", "进度", "0" * 5000, "A whole number from 0 to 100."),
        ("indicators", "目标值", "9" * 5000, "Too large: at most 15 digits before the point."),
        ("proposals", "交办日期", "𐩀", "Not a date."),
        ("proposals", "交办日期", "9" * 5000, "Not a date."),
        ("proposals", "年度", "٢٠٢٥", "A year, e.g. 2025."),
        ("proposals", "延期后期限（月）", "𐩀", "A whole number of months"),
    ],
)
def test_huge_and_foreign_digits_are_clear_errors(
    session, in_lang, counts, kind, column, value, message
) -> None:
    headers = HEADERS[kind]
    row = ["" for _ in headers]
    row[0] = "2050202" if kind == "spending" else ""
    row[headers.index(column)] = value
    content = (",".join(headers) + "\n" + ",".join(row) + "\n").encode()
    before = counts()
    with in_lang("en"):
        result = IMPORTS[kind](session, TableSource.from_bytes(content, "t.csv"))
        messages = [p.describe() for p in result.errors]
    assert any(message in m and f"column “{column}”" in m for m in messages), messages
    assert counts() == before


DOCTYPE = b'<!DOCTYPE w [<!ENTITY lol "lol">]>'


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(small_workbook(sheet_head=DOCTYPE), id="in the sheet"),
        pytest.param(
            small_workbook(workbook=WORKBOOK.replace("?>", "?>" + DOCTYPE.decode(), 1)),
            id="in the workbook part",
        ),
    ],
)
def test_a_workbook_with_a_doctype_is_refused_clearly(session, in_lang, counts, content) -> None:
    before = counts()
    with in_lang("en"):
        result = IMPORTS["spending"](session, TableSource.from_bytes(content, "t.xlsx"))
        messages = [p.describe() for p in result.errors]
    assert any("document type declaration" in m for m in messages), messages
    assert counts() == before


@pytest.mark.parametrize(
    "rows",
    [
        b'<row r="2"><c r="A2" t="s"><v>99</v></c></row>',  # no such shared string
        b'<row r="2"><c r="!!"><v>1</v></c></row>',  # no such cell reference
        b'<row r="2"><c r="ZZZZ2"><v>1</v></c></row>',  # no such column
        b'<row r="2"><c r="A2"><v>' + b"9" * 5000 + b"</v></c></row>",
        b'<row r="-2"><c r="A2"><v>1</v></c></row>',
        b'<row r="2"><c r="A2" t="d"><v>99999-99-99</v></c></row>',
        b'<row r="2"><c r="A2" t="b"><v>x</v></c></row>',
        b'<row r="2"><c r="A2"><v>1</v></c></row><<<',  # not XML
    ],
)
def test_a_damaged_sheet_is_a_clear_error(session, in_lang, counts, rows: bytes) -> None:
    before = counts()
    with in_lang("en"):
        result = IMPORTS["spending"](
            session, TableSource.from_bytes(small_workbook(rows), "t.xlsx")
        )
        messages = [p.describe() for p in result.errors]
    assert any("its content is damaged" in m for m in messages), messages
    assert counts() == before


# -- through the upload page -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(IMPORTS))
def test_no_file_gets_a_5xx_through_the_upload_page(client, session, counts, kind) -> None:
    make_user(session, f"fuzz-{kind}@example.org", role="editor")
    assert sign_in(client, f"fuzz-{kind}@example.org", "correct horse battery").status_code == 302
    token = csrf_token(client.get(f"/en/staff/upload/{kind}").get_data(as_text=True))

    @settings(FAST, max_examples=8)
    @given(file=files(kind))
    def run(file: tuple[bytes, str]) -> None:
        content, name = file
        before = counts()
        data = {
            "year": "2023",
            "stage": "final",
            "unit": "wan",
            "title": "fuzz",
            "source": "fuzz",
            "file": (io.BytesIO(content), name),
            "csrf_token": token,
        }
        response = client.post(f"/en/staff/upload/{kind}", data=data)
        assert response.status_code < 500, response.get_data(as_text=True)[:3000]
        if response.status_code != 303:
            assert counts() == before

    run()


@pytest.mark.parametrize("year", ["𐩀", "²⁰²⁴", "٢٠٢٤", "9" * 10])
def test_a_year_in_other_digits_on_the_city_form_is_an_error(client, session, counts, year) -> None:
    import re

    make_user(session, "city-fuzz@example.org", role="editor")
    assert sign_in(client, "city-fuzz@example.org", "correct horse battery").status_code == 302
    page = client.get("/en/staff/city").get_data(as_text=True)
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page))
    for name in re.findall(r'<input[^>]*name="([^"]+)"', page):
        fields.setdefault(name, "")
    fields.pop("submit", None)
    blank = next(k for k, v in fields.items() if k.endswith("-year") and not v)
    fields.update({blank: year, blank.replace("-year", "-population_10k"): "453.00"})
    before = counts()
    response = client.post("/en/staff/city", data=fields)
    assert response.status_code in (200, 422), response.status_code
    assert "Enter a year between 2000 and 2100." in response.get_data(as_text=True)
    assert counts() == before


@pytest.mark.parametrize("shift", [1, 4, 8, 12])
def test_a_doctype_split_between_two_reads_is_refused(shift: int) -> None:
    """The sheet's records are parsed by the standard library's C parser: the part they are read
    from refuses a DOCTYPE or ENTITY itself, wherever a read happens to end."""
    import io

    from portal.uploads.files import TableFileError
    from portal.uploads.limits import LIMITS
    from portal.uploads.xlsx import READ_CHUNK, Budget, MeteredPart

    prolog = b'<?xml version="1.0"?>'
    blanks = b"<!-- -->" * ((READ_CHUNK - len(prolog) - shift) // 8)
    blanks += b" " * (READ_CHUNK - len(prolog) - shift - len(blanks))
    data = prolog + blanks + b'<!DOCTYPE w SYSTEM "w.dtd">' + b"<worksheet/>"
    assert data.index(b"<!DOCTYPE") == READ_CHUNK - shift  # the declaration straddles two reads
    part = MeteredPart(io.BytesIO(data), Budget(1 << 30), 1 << 30, LIMITS)
    with pytest.raises(TableFileError):
        while part.read(READ_CHUNK):
            pass
