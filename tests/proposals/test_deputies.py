"""Deputies sign in, see their own items (unpublished replies included), give feedback once per
reply, and never see another deputy's unpublished reply or feedback anywhere."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.audit.models import AuditEntry
from portal.proposals import services
from portal.proposals.models import ProposalEvent, ProposalItem, Status, Submitter
from tests.helpers import csrf_token, make_user, sign_in
from tests.proposals.conftest import CLERK, PASSWORD


def body(response) -> str:
    return response.get_data(as_text=True)


def submitter(session, key: str) -> Submitter:
    return session.scalars(select(Submitter).where(Submitter.key == key)).one()


def deputy_client(app, session, key: str):
    found = submitter(session, key)
    email = f"{key.lower()}@example.org"
    make_user(session, email, role="deputy", submitter_id=found.id)
    client = app.test_client()
    assert sign_in(client, email, PASSWORD).status_code == 302
    return client


def private_item(session) -> ProposalItem:
    """D02's item: replied, the reply not published, feedback given (so not public either)."""
    return session.scalars(
        select(ProposalItem)
        .join(ProposalItem.lead_submitter)
        .where(
            Submitter.key == "D02",
            ProposalItem.status == Status.FEEDBACK,
            ProposalItem.disclosure.is_(None),
        )
    ).one()


def waiting_item(session) -> ProposalItem:
    """D01's item: replied, not published, waiting for her feedback."""
    return session.scalars(
        select(ProposalItem)
        .join(ProposalItem.lead_submitter)
        .where(Submitter.key == "D01", ProposalItem.status == Status.REPLIED)
    ).one()


def feedback_form(
    page: str, round_number: int, handling="satisfied", result="basic", comment="办理及时"
) -> dict:
    return {
        "csrf_token": csrf_token(page),
        "round": str(round_number),
        "handling": handling,
        "result": result,
        "comment": comment,
    }


def event_count(session, item) -> int:
    return session.scalar(select(func.count()).where(ProposalEvent.item_id == item.id))


def test_a_deputy_finds_reads_and_answers_a_reply(app, session) -> None:
    client = deputy_client(app, session, "D01")
    item = waiting_item(session)
    reply = item.replies[0]
    mine = body(client.get("/zh/my/proposals"))
    assert item.title in mine and "/zh/my/proposals/" in mine
    # co-signed items are listed too (D01 co-signs nothing, D02 co-signs one of D01's)
    page = body(client.get(f"/zh/my/proposals/{item.id}"))
    assert reply.summary in page  # not public, but hers
    assert 'name="handling"' in page
    anonymous = body(app.test_client().get(f"/zh/proposals/{item.id}"))
    assert reply.summary not in anonymous
    response = client.post(f"/zh/my/proposals/{item.id}", data=feedback_form(page, item.rounds))
    assert response.status_code == 302
    session.expire_all()
    assert item.status == Status.FOLLOWING_UP  # class B: followed up until solved
    assert item.feedback[0].comment == "办理及时"
    audit = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "proposal.feedback")
        .order_by(AuditEntry.id.desc())
    ).first()
    assert audit.actor == "d01@example.org" and audit.target_id == str(item.id)
    after = body(client.get(f"/zh/my/proposals/{item.id}"))
    assert "办理及时" in after and 'name="handling"' not in after
    # the same feedback again: refused with a message, nothing changes
    count = event_count(session, item)
    again = client.post(f"/en/my/proposals/{item.id}", data=feedback_form(after, item.rounds))
    assert again.status_code == 409
    assert "already been given" in body(again)
    assert event_count(session, item) == count


def test_dissatisfied_feedback_starts_re_handling_shown_to_the_deputy(app, session) -> None:
    client = deputy_client(app, session, "D01")
    item = waiting_item(session)
    page = body(client.get(f"/en/my/proposals/{item.id}"))
    client.post(f"/en/my/proposals/{item.id}", data=feedback_form(page, 1, "basic", "dissatisfied"))
    session.expire_all()
    assert item.status == Status.REHANDLING and item.current_due == date(2026, 12, 26)
    page = body(client.get(f"/en/my/proposals/{item.id}"))
    assert "Being handled again" in page and "Due in 30 days" in page


def test_feedback_before_a_reply_is_refused(app, session, make_item) -> None:
    d01 = submitter(session, "D01")
    item = make_item(lead=d01)
    session.commit()
    client = deputy_client(app, session, "D01")
    page = body(client.get(f"/en/my/proposals/{item.id}"))
    assert 'name="handling"' not in page and "once the reply has arrived" in page
    count = event_count(session, item)
    response = client.post(f"/en/my/proposals/{item.id}", data=feedback_form(page, 1))
    assert response.status_code == 409 and "no reply to give feedback on yet" in body(response)
    assert event_count(session, item) == count


def test_a_co_signer_cannot_give_feedback_and_csrf_is_required(app, session) -> None:
    item = private_item(session)  # D03 co-signed it
    client = deputy_client(app, session, "D03")
    page = body(client.get(f"/en/my/proposals/{item.id}"))
    assert "王代表的私人意见" in page  # a co-signer sees the item's feedback
    assert 'name="handling"' not in page
    refused = client.post(f"/en/my/proposals/{item.id}", data=feedback_form(page, item.rounds))
    assert refused.status_code == 409 and "Only the lead submitter" in body(refused)
    lead = deputy_client(app, session, "D02")
    no_token = {k: v for k, v in feedback_form(page, item.rounds).items() if k != "csrf_token"}
    assert lead.post(f"/en/my/proposals/{item.id}", data=no_token).status_code == 400


def test_another_deputys_unpublished_reply_and_feedback_stay_hidden(app, session) -> None:
    item = private_item(session)
    reply, feedback = item.replies[0], item.feedback[0]
    secrets = [reply.summary, reply.text.split("\n")[0], feedback.comment]
    own = deputy_client(app, session, "D02")  # the positive control: the owner sees all of it
    own_page = body(own.get(f"/zh/proposals/{item.id}"))
    assert all(s in own_page for s in secrets)
    assert own.get(f"/zh/proposals/{item.id}").headers["Cache-Control"] == "private, no-store"

    other = deputy_client(app, session, "D01")
    pages = {
        "detail": other.get(f"/zh/proposals/{item.id}"),
        "detail-en": other.get(f"/en/proposals/{item.id}"),
        "my-list": other.get("/zh/my/proposals"),
        "api": other.get(f"/api/v1/proposals/{item.id}"),
        "api-list": other.get("/api/v1/proposals?year=2026"),
        "feed": other.get("/zh/proposals/feed.atom"),
        "search": other.get(f"/zh/proposals?q={reply.summary[:20]}"),
        "search-api": other.get(f"/api/v1/proposals?q={reply.summary[:20]}"),
        "search-comment": other.get(f"/zh/proposals?q={feedback.comment[:8]}"),
    }
    for name, response in pages.items():
        text = body(response)
        assert not any(s in text for s in secrets), name
    assert item.title not in body(pages["my-list"])
    assert other.get(f"/zh/my/proposals/{item.id}").status_code == 404
    assert pages["search-api"].json["total"] == 0
    assert "Feedback has been given" in body(other.get(f"/en/proposals/{item.id}"))


def test_deputy_pages_need_a_deputy_account(app, client, session) -> None:
    response = client.get("/zh/my/proposals")
    assert response.status_code == 302 and "/zh/login" in response.headers["Location"]
    make_user(session, "editor@example.org", role="editor")
    editor = app.test_client()
    sign_in(editor, "editor@example.org", PASSWORD)
    assert editor.get("/zh/my/proposals").status_code == 403


def test_an_unlinked_deputy_is_told_so(app, session) -> None:
    make_user(session, "nobody@example.org", role="deputy")
    client = app.test_client()
    sign_in(client, "nobody@example.org", PASSWORD, lang="en")
    assert "not linked" in body(client.get("/en/my/proposals"))


@pytest.mark.parametrize("deputy", ["王建国", "Wang Jianguo", "D02"])
def test_cli_links_a_deputy_account_by_name_or_id(app, session, deputy) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "user",
            "create",
            "--email",
            "wang@example.org",
            "--role",
            "deputy",
            "--deputy",
            deputy,
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    user = session.scalars(select(User).where(User.email == "wang@example.org")).one()
    assert user.submitter_id == submitter(session, "D02").id


def test_cli_refuses_an_unknown_deputy(app) -> None:
    result = app.test_cli_runner().invoke(
        args=[
            "user",
            "create",
            "--email",
            "x@example.org",
            "--role",
            "deputy",
            "--deputy",
            "无此人",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code != 0 and "no deputy" in result.output


def test_status_change_is_visible_to_the_deputy_after_a_staff_step(app, session) -> None:
    client = deputy_client(app, session, "D01")
    item = waiting_item(session)
    services.publish(
        session, item, on=date(2026, 11, 20), mode=services.Disclosure.FULL, actor=CLERK
    )
    session.commit()
    page = body(client.get(f"/en/my/proposals/{item.id}"))
    assert "Published in full" in page
