"""Recording steps: one function appends the event and updates the derived copy in the same
transaction, raises the data version and audits; refused steps change nothing."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from portal.audit.models import AuditEntry
from portal.datasets.services import current_data_version
from portal.proposals import services
from portal.proposals.curated import load_curated_proposals
from portal.proposals.models import (
    Disclosure,
    HandlingRole,
    MeetingForm,
    ProposalEvent,
    ProposalItem,
    Satisfaction,
    Status,
)
from tests.proposals.conftest import CLERK

DATA_DIR = Path(__file__).resolve().parents[2] / "data"


def events_of(session, item) -> int:
    return session.scalar(select(func.count()).where(ProposalEvent.item_id == item.id))


def reply(session, item, on=date(2026, 10, 20), cls="A", summary="摘要", text="全文"):
    return services.record_reply(
        session,
        item,
        on=on,
        document_number="测试〔2026〕1号",
        reply_class=cls,
        summary=summary,
        text=text,
        actor=CLERK,
    )


def test_record_event_updates_the_derived_copy_version_and_audit(ctx, session, make_item) -> None:
    item = make_item(assigned_on=date(2026, 9, 1))
    version = current_data_version(session)
    audits = session.scalar(select(func.count()).select_from(AuditEntry))
    services.record_meeting(
        session, item, on=date(2026, 9, 20), form=MeetingForm.PHONE, actor=CLERK
    )
    reply(session, item)
    assert item.status == Status.REPLIED
    assert item.first_replied_on == date(2026, 10, 20) and item.first_reply_on_time
    assert item.met_on == date(2026, 9, 20) and item.reply_class == "A"
    assert current_data_version(session) == version + 2
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == audits + 2
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "proposal.replied" and entry.target_id == str(item.id)
    seqs = session.scalars(
        select(ProposalEvent.seq)
        .where(ProposalEvent.item_id == item.id)
        .order_by(ProposalEvent.seq)
    ).all()
    assert seqs == [1, 2, 3]


def test_feedback_before_a_reply_is_refused_and_changes_nothing(ctx, session, make_item) -> None:
    item = make_item()
    before = (events_of(session, item), item.status, current_data_version(session))
    with pytest.raises(services.ProposalError, match="no reply"):
        services.give_feedback(
            session,
            item,
            submitter_id=item.lead_submitter_id,
            handling=Satisfaction.SATISFIED,
            result=Satisfaction.SATISFIED,
            comment="",
            on=date(2026, 11, 1),
            actor=CLERK,
        )
    assert (events_of(session, item), item.status, current_data_version(session)) == before


def test_feedback_twice_for_the_same_round_is_refused(ctx, session, make_item) -> None:
    item = make_item()
    reply(session, item)
    kwargs = dict(
        submitter_id=item.lead_submitter_id,
        handling=Satisfaction.SATISFIED,
        result=Satisfaction.BASIC,
        comment="好",
        on=date(2026, 11, 1),
        actor=CLERK,
    )
    services.give_feedback(session, item, **kwargs)
    count = events_of(session, item)
    with pytest.raises(services.ProposalError, match="already been given"):
        services.give_feedback(session, item, **kwargs)
    assert events_of(session, item) == count and item.status == Status.FEEDBACK


def test_only_the_lead_submitter_gives_feedback(ctx, session, make_item, make_submitter) -> None:
    cosigner = make_submitter()
    item = make_item(cosigners=[cosigner])
    reply(session, item)
    with pytest.raises(services.ProposalError, match="lead submitter"):
        services.give_feedback(
            session,
            item,
            submitter_id=cosigner.id,
            handling=Satisfaction.SATISFIED,
            result=Satisfaction.SATISFIED,
            comment="",
            on=date(2026, 11, 1),
            actor=CLERK,
        )


def test_not_satisfied_starts_re_handling_once(ctx, session, make_item) -> None:
    item = make_item()
    reply(session, item, cls="C")
    services.give_feedback(
        session,
        item,
        submitter_id=item.lead_submitter_id,
        handling=Satisfaction.BASIC,
        result=Satisfaction.DISSATISFIED,
        comment="不够具体",
        on=date(2026, 11, 2),
        actor=CLERK,
    )
    assert item.status == Status.REHANDLING and item.rounds == 2
    assert item.current_due == date(2026, 12, 2)
    reply(session, item, on=date(2026, 11, 20), cls="B")
    services.give_feedback(
        session,
        item,
        submitter_id=item.lead_submitter_id,
        handling=Satisfaction.DISSATISFIED,
        result=Satisfaction.DISSATISFIED,
        comment="",
        on=date(2026, 11, 25),
        actor=CLERK,
    )
    assert item.rounds == 2  # the rules allow one re-handling
    assert item.status == Status.FOLLOWING_UP  # class B: followed up until solved
    with pytest.raises(services.ProposalError):
        services.rehandle(session, item, on=date(2026, 11, 26), actor=CLERK)


@pytest.mark.parametrize("months, reason", [(7, "太久"), (3, "没移动"), (5, "  ")])
def test_extensions_are_limited_and_need_a_reason(ctx, session, make_item, months, reason) -> None:
    item = make_item()
    with pytest.raises(services.ProposalError):
        services.extend(
            session, item, on=date(2026, 10, 1), months=months, reason=reason, actor=CLERK
        )
    services.extend(session, item, on=date(2026, 10, 1), months=6, reason="需要调研", actor=CLERK)
    assert item.status == Status.EXTENDED and item.current_due == date(2027, 3, 1)


def test_withholding_needs_a_reason_and_co_handler_opinions_are_not_published(
    ctx, session, make_item
) -> None:
    item = make_item()
    reply(session, item)
    with pytest.raises(services.ProposalError, match="reason"):
        services.publish(
            session, item, on=date(2026, 10, 21), mode=Disclosure.WITHHELD, actor=CLERK
        )
    co = make_item(role=HandlingRole.CO)
    services.record_reply(
        session,
        co,
        on=date(2026, 9, 20),
        document_number="",
        reply_class=None,
        summary="意见",
        text="意见全文",
        actor=CLERK,
    )
    assert co.status == Status.OPINION_SENT
    with pytest.raises(services.ProposalError):
        services.publish(session, co, on=date(2026, 9, 21), mode=Disclosure.FULL, actor=CLERK)


def test_the_timeline_is_append_only_in_the_database(ctx, session, make_item) -> None:
    item = make_item()
    session.commit()
    with pytest.raises(DBAPIError), session.begin_nested():
        session.execute(
            text("UPDATE proposal_event SET occurred_on = '2020-01-01' WHERE item_id = :i"),
            {"i": item.id},
        )
    with pytest.raises(DBAPIError), session.begin_nested():
        session.execute(text("DELETE FROM proposal_event WHERE item_id = :i"), {"i": item.id})


def test_curated_data_covers_every_state_role_class_and_satisfaction(session) -> None:
    items = session.scalars(select(ProposalItem)).all()
    assert 55 <= len(items) <= 70 and all(i.sample for i in items)
    assert {i.year for i in items} == {2024, 2025, 2026}
    assert {i.status for i in items} == set(Status)
    assert {i.role for i in items} == set(HandlingRole)
    assert {i.reply_class for i in items} >= {"A", "B", "C", "D"}
    assert {i.disclosure for i in items} >= {*Disclosure, None}
    assert {i.handling_final for i in items} >= set(Satisfaction)
    assert {i.result_final for i in items} >= set(Satisfaction)
    assert any(i.extended for i in items) and any(i.rounds == 2 for i in items)
    assert Counter(i.first_reply_on_time for i in items)[False] >= 2


def test_loading_is_idempotent(app, session) -> None:
    version = current_data_version(session)
    count = session.scalar(select(func.count()).select_from(ProposalItem))
    with app.app_context():
        assert load_curated_proposals(session, DATA_DIR, log=lambda _m: None) == 0
    assert session.scalar(select(func.count()).select_from(ProposalItem)) == count
    assert current_data_version(session) == version


def test_rederive_command_recomputes_every_item(app, session) -> None:
    item = session.scalars(select(ProposalItem).where(ProposalItem.status == Status.CLOSED)).first()
    result = app.test_cli_runner().invoke(args=["proposals", "rederive"])
    assert result.exit_code == 0 and "Recomputed" in result.output
    session.expire_all()
    assert item.status == Status.CLOSED and item.search_text
