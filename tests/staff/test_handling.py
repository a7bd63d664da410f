"""Handling suggestions and proposals in the back office: the queue, creating and editing items,
and every step of the timeline recorded through its form — audited, with who did it; refused
steps explained and changing nothing; and no staff page or action for deputies or visitors."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.proposals.models import (
    EventKind,
    ItemKind,
    ProposalEvent,
    ProposalItem,
    Status,
    Submitter,
)
from tests.helpers import csrf_token, make_user, sign_in

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _today(app, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "TODAY", "2026-11-26")


@pytest.fixture
def editor(client, session):
    make_user(session, "clerk@example.org", role="editor", name="办理员")
    assert sign_in(client, "clerk@example.org", PASSWORD).status_code == 302
    return client


def text(response) -> str:
    return response.get_data(as_text=True)


def events(session, item_id: int) -> list[EventKind]:
    session.expire_all()
    return list(
        session.scalars(
            select(ProposalEvent.kind)
            .where(ProposalEvent.item_id == item_id)
            .order_by(ProposalEvent.seq)
        )
    )


def step(client, item_id: int, name: str, lang: str = "zh", **fields):
    """Post a step's form as the item's page offers it (its CSRF token and step count)."""
    page = text(client.get(f"/{lang}/staff/proposals/{item_id}"))
    seen = re.search(
        rf'action="/{lang}/staff/proposals/{item_id}/steps/{name}".*?name="seen" type="hidden" value="(\d+)"',
        page,
        re.S,
    )
    assert seen, f"the page offers no {name} form"
    data = {"csrf_token": csrf_token(page), "seen": seen.group(1), **fields}
    return client.post(f"/{lang}/staff/proposals/{item_id}/steps/{name}", data=data)


def new_item(client, session, **fields) -> ProposalItem:
    lead = session.scalar(select(Submitter).order_by(Submitter.id))
    page = text(client.get("/zh/staff/proposals/new"))
    data = {
        "csrf_token": csrf_token(page),
        "session_label": "市十五届人大五次会议",
        "kind": "suggestion",
        "number": "0777",
        "year": "2026",
        "title": "关于增设社区托育点的建议",
        "body": "建议在老旧小区增设普惠托育点。",
        "lead": str(lead.id),
        "areas": ["childcare"],
        "role": "sole",
        "budget_codes": "21007；2050201",
        "assigned_on": "2026-09-01",
        **fields,
    }
    response = client.post("/zh/staff/proposals/new", data=data)
    assert response.status_code == 303, text(response)[:3000]
    item_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    return session.get(ProposalItem, item_id)


# -- access ----------------------------------------------------------------------------------------


def staff_rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint.startswith("staff.")]


def concrete(rule) -> str:
    path = rule.rule.replace("<lang>", "zh")
    return re.sub(r"<(?:int:)?(\w+)>", lambda m: "1" if "int" in m.group(0) else "spending", path)


def test_every_staff_route_refuses_visitors_and_deputies(app, client, session) -> None:
    """Every route of the back office, found in the URL map (so a new route cannot be missed):
    a visitor is sent to sign in, a deputy is refused, and nothing changes."""
    rules = staff_rules(app)
    assert any("proposals" in r.rule for r in rules) and len(rules) >= 12
    unchanged = ~AuditEntry.action.like("account.%") & (AuditEntry.action != "login")
    audit_before = session.scalar(select(func.count()).select_from(AuditEntry).where(unchanged))
    token = csrf_token(text(client.get("/zh/login")))
    for rule in rules:
        path = concrete(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = {"csrf_token": token} if method == "POST" else None
            response = client.open(path, method=method, data=data)
            assert response.status_code == 302 and "/login" in response.headers["Location"], path
    make_user(session, "deputy@example.org", role="deputy", submitter_id=1)
    sign_in(client, "deputy@example.org", PASSWORD)
    token = csrf_token(text(client.get("/zh/account/password")))
    for rule in rules:
        path = concrete(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = {"csrf_token": token} if method == "POST" else None
            assert client.open(path, method=method, data=data).status_code == 403, path
    session.expire_all()
    changes = session.scalar(select(func.count()).select_from(AuditEntry).where(unchanged))
    assert changes == audit_before  # (the deputy's account and sign-in aside) nothing changed


# -- the queue -------------------------------------------------------------------------------------


def test_queue_lists_overdue_and_due_soon_items_most_urgent_first(editor, session) -> None:
    page = text(editor.get("/zh/staff/proposals/"))
    assert "逾期" in page
    overdue = session.scalars(
        select(ProposalItem)
        .where(
            ProposalItem.status.in_((Status.IN_HAND, Status.EXTENDED, Status.REHANDLING)),
            ProposalItem.current_due < date(2026, 11, 26),
        )
        .order_by(ProposalItem.current_due)
    ).all()
    assert overdue, "the curated data has overdue items"
    english = text(editor.get("/en/staff/proposals/?list=overdue"))
    positions = [english.index(f'/en/staff/proposals/{i.id}"') for i in overdue[:20]]
    assert positions == sorted(positions)  # the longest overdue first
    assert f"{len(overdue)} item" in english and "days overdue" in english
    for name in ("due_soon", "unpublished", "awaiting_feedback", "all"):
        assert editor.get(f"/en/staff/proposals/?list={name}").status_code == 200
    assert editor.get("/en/staff/proposals/?list=nonsense").status_code == 400
    assert editor.get("/en/staff/proposals/?list=all&page=999").status_code == 404
    found = text(editor.get("/en/staff/proposals/?list=all&q=托育"))
    assert "托育" in found and "No item in this list matches" not in found


# -- creating, editing, and the whole handling -----------------------------------------------------


def test_an_editor_handles_an_item_from_creation_to_closing(app, editor, session, client) -> None:
    item = new_item(editor, session)
    assert item.status == Status.IN_HAND and item.reply_due == date(2026, 12, 1)
    assert item.code_list == ["21007", "2050201"]
    assert events(session, item.id) == [EventKind.ASSIGNED]
    assert "增设社区托育点" in text(client.get(f"/zh/proposals/{item.id}"))
    found = client.get("/api/v1/proposals?q=社区托育点").json
    assert [i["id"] for i in found["items"]] == [item.id]  # the search index has it

    assert step(editor, item.id, "meet", on="2026-09-20", form="site_visit").status_code == 303
    response = step(
        editor, item.id, "extend", on="2026-11-20", months="5", reason="需会同区政府调研"
    )
    assert response.status_code == 303
    session.refresh(item)
    assert item.status == Status.EXTENDED and item.reply_due == date(2027, 2, 1)

    response = step(
        editor,
        item.id,
        "reply",
        on="2026-11-25",
        document_number="财建〔2026〕77号",
        reply_class="B",
        summary="已将社区托育点纳入明年计划。",
        text="答复全文：经研究，已将社区托育点纳入明年民生实事计划。",
    )
    assert response.status_code == 303
    session.refresh(item)
    assert item.status == Status.REPLIED and item.reply_class == "B"
    # Not public until the disclosure is decided; then the words are searchable.
    assert client.get("/api/v1/proposals?q=民生实事计划").json["total"] == 0
    assert step(editor, item.id, "disclose", on="2026-11-26", mode="full").status_code == 303
    assert client.get("/api/v1/proposals?q=民生实事计划").json["total"] == 1

    response = step(
        editor,
        item.id,
        "feedback",
        on="2026-11-26",
        handling="satisfied",
        result="basic",
        comment="希望尽快落实",
    )
    assert response.status_code == 303
    assert (
        step(editor, item.id, "follow_up", on="2026-11-26", text="已选定三处点位。").status_code
        == 303
    )
    assert step(editor, item.id, "close", on="2026-11-26", note="办结").status_code == 303
    session.refresh(item)
    assert item.status == Status.CLOSED
    assert events(session, item.id) == [
        EventKind.ASSIGNED,
        EventKind.MET,
        EventKind.EXTENDED,
        EventKind.REPLIED,
        EventKind.PUBLISHED,
        EventKind.FEEDBACK,
        EventKind.FOLLOWED_UP,
        EventKind.CLOSED,
    ]
    session.expire_all()
    actors = set(
        session.scalars(select(ProposalEvent.actor).where(ProposalEvent.item_id == item.id))
    )
    assert actors == {"clerk@example.org"}
    staff_page = text(editor.get(f"/en/staff/proposals/{item.id}"))
    assert "Recorded by clerk@example.org" in staff_page  # who did each step, for staff
    assert "clerk@example.org" not in text(client.get(f"/en/proposals/{item.id}"))
    audited = session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.target_type == "proposal", AuditEntry.target_id == str(item.id)
        )
    ).all()
    assert "proposal.create" in audited and "proposal.closed" in audited
    page = text(editor.get(f"/zh/staff/proposals/{item.id}"))
    offered = re.findall(rf"/zh/staff/proposals/{item.id}/steps/(\w+)", page)
    assert offered == ["disclose"]  # a closed item's reply can still be published


def test_a_refused_step_says_why_and_changes_nothing(editor, session) -> None:
    item = new_item(editor, session, number="0778")
    before = events(session, item.id)
    response = step(
        editor,
        item.id,
        "reply",
        lang="en",
        on="2026-08-01",  # before the assignment
        document_number="X1",
        reply_class="A",
        summary="s",
        text="t",
    )
    assert response.status_code == 409
    assert "cannot be before the item&#39;s previous step" in text(response)
    assert events(session, item.id) == before

    future = step(editor, item.id, "meet", lang="en", on="2027-01-05", form="phone")
    assert future.status_code == 400 and "cannot be in the future" in text(future)
    no_reason = step(editor, item.id, "extend", lang="en", on="2026-11-20", months="6", reason="")
    assert no_reason.status_code == 400 and "An extension needs a reason." in text(no_reason)
    assert events(session, item.id) == before


def test_a_stale_page_does_not_record_a_step_twice(editor, session) -> None:
    item = new_item(editor, session, number="0779")
    page = text(editor.get(f"/zh/staff/proposals/{item.id}"))
    token = csrf_token(page)
    data = {"csrf_token": token, "seen": "1", "on": "2026-10-01", "form": "phone"}
    assert editor.post(f"/zh/staff/proposals/{item.id}/steps/meet", data=data).status_code == 303
    again = editor.post(f"/en/staff/proposals/{item.id}/steps/meet", data=data)
    assert again.status_code == 409 and "after you opened the page" in text(again)
    assert events(session, item.id) == [EventKind.ASSIGNED, EventKind.MET]


def test_paper_feedback_not_satisfied_can_start_re_handling_later(editor, session) -> None:
    item = new_item(editor, session, number="0780")
    step(
        editor,
        item.id,
        "reply",
        on="2026-10-10",
        document_number="财〔2026〕80号",
        reply_class="C",
        summary="摘要",
        text="全文",
    )
    step(
        editor,
        item.id,
        "feedback",
        on="2026-10-20",
        handling="basic",
        result="dissatisfied",
        # the box "start handling again now" left unticked
    )
    session.refresh(item)
    assert item.status == Status.FEEDBACK and item.rounds == 1
    assert step(editor, item.id, "rehandle", on="2026-10-22").status_code == 303
    session.refresh(item)
    assert item.status == Status.REHANDLING and item.current_due == date(2026, 11, 22)
    assert item.rounds == 2


def test_editing_an_item_is_audited_and_refuses_a_clash(editor, session, client) -> None:
    item = new_item(editor, session, number="0781")
    new_item(editor, session, number="0782", title="另一件")
    page = text(editor.get(f"/zh/staff/proposals/{item.id}/edit"))
    assert "关于增设社区托育点的建议" in page
    data = {
        "csrf_token": csrf_token(page),
        "session_label": "市十五届人大五次会议",
        "kind": "suggestion",
        "number": "0781",
        "year": "2026",
        "title": "关于增设社区普惠托育点的建议",
        "body": "修改后的正文。",
        "lead": str(item.lead_submitter_id),
        "areas": ["childcare", "education"],
        "role": "sole",
        "budget_codes": "",
    }
    assert editor.post(f"/zh/staff/proposals/{item.id}/edit", data=data).status_code == 303
    session.refresh(item)
    assert item.area_slugs == ["childcare", "education"] and item.code_list == []
    assert client.get("/api/v1/proposals?q=社区普惠托育点").json["total"] == 1
    entry = session.scalar(
        select(AuditEntry)
        .where(AuditEntry.action == "proposal.edit", AuditEntry.target_id == str(item.id))
        .order_by(AuditEntry.id.desc())
    )
    assert entry is not None and "社区托育点" in str(entry.before) and "普惠" in str(entry.after)

    clash = editor.post(
        f"/en/staff/proposals/{item.id}/edit",
        data={**data, "number": "0782", "csrf_token": csrf_token(page)},
    )
    assert clash.status_code == 409 and "already has number 0782" in text(clash)
    session.refresh(item)
    assert item.number == "0781"


def test_the_item_form_explains_every_missing_field(editor, session) -> None:
    page = text(editor.get("/en/staff/proposals/new"))
    response = editor.post("/en/staff/proposals/new", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 400
    html = text(response)
    for message in ("Enter the session.", "Enter the title.", "Choose at least one area."):
        assert message in html
    bad_codes = editor.post(
        "/en/staff/proposals/new",
        data={"csrf_token": csrf_token(page), "budget_codes": "20502x"},
    )
    assert "3, 5 or 7 digits" in text(bad_codes)
    assert (
        session.scalar(
            select(func.count())
            .select_from(ProposalItem)
            .where(ProposalItem.kind == ItemKind.SUGGESTION, ProposalItem.number == "0777")
        )
        == 0
    )
