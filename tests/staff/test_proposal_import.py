"""The proposals handling ledger (办理台账): a GB18030 CSV or an XLSX with the bureau's headers
creates items and replays their steps; every problem is reported at once and nothing is written;
a re-upload appends only what the timelines lack and refuses what contradicts them; publishing
(on the web, as an editor) applies the steps once; the command line does the same."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.datasets.models import DatasetKind, DatasetVersion, DataState, VersionStatus
from portal.proposals import services as proposal_services
from portal.proposals.ledger import LEDGER_COLUMNS, import_proposals, ledger_preview
from portal.proposals.models import (
    EventKind,
    Feedback,
    HandlingRole,
    ProposalEvent,
    ProposalItem,
    Reply,
    Satisfaction,
    Status,
)
from portal.roles import Actor
from portal.staff import services
from portal.uploads.files import TableSource
from portal.uploads.headers import template_csv
from portal.uploads.importing import ImportRequest
from tests.helpers import csrf_token, make_user, sign_in
from tests.staff.conftest import database_counts
from tests.staff.files import LEDGER_HEADERS, csv_bytes, ledger_rows, write, xlsx_bytes

SESSION = "市十六届人大一次会议"
PASSWORD = "correct horse battery"

#: Replied, published and answered "satisfied": feedback received.
ITEM_A = {
    "届次": SESSION,
    "类型": "建议",
    "编号": "9001",
    "年度": "2026",
    "标题": "关于增加社区托育点的建议",
    "领衔人": "张丽华",
    "联名人": "王建国、D03",
    "领域": "幼有所育",
    "承办方式": "独办",
    "交办日期": "2026-03-12",
    "面商日期": "2026/4/2",
    "面商方式": "现场调研",
    "答复日期": "2026年5月30日",
    "答复文号": "示财复〔2026〕1号",
    "答复类别": "A",
    "答复摘要": "已安排资金新增托育点。",
    "公开方式": "全文公开",
    "公开日期": "2026-06-10",
    "办理满意度": "满意",
    "结果满意度": "基本满意",
    "反馈日期": "2026-06-20",
}
#: A CPPCC proposal led by the bureau, extended to five months: not replied yet.
ITEM_B = {
    "届次": "市政协十五届一次会议",
    "类型": "提案",
    "编号": "第9002号",
    "年度": "2026",
    "标题": "关于加大就业见习补贴的提案",
    "领衔人": "马文博",
    "领域": "劳有所得",
    "承办方式": "主办",
    "交办日期": "2026-08-03",
    "延期后期限（月）": "5",
    "延期理由": "需会同人社部门测算",
    "延期日期": "2026-10-20",
}
#: Not satisfied with the first reply, so handled again: the second reply awaits feedback.
ITEM_C_ROUND_1 = {
    "届次": SESSION,
    "类型": "建议",
    "编号": "9003",
    "年度": "2026",
    "标题": "关于提高养老服务补贴的建议",
    "领衔人": "李秀英",
    "领域": "elderly-care",
    "承办方式": "独办",
    "交办日期": "2026-02-02",
    "答复日期": "2026-04-20",
    "答复文号": "示财复〔2026〕3号",
    "答复类别": "C",
    "答复摘要": "受财力所限，待以后解决。",
    "办理满意度": "不满意",
    "结果满意度": "不满意",
    "反馈日期": "2026-05-06",
    "反馈意见": "希望再研究。",
}
ITEM_C_ROUND_2 = {
    "届次": SESSION,
    "类型": "建议",
    "编号": "9003",
    "轮次": "2",
    "领域": "老有所养",  # an item's column may be repeated on a later row, in its own words
    "答复日期": "2026-06-01",
    "答复文号": "示财复〔2026〕9号",
    "答复类别": "B",
    "答复摘要": "已列入明年计划。",
}
LEDGER = [ITEM_A, ITEM_B, ITEM_C_ROUND_1, ITEM_C_ROUND_2]


@pytest.fixture(autouse=True)
def _today(app, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "TODAY", "2026-11-26")


def ledger_csv(rows: list[dict[str, Any]], encoding: str = "gb18030") -> bytes:
    return csv_bytes(ledger_rows(rows), headers=LEDGER_HEADERS, encoding=encoding)


def source(content: bytes, name: str = "办理台账.csv") -> TableSource:
    return TableSource.from_bytes(content, name)


def run_import(session: Session, content: bytes, name: str = "办理台账.csv", **extra: Any):
    request = ImportRequest(
        year=None,
        title="2026年建议提案办理台账",
        source_doc="市财政局办理系统导出",
        created_by=Actor("clerk@example.org"),
        **extra,
    )
    return import_proposals(session, source(content, name), request)


def item(session: Session, number: str, session_label: str = SESSION) -> ProposalItem:
    session.expire_all()
    found = session.scalar(
        select(ProposalItem).where(
            ProposalItem.session_label == session_label, ProposalItem.number == number
        )
    )
    assert found is not None, number
    return found


def event_kinds(found: ProposalItem) -> list[tuple[str, int]]:
    return [(e.kind.value, e.round) for e in found.events]


def counts(session: Session) -> dict[str, Any]:
    session.expire_all()
    return {
        **database_counts(session),
        **{
            model.__name__: session.scalar(select(func.count()).select_from(model))
            for model in (ProposalItem, ProposalEvent, Reply, Feedback)
        },
    }


def data_version(session: Session) -> int:
    session.expire_all()
    return int(session.scalar(select(DataState.version)) or 0)


def problems(result) -> list[str]:
    return [p.describe() for p in result.problems.sorted()]


def assert_the_ledger_is_applied(session: Session) -> None:
    a = item(session, "9001")
    assert (a.status, a.kind, a.role, a.year) == (
        Status.FEEDBACK,
        "suggestion",
        HandlingRole.SOLE,
        2026,
    )
    assert [s.name for s in a.cosigners] == ["王建国", "李秀英"]
    assert (a.met_on, a.replied_on, a.reply_class, a.published_on) == (
        date(2026, 4, 2),
        date(2026, 5, 30),
        "A",
        date(2026, 6, 10),
    )
    assert (a.handling_first, a.result_first) == (Satisfaction.SATISFIED, Satisfaction.BASIC)
    assert event_kinds(a) == [
        ("assigned", 1),
        ("met", 1),
        ("replied", 1),
        ("published", 1),
        ("feedback", 1),
    ]
    b = item(session, "9002", "市政协十五届一次会议")
    assert (b.status, b.extended, b.reply_due) == (Status.EXTENDED, True, date(2027, 1, 3))
    c = item(session, "9003")
    assert (c.status, c.rounds, c.reply_class) == (Status.REPLIED, 2, "B")
    assert event_kinds(c) == [
        ("assigned", 1),
        ("replied", 1),
        ("feedback", 1),
        ("rehandled", 2),
        ("replied", 2),
    ]


# -- checking and creating ---------------------------------------------------------------------


def test_a_gb18030_ledger_becomes_a_draft_and_publishing_creates_the_items(
    session, in_lang
) -> None:
    content = ledger_csv(LEDGER)
    before = counts(session)
    with in_lang("en"):
        result = run_import(session, content)
        assert result.ok, problems(result)
        assert result.rows == 4 and not result.published
        # A draft: the file is kept, the timelines are untouched.
        version = session.get(DatasetVersion, result.version_id)
        assert version.dataset.kind == DatasetKind.PROPOSALS
        assert version.status == VersionStatus.DRAFT
        assert version.original_file == content and version.sha256 == result.sha256
        assert counts(session)["ProposalItem"] == before["ProposalItem"]

        preview = ledger_preview(session, version)
        assert not preview.refused and preview.plan is not None
        assert [(p.key[2], len(p.new_steps), p.status_after) for p in preview.plan.new_items] == [
            ("9001", 5, Status.FEEDBACK),
            ("9002", 2, Status.EXTENDED),
            ("9003", 4, Status.REPLIED),  # the re-handling follows from the feedback itself
        ]
        assert counts(session)["ProposalEvent"] == before["ProposalEvent"]  # a dry run

        new_data_version = services.publish(session, version.id, actor=Actor("editor@example.org"))
    assert new_data_version == before["data_version"] + 1  # once, for all the steps
    assert_the_ledger_is_applied(session)
    after = counts(session)
    assert after["ProposalItem"] == before["ProposalItem"] + 3
    assert after["ProposalEvent"] == before["ProposalEvent"] + 12
    assert {e.actor for e in item(session, "9001").events} == {"editor@example.org"}
    assert session.get(DatasetVersion, version.id).status == VersionStatus.PUBLISHED


def test_an_xlsx_ledger_with_date_cells_and_english_values(session, in_lang) -> None:
    rows: list[dict[str, object]] = [dict(r) for r in LEDGER]
    rows[0].update(
        {
            "类型": "suggestion",
            "编号": 9001,
            "年度": 2026,
            "交办日期": datetime(2026, 3, 12),
            "面商日期": datetime(2026, 4, 2),
            "面商方式": "site_visit",
            "答复日期": datetime(2026, 5, 30),
            "公开方式": "full",
            "办理满意度": "satisfied",
            "结果满意度": "basic",
            "反馈日期": datetime(2026, 6, 20),
        }
    )
    rows[1]["交办日期"] = date(2026, 8, 3)
    content = xlsx_bytes(ledger_rows(rows), headers=LEDGER_HEADERS)
    with in_lang("zh"):
        result = run_import(session, content, "台账.xlsx", publish=True)
    assert result.ok, problems(result)
    assert result.published and result.rows == 4
    assert_the_ledger_is_applied(session)


def test_numbers_keep_four_digits_and_match_whatever_the_spreadsheet_did(session, in_lang) -> None:
    row = {**ITEM_B, "编号": "12", "届次": "市政协十五届二次会议"}
    with in_lang("en"):
        assert run_import(session, ledger_csv([row]), publish=True).ok
        assert item(session, "0012", "市政协十五届二次会议").status == Status.EXTENDED
        again = run_import(session, ledger_csv([{**row, "编号": "第0012号"}]))
        assert again.ok, problems(again)
        preview = ledger_preview(session, session.get(DatasetVersion, again.version_id))
        assert preview.plan is not None and preview.plan.unchanged_rows == 1


def test_a_dash_or_wu_in_a_cell_is_an_empty_cell(session, in_lang) -> None:
    """Clerks write “-” or 无 for a step that did not happen: no step, as for a blank cell."""
    row = {**ITEM_B, "编号": "9120", "面商日期": "无", "面商方式": "-", "答复日期": "—"}
    with in_lang("en"):
        result = run_import(session, ledger_csv([row]), publish=True)
        assert result.ok, problems(result)
        found = item(session, "9120", ITEM_B["届次"])
        assert event_kinds(found) == [("assigned", 1), ("extended", 1)]
        missing = run_import(session, ledger_csv([{**row, "编号": "9121", "交办日期": "-"}]))
        assert not missing.ok


def test_every_problem_is_reported_at_once_and_nothing_is_written(session, in_lang) -> None:
    base = {k: v for k, v in ITEM_A.items() if k not in ("办理满意度", "结果满意度", "反馈日期")}
    rows = [
        {**base, "编号": "9101", "类型": "议案"},
        {**base, "编号": "9102", "交办日期": "2026-13-01"},
        {**base, "编号": "9103", "领衔人": "查无此人"},
        {**base, "编号": "9104", "领域": "幼有所育;火星"},
        {**base, "编号": "9105", "答复类别": "Z"},
        {**base, "编号": "9106"},
        {**base, "编号": "9106", "标题": "重复一行"},
        {**ITEM_A, "编号": "9107", "反馈日期": "2026-05-01"},  # feedback before the reply
        {**base, "编号": "9108", "答复日期": "2026-03-01"},  # replied before assignment
        {**base, "编号": "9109", "公开方式": "不予公开"},  # without a reason
        {**base, "编号": "9110", "领衔人": "马文博"},  # a CPPCC member
        {**base, "编号": "9111", "面商方式": ""},
        {**base, "编号": "9112", "交办日期": "2027-01-05"},
    ]
    before = counts(session)
    with in_lang("en"):
        result = run_import(session, ledger_csv(rows))
        assert problems(result) == [
            "Error (row 2, column “类型”, value “议案”): Write 建议 or 提案 (suggestion or proposal).",
            "Error (row 3, column “交办日期”, value “2026-13-01”): There is no such date.",
            "Error (row 4, column “领衔人”, value “查无此人”): No deputy or CPPCC member of this name or key is on record. Check the spelling, or have the submitter added first.",
            "Error (row 5, column “领域”, value “幼有所育;火星”): Unknown area. Use one of: childcare, education, employment, healthcare, elderly-care, housing, social-assistance.",
            "Error (row 6, column “答复类别”, value “Z”): Unknown reply class. Use one of: A, B, C, D.",
            "Error (row 8, column “编号”, value “9106”): Duplicate row: the same item and round as row 7. A second round needs 轮次 2.",
            "Error (row 9, column “反馈日期”, value “2026-05-01”): There is no reply to give feedback on yet: feedback can be given once the reply has arrived.",
            "Error (row 10, column “答复日期”, value “2026-03-01”): The date cannot be before the item's previous step.",
            "Error (row 11, column “不公开理由”, value “”): 不予公开 needs a stated reason here.",
            "Error (row 12, column “领衔人”, value “马文博”): 马文博 is not a deputy of the People's Congress: a suggestion (建议) is signed by deputies.",
            "Error (row 13, column “面商方式”, value “”): This cell must be filled in when “面商日期” is.",
            "Error (row 14, column “交办日期”, value “2027-01-05”): This date is in the future.",
        ]
    assert counts(session) == before


def test_a_missing_column_is_named(session, in_lang) -> None:
    headers = [h for h in LEDGER_HEADERS if h != "领衔人"]
    row = {k: v for k, v in ITEM_B.items() if k != "领衔人"}
    content = csv_bytes(ledger_rows([row], headers), headers=headers)
    before = counts(session)
    with in_lang("en"):
        result = run_import(session, content)
        assert problems(result) == [
            "Error (row 1, column “领衔人”): The required column “领衔人” is missing."
        ]
    assert counts(session) == before


# -- uploading again -------------------------------------------------------------------------------


def published_ledger(session: Session, rows: list[dict[str, Any]]) -> None:
    result = run_import(session, ledger_csv(rows), publish=True)
    assert result.ok, problems(result)


def test_a_second_upload_appends_only_the_steps_the_timelines_lack(session, in_lang) -> None:
    without_feedback = {
        k: v for k, v in ITEM_A.items() if k not in ("办理满意度", "结果满意度", "反馈日期")
    }
    with in_lang("en"):
        published_ledger(session, [without_feedback, ITEM_B])
        assert item(session, "9001").status == Status.REPLIED
        before = counts(session)

        result = run_import(session, ledger_csv([ITEM_A, ITEM_B]))
        assert result.ok, problems(result)
        version = session.get(DatasetVersion, result.version_id)
        preview = ledger_preview(session, version)
        plan = preview.plan
        assert plan is not None and not preview.refused
        assert (len(plan.new_items), plan.new_steps, plan.unchanged_rows) == (0, 1, 1)
        [updated] = plan.updated_items
        assert [(s.kind, s.on) for s in updated.new_steps] == [
            (EventKind.FEEDBACK, date(2026, 6, 20))
        ]
        assert (updated.status_before, updated.status_after) == (Status.REPLIED, Status.FEEDBACK)

        services.publish(session, version.id, actor=Actor("editor@example.org"))
    after = counts(session)
    assert after["ProposalEvent"] == before["ProposalEvent"] + 1
    assert after["ProposalItem"] == before["ProposalItem"]
    assert after["data_version"] == before["data_version"] + 1
    assert item(session, "9001").status == Status.FEEDBACK


def test_a_row_contradicting_the_timeline_is_refused(session, in_lang) -> None:
    with in_lang("en"):
        published_ledger(session, [ITEM_A])
        before = counts(session)
        changed = {**ITEM_A, "答复日期": "2026-05-31", "答复类别": "B", "结果满意度": "满意"}
        result = run_import(session, ledger_csv([changed]))
        appended_only = (
            "The timeline is append-only: correct the item on its page, not by uploading."
        )
        assert problems(result) == [
            f"Error (row 2, column “答复日期”, value “2026-05-31”): This differs from the item's timeline, which records “2026-05-30”. {appended_only}",
            f"Error (row 2, column “答复类别”, value “B”): This differs from the item's timeline, which records “A”. {appended_only}",
            f"Error (row 2, column “结果满意度”, value “满意”): This differs from the item's timeline, which records “Basically satisfied”. {appended_only}",
        ]
    assert counts(session) == before


def test_publishing_is_refused_when_the_items_changed_since_the_draft(session, in_lang) -> None:
    without_feedback = {
        k: v for k, v in ITEM_A.items() if k not in ("办理满意度", "结果满意度", "反馈日期")
    }
    with in_lang("en"):
        published_ledger(session, [without_feedback])
        result = run_import(session, ledger_csv([ITEM_A]))
        assert result.ok, problems(result)
        # Meanwhile the feedback is recorded on the item's page, with another date.
        found = item(session, "9001")
        proposal_services.give_feedback(
            session,
            found,
            submitter_id=found.lead_submitter_id,
            handling=Satisfaction.SATISFIED,
            result=Satisfaction.BASIC,
            comment="",
            on=date(2026, 6, 22),
            actor=proposal_services.Actor("clerk"),
        )
        session.flush()
        before = counts(session)
        version = session.get(DatasetVersion, result.version_id)
        assert ledger_preview(session, version).refused
        with pytest.raises(services.StaffActionError) as refused:
            services.publish(session, result.version_id, actor=Actor("editor@example.org"))
        message = str(refused.value.message)
        assert message.startswith("Nothing was published: the ledger no longer fits the proposals")
        assert "Error (row 2, column “反馈日期”, value “2026-06-20”)" in message
        assert "which records “2026-06-22”" in message
    assert counts(session) == before  # nothing of the ledger was applied, no data version raised
    assert session.get(DatasetVersion, result.version_id).status == VersionStatus.DRAFT


def test_a_step_refused_while_publishing_leaves_nothing_behind(
    session, in_lang, monkeypatch
) -> None:
    with in_lang("en"):
        result = run_import(session, ledger_csv([ITEM_A]))
        assert result.ok, problems(result)
        before = counts(session)

        def refuse(*_args: Any, **_kwargs: Any) -> None:
            raise proposal_services.ProposalError("refused for the test")

        # The item is created, assigned, met, replied and published before the feedback fails.
        monkeypatch.setattr(proposal_services, "give_feedback", refuse)
        with pytest.raises(services.StaffActionError) as refused:
            services.publish(session, result.version_id, actor=Actor("editor@example.org"))
    assert "Error (row 2, column “反馈日期”, value “2026-06-20”): refused for the test" in str(
        refused.value.message
    )
    assert counts(session) == before


# -- the web pages ---------------------------------------------------------------------------------


def signed_in(client, session, role: str):
    email = f"{role}-{id(client)}@example.org"
    make_user(session, email, role=role, submitter_id=1 if role == "deputy" else None)
    assert sign_in(client, email, PASSWORD).status_code == 302
    return client


def upload(client, content: bytes, name: str = "台账.csv", lang: str = "en", **fields: Any):
    token = csrf_token(client.get(f"/{lang}/staff/upload/proposals").get_data(as_text=True))
    data = {
        "title": "2026年办理台账",
        "source": "办理系统导出",
        "file": (io.BytesIO(content), name),
        "csrf_token": token,
        **fields,
    }
    return client.post(f"/{lang}/staff/upload/proposals", data=data)


def act(client, version_id: int, action: str = "publish"):
    token = csrf_token(client.get("/en/staff/").get_data(as_text=True))
    return client.post(f"/en/staff/versions/{version_id}/{action}", data={"csrf_token": token})


def test_an_editor_uploads_previews_and_publishes_on_the_web(client, session) -> None:
    editor = signed_in(client, session, "editor")
    page = editor.get("/zh/staff/upload/proposals").get_data(as_text=True)
    assert "领衔人" in page and "答复类别" in page
    page = editor.get("/en/staff/upload/proposals").get_data(as_text=True)
    assert "How the ledger is read" in page and "Year of the ledger (optional)" in page
    before = counts(session)

    response = upload(editor, ledger_csv(LEDGER))
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    version_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = editor.get(f"/en/staff/versions/{version_id}").get_data(as_text=True)
    assert "关于增加社区托育点的建议" in page and "Extension approved" in page
    assert counts(session)["ProposalItem"] == before["ProposalItem"]

    assert act(editor, version_id).status_code == 303
    assert data_version(session) == before["data_version"] + 1
    assert_the_ledger_is_applied(session)
    assert {(e.actor, e.actor_id is not None) for e in item(session, "9001").events} == {
        (f"editor-{id(client)}@example.org", True)
    }
    page = editor.get(f"/en/staff/versions/{version_id}").get_data(as_text=True)
    assert "applied" in page

    # Published once: not again, and not restored after a newer ledger.
    assert act(editor, version_id).status_code == 409
    newer = upload(editor, ledger_csv([*LEDGER, {**ITEM_B, "编号": "9004"}]))
    assert newer.status_code == 303
    newer_id = int(newer.headers["Location"].rsplit("/", 1)[1])
    assert act(editor, newer_id).status_code == 303
    refused = act(editor, version_id)
    assert refused.status_code == 409
    assert "cannot be published again" in refused.get_data(as_text=True)


def test_a_bad_ledger_on_the_web_shows_every_problem(client, session) -> None:
    editor = signed_in(client, session, "editor")
    before = counts(session)
    response = upload(editor, ledger_csv([{**ITEM_A, "领衔人": "查无此人", "类型": "议案"}]))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "查无此人" in body and "议案" in body
    assert counts(session) == before


def test_a_draft_ledger_can_be_withdrawn(client, session) -> None:
    editor = signed_in(client, session, "editor")
    response = upload(editor, ledger_csv([ITEM_B]), year="2026")
    assert response.status_code == 303
    version_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert act(editor, version_id, "withdraw").status_code == 303
    assert session.get(DatasetVersion, version_id).status == VersionStatus.WITHDRAWN
    assert act(editor, version_id).status_code == 409


def test_the_year_if_given_must_be_every_rows(client, session) -> None:
    editor = signed_in(client, session, "editor")
    response = upload(editor, ledger_csv([ITEM_B]), year="2025")
    assert response.status_code == 422
    assert "This row is not for 2025" in response.get_data(as_text=True)


@pytest.fixture
def draft_id(session, in_lang) -> int:
    with in_lang("en"):
        result = run_import(session, ledger_csv([ITEM_B]))
    session.commit()
    return result.version_id


ROUTES = [
    ("get", "/zh/staff/upload/proposals"),
    ("post", "/zh/staff/upload/proposals"),
    ("get", "/en/staff/templates/proposals.csv"),
    ("get", "/zh/staff/versions/{id}"),
    ("post", "/zh/staff/versions/{id}/publish"),
]


@pytest.mark.parametrize("method, path", ROUTES)
def test_anonymous_visitors_and_deputies_cannot_reach_the_ledger(
    client, session, draft_id, method, path
) -> None:
    before = counts(session)
    data = {"csrf_token": csrf_token(client.get("/zh/login").get_data(as_text=True))}
    response = getattr(client, method)(path.format(id=draft_id), data=data)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    deputy = signed_in(client, session, "deputy")
    data = {"csrf_token": csrf_token(deputy.get("/zh/account/password").get_data(as_text=True))}
    assert getattr(deputy, method)(path.format(id=draft_id), data=data).status_code == 403
    assert counts(session)["ProposalEvent"] == before["ProposalEvent"]
    assert session.get(DatasetVersion, draft_id).status == VersionStatus.DRAFT


# -- templates and the command line ----------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_template_is_a_valid_ledger(session, in_lang, lang) -> None:
    content = template_csv(LEDGER_COLUMNS, lang)
    with in_lang("en"):
        result = run_import(session, content, f"template-{lang}.csv")
    assert result.ok, problems(result)


def cli(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def test_the_command_line_imports_and_publishes(app, session, tmp_path) -> None:
    path = write(tmp_path, "台账.csv", ledger_csv(LEDGER))
    result = cli(
        app, "import", "proposals", str(path), "--title", "T", "--source", "S", "--publish"
    )
    assert result.exit_code == 0, result.output
    assert_the_ledger_is_applied(session)
    template = cli(app, "import", "template", "proposals", "--lang", "zh")
    assert template.output.lstrip("\ufeff").startswith("届次,届次（英文）,类型,编号,年度")


def test_the_command_line_prints_every_error_and_writes_nothing(app, session, tmp_path) -> None:
    rows = [{**ITEM_A, "领衔人": "查无此人"}, {**ITEM_B, "延期日期": "明天"}]
    path = write(tmp_path, "台账.csv", ledger_csv(rows))
    before = counts(session)
    result = cli(
        app,
        "import",
        "proposals",
        str(path),
        "--title",
        "T",
        "--source",
        "S",
        "--publish",
        "--lang",
        "en",
    )
    assert result.exit_code == 1
    assert "Error (row 2, column “领衔人”, value “查无此人”): No deputy" in result.output
    assert (
        "Error (row 3, column “延期日期”, value “明天”): Not a date. Write it as 2025-03-12"
        in result.output
    )
    assert "2 error(s), 0 warning(s). Nothing was imported." in result.output
    assert counts(session) == before
