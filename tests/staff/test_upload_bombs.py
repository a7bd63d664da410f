"""Upload bombs: workbooks of a few megabytes that expand to gigabytes, millions of rows, columns or
strings. Each is read in a child process, whose peak memory (VmHWM) and time are measured: it must
be refused, clearly, within 10 s and under 300 MB — first by the zip's directory, and, with those
checks switched off, by counting while decompressing and parsing. Through the upload pages a bomb
gets a report and changes nothing."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from portal.datasets.models import Stage
from portal.proposals.ledger import import_proposals
from portal.roles import Actor
from portal.spending.upload import import_spending
from portal.spending.upload.records import import_indicators, import_projects
from portal.uploads.files import TableSource
from portal.uploads.importing import ImportRequest
from portal.uploads.units import Unit
from tests.helpers import csrf_token, make_user, sign_in
from tests.staff import bombs

ROOT = Path(__file__).resolve().parents[2]
PEAK_MB = 300
SECONDS = 10
#: The limits with the zip directory's checks switched off: only counting while reading is left.
TRUSTING = {"compression_ratio": 10**9, "member_bytes": 1 << 40, "total_bytes": 1 << 41}

CHILD = r"""
import json, sys, time
start = time.monotonic()
from portal.uploads.files import TableFileError, TableSource, inspect_file
from portal.uploads.rows import open_rows

try:
    from portal.uploads.limits import UploadLimits
    options = {"limits": UploadLimits(**json.loads(sys.argv[2]))}
except ImportError:  # the code before there were limits
    options = {}
source = TableSource.from_path(sys.argv[1])
answer, rows = "read", 0
try:
    with open_rows(source, inspect_file(source), **options) as table:
        for number, _cells in table:
            rows += 1
            if number >= 30:
                break
        for _first, columns in table.column_batches(8):
            rows += len(columns[0])
except TableFileError as error:
    answer = "refused: " + str(error)
status = open("/proc/self/status").read()
peak_kb = int(status.split("VmHWM:")[1].split()[0])
print(json.dumps({"answer": answer, "rows": rows, "seconds": time.monotonic() - start,
                  "peak_mb": peak_kb // 1024}))
"""


def read_in_child(path: Path, limits: dict[str, int]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), json.dumps(limits)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout)
    return result


GIB = 1 << 30
#: Each bomb, how it is built (a few MB at most), and what the refusal says when only counting
#: while reading is left to catch it.
BOMBS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "huge shared string": (
        lambda p: bombs.huge_shared_string(p, 2 * GIB),
        "A cell holds more than 32,767 characters",
    ),
    "huge inline string": (
        lambda p: bombs.huge_inline_string(p, GIB),
        "A cell holds more than 32,767 characters",
    ),
    "many rows": (lambda p: bombs.many_rows(p, 20_000_000), "more than 1,048,576 rows"),
    "a row a billion rows down": (bombs.far_row, "more than 1,048,576 rows"),
    "wide rows (a cell in column XFD)": (
        lambda p: bombs.wide_rows(p, 1_000_000),
        "(counting empty cells inside its rows)",
    ),
    "one row of millions of cells": (
        lambda p: bombs.wide_row(p, 10_000_000),
        "far more markup than its cells need",
    ),
    "many shared strings": (
        lambda p: bombs.many_strings(p, 20_000_000),
        "more than 2,000,000 different texts",
    ),
    "a style sheet of 390,000 formats": (bombs.many_styles, "far more markup than its cells need"),
    "elements outside rows": (
        lambda p: bombs.many_elements(p, 60_000_000),
        "far more markup than its cells need",
    ),
}


@pytest.fixture(scope="module", params=list(BOMBS))
def bomb(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    build, message = BOMBS[request.param]
    path = build(tmp_path_factory.mktemp("bombs") / "bomb.xlsx")
    assert path.stat().st_size < 5 << 20  # small enough to pass any upload limit
    return path, message


def test_a_bomb_is_refused_by_the_zip_directory_at_once(bomb) -> None:
    path, _message = bomb
    found = read_in_child(path, {})
    assert found["answer"].startswith("refused: "), found
    assert found["peak_mb"] < PEAK_MB and found["seconds"] < SECONDS, found


def test_a_bomb_is_refused_while_reading_when_the_directory_is_trusted(bomb) -> None:
    path, message = bomb
    found = read_in_child(path, TRUSTING)
    assert found["answer"].startswith("refused: ") and message in found["answer"], found
    assert found["peak_mb"] < PEAK_MB and found["seconds"] < SECONDS, found


CSV_BOMBS = {
    "one line of 20 million commas": (
        b"," * 20_000_000 + b"\n",
        "longer than 1,048,576 characters",
    ),
    "a quote left open over millions of lines": (
        b'"ab\n",' * 3_300_000 + b"\n",
        "longer than 1,048,576 characters",
    ),
    "20 million empty lines": (b"\n" * 20_000_000, "more than 1,048,576 rows"),
    "3 million lines ending in CR": (b"1,2,3\r" * 3_000_000, "more than 1,048,576 rows"),
}


@pytest.mark.parametrize("name", list(CSV_BOMBS))
def test_a_csv_bomb_of_20_mb_is_refused_within_bounds(tmp_path: Path, name: str) -> None:
    body, message = CSV_BOMBS[name]
    path = tmp_path / "bomb.csv"
    path.write_bytes("科目编码,科目名称,预算数\n".encode() + body)
    assert path.stat().st_size <= 20 << 20
    found = read_in_child(path, {})
    assert found["answer"].startswith("refused: ") and message in found["answer"], found
    assert found["peak_mb"] < PEAK_MB and found["seconds"] < SECONDS, found


def understate(path: Path, name: bytes, size: int) -> None:
    """Rewrite the uncompressed size of part *name* in the zip's central directory."""
    with zipfile.ZipFile(path) as archive:
        directory = archive.start_dir
    data = bytearray(path.read_bytes())
    entry = data.find(b"PK\x01\x02", directory)
    while entry >= 0:
        name_length = int.from_bytes(data[entry + 28 : entry + 30], "little")
        if bytes(data[entry + 46 : entry + 46 + name_length]) == name:
            data[entry + 24 : entry + 28] = size.to_bytes(4, "little")
        entry = data.find(b"PK\x01\x02", entry + 4)
    path.write_bytes(bytes(data))


def test_a_directory_that_understates_sizes_does_not_help(tmp_path: Path) -> None:
    """A part whose directory entry claims a small size is read no further than that."""
    path = bombs.huge_inline_string(tmp_path / "bomb.xlsx", 600 << 20)
    understate(path, b"xl/worksheets/sheet1.xml", 1 << 20)
    found = read_in_child(path, {})
    assert found["answer"].startswith("refused: "), found
    assert found["peak_mb"] < PEAK_MB and found["seconds"] < SECONDS, found


def test_a_legitimate_workbook_within_the_limits_is_read(tmp_path: Path) -> None:
    from tests.staff.files import generated_lines, xlsx_bytes

    rows = generated_lines(3_000, ["2050202", "2050203"])
    path = tmp_path / "ok.xlsx"
    path.write_bytes(xlsx_bytes(rows))
    found = read_in_child(path, {})
    assert found["answer"] == "read" and found["rows"] == 3_001, found


def test_the_limits_are_one_frozen_value() -> None:
    from portal.uploads.limits import UploadLimits

    limits = UploadLimits()
    assert limits.rows == 1_048_576 and limits.columns == 16_384
    with pytest.raises(AttributeError):
        limits.rows = 1  # type: ignore[misc]


# -- every kind of upload --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_bomb(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """About 100 KB (kept in memory by the test client) that unpack to 35 MB of rows 16,384
    cells wide: 16 billion cells."""
    content = bombs.wide_rows(tmp_path_factory.mktemp("bomb") / "b.xlsx", 1_000_000).read_bytes()
    assert len(content) < 500_000
    return content


REQUEST = ImportRequest(year=2023, title="t", source_doc="s", created_by=Actor("c@example.org"))
IMPORTS: dict[str, Callable[..., Any]] = {
    "spending": lambda session, source: import_spending(
        session, source, replace(REQUEST, stage=Stage.FINAL, unit=Unit.WAN)
    ),
    "indicators": lambda session, source: import_indicators(session, source, REQUEST),
    "projects": lambda session, source: import_projects(session, source, REQUEST),
    "proposals": lambda session, source: import_proposals(
        session, source, replace(REQUEST, year=None)
    ),
}


@pytest.mark.parametrize("kind", list(IMPORTS))
def test_every_kind_of_upload_refuses_a_bomb(session, in_lang, counts, small_bomb, kind) -> None:
    before = counts()
    with in_lang("zh"):
        result = IMPORTS[kind](session, TableSource.from_bytes(small_bomb, "表.xlsx"))
        messages = [p.describe() for p in result.errors]
    assert not result.ok
    assert any("压缩" in m or "解压" in m for m in messages), messages
    assert counts() == before


PASSWORD = "correct horse battery"


def _upload(client, path: str, content: bytes) -> Any:
    token = csrf_token(client.get(path).get_data(as_text=True))
    data = {
        "year": "2023",
        "stage": "final",
        "unit": "wan",
        "title": "2023年决算",
        "source": "市财政局",
        "file": (io.BytesIO(content), "2023年决算.xlsx"),
        "csrf_token": token,
    }
    return client.post(path, data=data, content_type="multipart/form-data")


@pytest.mark.parametrize("kind", ["spending", "indicators", "proposals"])
def test_a_bomb_through_the_upload_page_gets_a_report(
    client, session, counts, small_bomb, kind
) -> None:
    make_user(session, f"bomb-{kind}@example.org", role="editor")
    assert sign_in(client, f"bomb-{kind}@example.org", PASSWORD).status_code == 302
    before = counts()
    response = _upload(client, f"/en/staff/upload/{kind}", small_bomb)
    assert response.status_code == 422, response.get_data(as_text=True)[:2000]
    assert "built to overload the server" in response.get_data(as_text=True)
    assert counts() == before
