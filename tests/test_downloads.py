"""Files the portal hands out: no cell a spreadsheet would run as a formula (OWASP's CSV injection
rule, negative numbers untouched), and downloads whose names are not ASCII."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from portal.datasets.actions import publish
from portal.datasets.services import bump_data_version
from portal.downloads import attachment, spreadsheet_safe
from portal.proposals.models import ProposalItem
from portal.roles import Actor
from portal.spending.upload.records import import_projects
from portal.tables import Column, Table
from portal.uploads.importing import ImportRequest
from tests.helpers import make_user, sign_in
from tests.staff.files import csv_bytes, write

HOSTILE = [
    '=HYPERLINK("http://evil.example","点击")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def cells(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def runnable(rows: list[list[str]]) -> list[str]:
    """Cells a spreadsheet would read as a formula."""
    return [
        cell
        for row in rows
        for cell in row
        if cell.startswith(("=", "+", "-", "@", "\t", "\r")) and spreadsheet_safe(cell) != cell
    ]


@pytest.mark.parametrize("value", HOSTILE)
def test_formula_cells_are_turned_into_text(value: str) -> None:
    assert spreadsheet_safe(value) == "'" + value


@pytest.mark.parametrize(
    "value",
    ["-1", "-1234.50", "+3", "-0.0512", "-1,234.5", "-.5", "1e-3", "-12%", "", "普通", "a=b"],
)
def test_numbers_and_plain_text_are_left_alone(value: str) -> None:
    assert spreadsheet_safe(value) == value


def test_a_table_keeps_negative_numbers_and_neutralises_text() -> None:
    table = Table(
        "t",
        "t",
        [
            Column("name", "名称"),
            Column("amount", "金额", "money"),
            Column("change", "变化", "ratio"),
        ],
        [{"name": "=1+1", "amount": Decimal("-12.50"), "change": Decimal("-0.05")}],
    )
    assert cells(table.to_csv("万元"))[1] == ["'=1+1", "-12.50", "-0.0500"]


def test_project_titles_in_the_public_csv_are_never_formulas(
    client, session, tmp_path, in_lang
) -> None:
    headers = ["领域", "项目代码", "项目名称", "英文名称", "预算数（万元）", "进度", "状态"]
    rows = [
        ["学有所教", f"p{n}", title, title, "100", "10%", "推进中"]
        for n, title in enumerate(HOSTILE)
    ]
    with in_lang("zh"):
        result = import_projects(
            session,
            write(tmp_path, "p.csv", csv_bytes(rows, headers=headers)),
            ImportRequest(
                year=2024, title="2024年项目", source_doc="测试", created_by=Actor("tester")
            ),
        )
        assert result.ok, result
        assert result.version_id is not None
        publish(session, result.version_id, actor=Actor("tester"))
    session.commit()
    for lang in ("zh", "en"):
        response = client.get(f"/{lang}/download/projects.csv?year=2024")
        assert response.status_code == 200
        table = cells(response.data)
        titles = [row[0] for row in table[1:]]
        assert runnable(table) == []
        # the import trims the blanks around a cell; what is left is still neutralised
        assert {t for t in titles if t.startswith("'")} == {"'" + t.strip() for t in HOSTILE}


def test_proposal_titles_and_session_labels_in_the_public_csv_are_never_formulas(
    client, session
) -> None:
    item = session.scalars(select(ProposalItem).order_by(ProposalItem.id)).first()
    item.title = item.title_en = HOSTILE[0]
    item.session_label = item.session_label_en = HOSTILE[3]
    bump_data_version(session)
    session.commit()
    for lang in ("zh", "en"):
        response = client.get(f"/{lang}/proposals/download/list.csv")
        table = cells(response.data)
        assert runnable(table) == []
        flat = {cell for row in table for cell in row}
        assert "'" + HOSTILE[0] in flat and "'" + HOSTILE[3] in flat


def test_the_attachment_header_carries_any_file_name() -> None:
    assert attachment("budget-2024.csv") == 'attachment; filename="budget-2024.csv"'
    header = attachment("2027年预算.csv")
    assert header.startswith("attachment; filename=\"2027.csv\"; filename*=UTF-8''")
    assert unquote(header.split("UTF-8''")[1]) == "2027年预算.csv"
    assert header.isascii()
    assert attachment("预算.xlsx").startswith('attachment; filename="download.xlsx"')
    assert "\r" not in attachment("a\r\nSet-Cookie: x=1.csv")
    assert '"' not in attachment('a".csv').split("filename=")[1].strip('"').split(";")[0]


def test_the_original_file_downloads_whatever_its_name(client, session) -> None:
    from portal.datasets.models import DatasetVersion

    make_user(session, "original@example.org", role="editor")
    session.commit()
    response = sign_in(client, "original@example.org", "correct horse battery")
    assert response.status_code == 302
    version = session.scalars(select(DatasetVersion).order_by(DatasetVersion.id)).first()
    version.original_filename = "2027年预算（草案）.csv"
    session.commit()
    response = client.get(f"/zh/staff/versions/{version.id}/original")
    assert response.status_code == 200
    assert response.data == version.original_file
    disposition = response.headers["Content-Disposition"]
    assert unquote(disposition.split("UTF-8''")[1]) == "2027年预算（草案）.csv"
