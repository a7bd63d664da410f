"""The back office in a browser's place: who may use which page, and the whole story of an upload —
a GB18030 file with Chinese headers and an error in it, every error shown, the corrected file, the
preview, publishing, the public pages changing, restoring the previous version, the audit log."""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.datasets.models import DatasetVersion, VersionStatus
from portal.spending.models import BudgetLine
from portal.spending.upload import import_spending
from tests.helpers import csrf_token, make_user, sign_in, spending_request
from tests.staff.files import VALID_2023, csv_bytes

PASSWORD = "correct horse battery"


def _source(content: bytes, name: str):
    from portal.uploads.files import TableSource

    return TableSource.from_bytes(content, name)


def signed_in(client, session, role: str, email: str | None = None):
    email = email or f"{role}-{id(client)}@example.org"
    make_user(session, email, role=role, submitter_id=1 if role == "deputy" else None)
    response = sign_in(client, email, PASSWORD)
    assert response.status_code == 302
    return client


def token(client, path: str = "/zh/staff/") -> str:
    return csrf_token(client.get(path).get_data(as_text=True))


def found(pattern: str, text: str) -> str:
    """The first group of *pattern* in *text*, which must match."""
    match = re.search(pattern, text)
    assert match is not None, f"{pattern!r} not found"
    return match.group(1)


def upload_data(content: bytes, name: str, **fields) -> dict:
    data = {
        "year": "2023",
        "stage": "final",
        "unit": "wan",
        "title": "2023年决算",
        "source": "市财政局《2023年决算报告》",
        "file": (io.BytesIO(content), name),
    }
    data.update(fields)
    return data


ROUTES = [
    ("get", "/zh/staff/"),
    ("get", "/zh/staff/upload/spending"),
    ("post", "/zh/staff/upload/spending"),
    ("get", "/zh/staff/versions/{id}"),
    ("post", "/zh/staff/versions/{id}/publish"),
    ("post", "/zh/staff/versions/{id}/withdraw"),
    ("get", "/zh/staff/versions/{id}/original"),
    ("get", "/en/staff/templates/spending.csv"),
]


@pytest.mark.parametrize("method, path", ROUTES)
def test_anonymous_visitors_are_sent_to_sign_in(client, session, draft, method, path) -> None:
    data = {"csrf_token": token(client, "/zh/login")} if method == "post" else None
    response = getattr(client, method)(path.format(id=draft.id), data=data)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("method, path", ROUTES)
def test_deputies_are_refused(client, session, draft, method, path) -> None:
    signed_in(client, session, "deputy")
    data = {"csrf_token": token(client, "/zh/account/password")} if method == "post" else None
    response = getattr(client, method)(path.format(id=draft.id), data=data)
    assert response.status_code == 403
    session.refresh(draft)
    assert draft.status == VersionStatus.DRAFT


@pytest.mark.parametrize("role", ["editor", "admin"])
@pytest.mark.parametrize("method, path", [r for r in ROUTES if r[0] == "get"])
def test_editors_and_admins_get_every_page(client, session, draft, role, method, path) -> None:
    signed_in(client, session, role)
    response = client.get(path.format(id=draft.id))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]


def test_the_whole_story_of_an_upload(app, client, session) -> None:
    editor = signed_in(client, session, "editor", "editor@example.org")
    before = client.get("/api/v1/areas?year=2023").json
    page = editor.get("/zh/staff/upload/spending")
    assert "科目编码" in page.get_data(as_text=True)

    # A GB18030 file with the bureau's headers and two mistakes: every problem is shown at once.
    bad_rows = [list(r) for r in VALID_2023]
    bad_rows[2][6] = "10５.0O"  # a letter O for a zero
    bad_rows.append(["2050202", "小学教育", "市教育局", "校舍维修", "1", "1", "1"])  # a repeat
    response = editor.post(
        "/en/staff/upload/spending",
        data={
            **upload_data(csv_bytes(bad_rows, encoding="gb18030"), "2023年决算.csv"),
            "csrf_token": token(editor, "/en/staff/upload/spending"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "The file has problems; nothing was saved" in html
    assert "10５.0O" in html and "Not an amount" in html
    assert "Duplicate line: the same code, department and project as row 4." in html
    assert (
        session.scalar(select(DatasetVersion).where(DatasetVersion.title == "2023年决算")) is None
    )

    # The corrected file: saved as a draft, and the browser goes to its preview.
    response = editor.post(
        "/zh/staff/upload/spending",
        data={
            **upload_data(csv_bytes(VALID_2023, encoding="gb18030"), "2023年决算.csv"),
            "csrf_token": token(editor),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    preview_url = response.headers["Location"]
    version_id = int(found(r"/versions/(\d+)", preview_url))
    page = editor.get(preview_url).get_data(as_text=True)
    assert "2023年决算" in page and "305.00" in page  # the title, and education after publishing
    assert "读取方式" in page or "How the file was read" in page  # header, columns, unit shown
    assert client.get("/api/v1/areas?year=2023").json == before  # a draft is not public

    # 305万元 where the published 2023 has billions: publishing needs the figures confirmed.
    response = editor.post(
        f"/zh/staff/versions/{version_id}/publish", data={"csrf_token": token(editor)}
    )
    assert response.status_code == 409
    assert client.get("/api/v1/areas?year=2023").json == before
    page = editor.get(preview_url).get_data(as_text=True)
    confirm = found(r'name="confirm" type="hidden" value="([0-9a-f]+)"', page)

    # Publish: the public pages change at once.
    response = editor.post(
        f"/zh/staff/versions/{version_id}/publish",
        data={"csrf_token": token(editor), "confirm": confirm, "confirmed": "y"},
    )
    assert response.status_code == 303
    after = client.get("/api/v1/areas?year=2023").json
    assert after["dataset"]["title"] == "2023年决算"
    assert after["total"]["executed"] == 3_050_000
    assert after["data_version"] == before["data_version"] + 1
    assert "2023年决算" in client.get("/zh/?year=2023").get_data(as_text=True)

    # Restore the previous version in one step.
    previous_id = session.scalar(
        select(DatasetVersion.id).where(
            DatasetVersion.dataset_id == session.get(DatasetVersion, version_id).dataset_id,
            DatasetVersion.number == before["dataset"]["version"],
        )
    )
    response = editor.post(
        f"/zh/staff/versions/{previous_id}/publish", data={"csrf_token": token(editor)}
    )
    assert response.status_code == 303
    restored = client.get("/api/v1/areas?year=2023").json
    assert restored["total"] == before["total"]
    assert restored["dataset"]["version"] == before["dataset"]["version"]

    # The audit log shows all of it, with who did it.
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.action.like("dataset.%")).order_by(AuditEntry.id)
    ).all()
    assert [(e.action, e.actor) for e in entries][-3:] == [
        ("dataset.import", "editor@example.org"),
        ("dataset.publish", "editor@example.org"),
        ("dataset.restore", "editor@example.org"),
    ]
    admin = signed_in(app.test_client(), session, "admin", "admin@example.org")
    log = admin.get("/en/staff/audit/").get_data(as_text=True)
    assert "dataset.import" in log and "dataset.publish" in log and "dataset.restore" in log


def test_withdrawing_a_draft(client, session, draft) -> None:
    editor = signed_in(client, session, "editor")
    response = editor.post(
        f"/en/staff/versions/{draft.id}/withdraw", data={"csrf_token": token(editor)}
    )
    assert response.status_code == 303
    session.refresh(draft)
    assert draft.status == VersionStatus.WITHDRAWN
    again = editor.post(
        f"/en/staff/versions/{draft.id}/publish", data={"csrf_token": token(editor)}
    )
    assert again.status_code == 409
    assert "A withdrawn draft cannot be published." in again.get_data(as_text=True)


def test_actions_need_the_csrf_token(client, session, draft) -> None:
    editor = signed_in(client, session, "editor")
    response = editor.post(f"/en/staff/versions/{draft.id}/publish")
    assert response.status_code == 400
    session.refresh(draft)
    assert draft.status == VersionStatus.DRAFT


def test_a_file_too_large_gets_a_clear_413_and_nothing_is_written(
    app, client, session, counts, monkeypatch
) -> None:
    editor = signed_in(client, session, "editor")
    form_token = token(editor, "/en/staff/upload/spending")
    before = counts()
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 50_000)
    monkeypatch.setitem(app.config, "MAX_UPLOAD_MB", 0.05)
    big = csv_bytes([["2050202", "", f"部门{i}", "", "1", "1", "1"] for i in range(3_000)])
    response = editor.post(
        "/en/staff/upload/spending",
        data={**upload_data(big, "big.csv"), "csrf_token": form_token},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "The file is larger than 0.05 MB, the most this form takes. Nothing was saved." in html
    assert counts() == before


@pytest.mark.parametrize(
    "name, content, message",
    [
        (
            "photo.csv",
            b"\x89PNG\r\n\x1a\n\x00\x00",
            "This file is not a table: it holds binary data.",
        ),
        ("empty.csv", b"", "The file is empty."),
        (
            "t.xlsx",
            b"PK\x03\x04 broken",
            "This file is not an Excel workbook (.xlsx) that can be read.",
        ),
    ],
)
def test_a_file_that_is_no_table_is_refused_clearly(
    client, session, counts, name, content, message
) -> None:
    editor = signed_in(client, session, "editor")
    before = counts()
    response = editor.post(
        "/en/staff/upload/spending",
        data={
            **upload_data(content, name),
            "csrf_token": token(editor, "/en/staff/upload/spending"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert counts() == before


def test_the_form_checks_its_fields(client, session) -> None:
    editor = signed_in(client, session, "editor")
    response = editor.post(
        "/en/staff/upload/spending",
        data={
            **upload_data(b"x", "table.pdf"),
            "year": "20x4",
            "title": "",
            "csrf_token": token(editor, "/en/staff/upload/spending"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Upload a CSV file (.csv) or an Excel workbook (.xlsx)." in html
    assert "Enter a title for this version." in html


def test_original_file_and_templates_download(client, session, draft) -> None:
    editor = signed_in(client, session, "editor")
    response = editor.get(f"/en/staff/versions/{draft.id}/original")
    assert response.data == csv_bytes(VALID_2023)
    assert response.headers["Content-Disposition"].startswith("attachment")
    zh = editor.get("/zh/staff/templates/spending.csv")
    assert zh.data.decode("utf-8-sig").startswith(
        "科目编码,科目名称,部门,项目名称,预算数,调整预算数,决算数"
    )
    en = editor.get("/en/staff/templates/indicators.csv")
    assert en.data.decode("utf-8-sig").startswith("area,key,name_zh,name_en")
    assert editor.get("/en/staff/templates/nothing.csv").status_code == 404


def test_the_preview_pages_its_lists(client, session, in_lang) -> None:
    from tests.staff.files import generated_lines

    rows = generated_lines(120, ["2050202"])
    with in_lang("en"):
        result = import_spending(
            session,
            _source(csv_bytes(rows), "many.csv"),
            spending_request("x@example.org"),
        )
    session.commit()
    editor = signed_in(client, session, "editor")
    first = editor.get(f"/en/staff/versions/{result.version_id}?list=added").get_data(as_text=True)
    assert "120 added" in first and "Page 1 of 3" in first
    third = editor.get(f"/en/staff/versions/{result.version_id}?list=added&page=3").get_data(
        as_text=True
    )
    ordered = sorted(rows, key=lambda r: (r[0], r[2], r[3]))  # code, department, project
    assert ordered[-1][3] in third and ordered[0][3] not in third


def test_a_column_read_wrongly_is_corrected_on_the_form(app, client, session) -> None:
    """A table whose headers the portal does not know is reported with how it was read; naming
    the columns on the form imports it, and the version records the correction."""
    editor = signed_in(client, session, "editor", "corrector@example.org")
    content = csv_bytes(
        [["2050202", "小学教育", "12.00"], ["2050203", "初中教育", "8.50"]],
        headers=["科目编码", "说明", "本期数"],  # neither a name nor an amount header it knows
    )
    response = editor.post(
        "/en/staff/upload/spending",
        data={**upload_data(content, "odd.csv"), "csrf_token": token(editor, "/en/staff/")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "No column of amounts was found" in html and "How the file was read" in html
    assert "本期数" in html  # the header as the file writes it, in the table of columns

    response = editor.post(
        "/en/staff/upload/spending",
        data={
            **upload_data(content, "odd.csv", name_column="B", amount_column="c"),
            "csrf_token": token(editor, "/en/staff/"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    version_id = int(found(r"/versions/(\d+)", response.headers["Location"]))
    reading = json.loads(session.get(DatasetVersion, version_id).reading)
    assert sorted(reading["layout"]["corrected"]) == ["executed", "name"]
    assert {"letter": "C", "header": "本期数", "role": "executed", "note": ""} in reading["layout"][
        "columns"
    ]
    lines = session.scalars(
        select(BudgetLine.executed).where(BudgetLine.version_id == version_id)
    ).all()
    assert sorted(lines) == [Decimal("8.50"), Decimal("12.00")]


def test_a_column_letter_that_is_not_one_is_refused(app, client, session) -> None:
    editor = signed_in(client, session, "editor", "letters@example.org")
    response = editor.post(
        "/en/staff/upload/spending",
        data={
            **upload_data(csv_bytes(VALID_2023), "t.csv", amount_column="列3"),
            "csrf_token": token(editor, "/en/staff/"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200  # the form again, with the message by the field
    assert "Give a column by its letter, e.g. A or C." in response.get_data(as_text=True)
