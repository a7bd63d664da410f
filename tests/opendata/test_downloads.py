"""The downloads page and its files: what a journalist opens in Excel, a developer reads as JSON,
and what the public may not download."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.datasets.models import (
    CITYWIDE,
    Dataset,
    DatasetKind,
    DatasetVersion,
    Stage,
    VersionStatus,
)
from portal.datasets.services import create_version, get_or_create_dataset, withdraw_version
from portal.proposals.models import Disclosure, ProposalItem
from portal.spending.curated import insert_budget_lines
from tests.helpers import publish_spending

YEAR = 2031
FORMULA = '=HYPERLINK("http://evil.example","点击")'
AT_FORMULA = "@SUM(1+1)"
LINES = [
    ("205", "", "", "100.000000", None, "-12.50"),
    ("20502", "", "", "100.000000", None, "-12.50"),
    ("2050201", FORMULA, "托育补贴项目", "0.012345", None, "-12.50"),
    ("2050202", "市教育局", AT_FORMULA, "99.987655", None, None),
]


@pytest.fixture
def version(session: Session) -> DatasetVersion:
    return publish_spending(session, YEAR, list(LINES), stage=Stage.FINAL, title="测试决算表")


def rows_of(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_the_csv_has_a_bom_and_chinese_intact(client: FlaskClient, version: DatasetVersion) -> None:
    response = client.get(f"/zh/data/{version.id}.csv")
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with it
    assert response.mimetype == "text/csv"
    rows = rows_of(response.data)
    assert "预算数（万元）" in rows[0]
    by_code = {row[6]: row for row in rows[1:]}
    assert by_code["2050201"][10] == "学前教育"
    assert by_code["2050202"][12] == "市教育局"
    assert "托育补贴项目" in by_code["2050201"]
    # the name is the title in the reader's language, with an ASCII name for old clients
    disposition = response.headers["Content-Disposition"]
    assert "filename*=UTF-8''" in disposition and disposition.isascii()
    assert f'filename="spending-{YEAR}-final-v1.csv"' in disposition


def test_formula_cells_are_neutralised_and_negatives_stay_numbers(
    client: FlaskClient, version: DatasetVersion
) -> None:
    rows = rows_of(client.get(f"/en/data/{version.id}.csv").data)
    header = rows[0]
    by_code = {row[6]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    item = by_code["2050201"]
    assert item["Department"] == "'" + FORMULA
    assert by_code["2050202"]["Project"] == "'" + AT_FORMULA
    assert item["Final accounts (10,000 yuan)"] == "-12.50"
    assert item["Budget (10,000 yuan)"] == "0.012345"  # exact, to the 分
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "@", "+", "\t", "\r")), cell
            assert not cell.startswith("-") or re.fullmatch(r"-[0-9.]+", cell), cell


def test_the_xlsx_opens_with_numbers_and_no_formulas(
    client: FlaskClient, version: DatasetVersion
) -> None:
    response = client.get(f"/en/data/{version.id}.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    by_code = {row[6]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    item = by_code["2050201"]
    assert item["Department"] == "'" + FORMULA  # text, never a formula
    assert item["Project"] == "托育补贴项目"
    assert item["Final accounts (10,000 yuan)"] == pytest.approx(-12.5)  # a number
    assert isinstance(item["Budget (10,000 yuan)"], float | int)
    assert item["Lowest level"] is True and by_code["205"]["Lowest level"] is False
    assert item["Year"] == YEAR
    for row in rows:
        for cell in row:
            assert not (isinstance(cell, str) and cell.startswith(("=", "@"))), cell


def test_a_longer_version_goes_on_in_a_second_sheet(
    client: FlaskClient, version: DatasetVersion, monkeypatch: pytest.MonkeyPatch
) -> None:
    from portal.opendata.files import xlsx

    monkeypatch.setattr(xlsx, "MAX_ROWS", 3)  # Excel's is 1,048,576 (the header included)
    workbook = load_workbook(io.BytesIO(client.get(f"/zh/data/{version.id}.xlsx").data))
    assert workbook.sheetnames == ["data", "data (2)"]
    first, second = (list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets)
    assert first[0] == second[0]  # each sheet has the header
    assert len(first) == 3 and len(second) == 3  # 4 lines: 2 + 2


def test_json_amounts_are_integer_yuan_and_exact_fen(
    client: FlaskClient, version: DatasetVersion
) -> None:
    response = client.get(f"/zh/data/{version.id}.json")
    assert response.status_code == 200
    document = json.loads(response.data)
    assert document["dataset"]["sample"] is True
    by_code = {row["code"]: row for row in document["rows"]}
    item = by_code["2050201"]
    assert item["budget"] == 123  # 0.012345 万元 = 123.45 元, to the yuan as in the API
    assert item["budget_fen"] == 12345  # exactly
    assert item["executed"] == -125_000 and item["executed_fen"] == -12_500_000
    assert item["adjusted"] is None and item["adjusted_fen"] is None
    assert item["department"] == FORMULA  # JSON is not a spreadsheet: the text as it is
    assert item["area"] == "childcare" and item["leaf"] is True
    assert by_code["20502"]["leaf"] is False
    assert {f["name"] for f in document["fields"]} >= {"budget", "budget_fen", "code"}
    total_fen = sum(row["budget_fen"] for row in document["rows"] if row["leaf"])
    assert Decimal(total_fen) / 1_000_000 == Decimal("100.000000")


def test_downloads_stream(client: FlaskClient, version: DatasetVersion) -> None:
    for fmt in ("csv", "xlsx", "json", "zip"):
        response = client.get(f"/zh/data/{version.id}.{fmt}", buffered=False)
        assert response.status_code == 200
        assert response.is_streamed, fmt  # a generator, not a body held in memory
        assert "Content-Length" not in response.headers
        assert response.get_data()  # and it still arrives whole
        response.close()


def test_a_published_version_is_cached_by_etag(
    client: FlaskClient, session: Session, version: DatasetVersion
) -> None:
    first = client.get(f"/zh/data/{version.id}.csv")
    etag = first.headers["ETag"]
    assert etag.startswith(f'"d{version.id}-csv-zh-')
    again = client.get(f"/zh/data/{version.id}.csv", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.data
    assert client.get(f"/en/data/{version.id}.csv").headers["ETag"] != etag
    # spending names its codes from the live classification: revalidated every time
    assert "must-revalidate" in first.headers["Cache-Control"]
    indicators = session.scalars(
        select(DatasetVersion)
        .join(Dataset, Dataset.id == DatasetVersion.dataset_id)
        .where(Dataset.kind == DatasetKind.INDICATORS)
    ).first()
    assert indicators is not None
    response = client.get(f"/zh/data/{indicators.id}.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=86400"  # kept a day


def test_unknown_drafts_and_withdrawn_versions_are_not_downloadable(
    client: FlaskClient, session: Session, version: DatasetVersion
) -> None:
    dataset = get_or_create_dataset(session, DatasetKind.SPENDING, YEAR, Stage.FINAL, CITYWIDE)
    draft = create_version(session, dataset, title="草稿", source="tests", content=b"draft")
    insert_budget_lines(session, draft.id, [("205", "", "", Decimal(1), None, None)])
    withdrawn = create_version(session, dataset, title="撤回", source="tests", content=b"gone")
    withdraw_version(session, withdrawn)
    session.commit()
    assert draft.status == VersionStatus.DRAFT
    for version_id in (draft.id, withdrawn.id, 999_999_999, 0):
        for fmt in ("csv", "zip"):
            response = client.get(f"/en/data/{version_id}.{fmt}")
            assert response.status_code == 404, (version_id, fmt)
    missing = client.get("/en/data/999999.csv")
    assert "no published dataset version" in missing.get_data(as_text=True)
    unknown = client.get(f"/en/data/{version.id}.exe")
    assert unknown.status_code == 404 and "csv, xlsx, json, zip" in unknown.get_data(as_text=True)
    assert client.get("/zh/data/proposals.pdf").status_code == 404
    page = client.get("/zh/data").get_data(as_text=True)
    assert f"/zh/data/{draft.id}.csv" not in page
    assert f"/zh/data/{withdrawn.id}.csv" not in page


def test_earlier_versions_stay_downloadable_and_are_marked(
    client: FlaskClient, session: Session, version: DatasetVersion
) -> None:
    newer = publish_spending(session, YEAR, list(LINES[:2]), stage=Stage.FINAL, title="更正")
    assert client.get(f"/en/data/{version.id}.csv").status_code == 200
    document = json.loads(client.get(f"/en/data/{version.id}.json").data)
    assert document["dataset"]["current"] is False
    page = client.get("/en/data").get_data(as_text=True)
    row_old = page.split(f'id="version-{version.id}"')[1].split("</tr>")[0]
    row_new = page.split(f'id="version-{newer.id}"')[1].split("</tr>")[0]
    assert "earlier version" in row_old and "current" in row_new


def test_the_page_lists_versions_with_provenance_in_both_languages(
    client: FlaskClient, version: DatasetVersion
) -> None:
    for lang in ("zh", "en"):
        response = client.get(f"/{lang}/data")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        row = html.split(f'id="version-{version.id}"')[1].split("</tr>")[0]
        assert version.sha256[:16] in row and version.sha256[48:] in row
        assert 'class="sample-tag"' in row  # sample data is tagged where it is listed
        for fmt in ("csv", "xlsx", "json", "zip"):
            assert f"/{lang}/data/{version.id}.{fmt}" in row
        # a JSON-LD data block is no script: browsers do not run it (tests/browser/test_embed.py)
        assert "style=" not in html
        assert not re.search(r"<script(?![^>]*\b(?:src=|type=\"application/ld\+json\"))", html)
        assert f"/{lang}/data/proposals.csv" in html
    assert "Fiscal Data Package" in client.get("/en/data").get_data(as_text=True)


def test_the_page_is_paged(client: FlaskClient) -> None:
    assert client.get("/en/data?page=2").status_code in (200, 404)
    assert client.get("/en/data?page=9999").status_code == 404
    bad = client.get("/en/data?page=abc")
    assert bad.status_code == 400 and "page" in bad.get_data(as_text=True)


def test_proposals_carry_only_public_replies(client: FlaskClient, session: Session) -> None:
    items = session.scalars(select(ProposalItem).order_by(ProposalItem.id)).all()
    withheld = [i for i in items if i.replies and i.disclosure in (None, Disclosure.WITHHELD)]
    full = [i for i in items if i.replies and i.disclosure == Disclosure.FULL]
    assert withheld and full
    response = client.get("/zh/data/proposals.json")
    assert response.status_code == 200
    document = json.loads(response.data)
    rows = {row["id"]: row for row in document["rows"]}
    assert len(rows) == len(items)
    for item in withheld:
        secret = item.replies[-1].text
        assert rows[item.id]["reply_text"] == "" and rows[item.id]["reply_summary"] == ""
        assert not secret or secret not in response.get_data(as_text=True)
        assert rows[item.id]["handling_satisfaction"] == ""
    assert any(rows[i.id]["reply_text"] == i.replies[-1].text for i in full)
    assert document["dataset"]["sample"] is True
    csv_rows = rows_of(client.get("/zh/data/proposals.csv").data)
    assert len(csv_rows) == len(items) + 1
    etag = client.get("/zh/data/proposals.csv").headers["ETag"]
    assert client.get("/zh/data/proposals.csv", headers={"If-None-Match": etag}).status_code == 304


def test_every_published_version_of_every_kind_downloads(
    client: FlaskClient, session: Session
) -> None:
    from portal.opendata.files.fields import FIELDS

    versions = session.scalars(
        select(DatasetVersion).where(DatasetVersion.status == VersionStatus.PUBLISHED)
    ).all()
    kinds = {v.dataset.kind for v in versions}
    assert kinds >= {
        DatasetKind.SPENDING,
        DatasetKind.INDICATORS,
        DatasetKind.PROJECTS,
        DatasetKind.CITY,
        DatasetKind.NATIONAL,
        DatasetKind.CLASSIFICATION,
        DatasetKind.MAPPING,
    }
    for version in versions:
        if version.dataset.kind == DatasetKind.PROPOSALS:
            assert client.get(f"/en/data/{version.id}.csv").status_code == 404
            continue
        rows = rows_of(client.get(f"/en/data/{version.id}.csv").data)
        assert len(rows[0]) == len(FIELDS[version.dataset.kind.value])
        assert len(rows) > 1, version.title
