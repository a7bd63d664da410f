"""Recording the planned steps through :mod:`portal.proposals.services`: for real when a
ledger is published, or in a SAVEPOINT rolled back to learn what the services would refuse."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.proposals import services as proposal_services
from portal.proposals.ledger.plan import ItemPlan, Step
from portal.proposals.models import (
    EventKind,
    ItemArea,
    ProposalItem,
    Submitter,
)
from portal.uploads.problems import ProblemLog

#: Who the dry run names (it is rolled back: no one ever sees it).
DRY_RUN = proposal_services.Actor("ledger check")


def _new_item(session: Session, plan: ItemPlan) -> ProposalItem:
    facts = plan.facts
    session_en = facts.get("session_en") or session.scalar(
        select(ProposalItem.session_label_en)
        .where(ProposalItem.session_label == facts["session"], ProposalItem.session_label_en != "")
        .limit(1)
    )
    item = ProposalItem(
        session_label=facts["session"],
        session_label_en=session_en or "",
        number=facts["number"],
        kind=facts["kind"],
        year=facts["year"],
        title=facts["title"],
        title_en=facts.get("title_en", ""),
        body=facts.get("body", ""),
        lead_submitter=session.get(Submitter, facts["lead"].id),
        cosigners=[session.get(Submitter, i) for i in facts["cosigner_ids"]],
        role=facts["role"],
        other_units=facts.get("other_units", ""),
        areas=";".join(facts["areas"]),
        area_rows=[ItemArea(area=a) for a in facts["areas"]],
    )
    session.add(item)
    session.flush()
    return item


def apply_step(
    session: Session, item: ProposalItem, step: Step, actor: proposal_services.Actor
) -> None:
    """Record *step* through the proposals services (the data version is raised by the caller)."""
    common: dict[str, Any] = {"on": step.on, "actor": actor, "bump": False}
    facts = step.facts
    if step.kind in (EventKind.REPLIED, EventKind.FEEDBACK) and step.round != (item.rounds or 1):
        raise proposal_services.ProposalError(
            _l(
                "This row is for round %(round)s, but the item is in round %(current)s: a second round begins only after “not satisfied” feedback on the first reply.",
                round=step.round,
                current=item.rounds or 1,
            )
        )
    if step.kind == EventKind.ASSIGNED:
        proposal_services.assign(session, item, **common)
    elif step.kind == EventKind.EXTENDED:
        proposal_services.extend(
            session, item, months=facts["months"], reason=facts["reason"], **common
        )
    elif step.kind == EventKind.MET:
        proposal_services.record_meeting(session, item, form=facts["form"], **common)
    elif step.kind == EventKind.REPLIED:
        proposal_services.record_reply(
            session,
            item,
            document_number=facts.get("document_number") or "",
            reply_class=facts.get("reply_class"),
            summary=facts.get("summary") or "",
            summary_en=facts.get("summary_en") or "",
            text=facts.get("text") or "",
            text_en=facts.get("text_en") or "",
            **common,
        )
    elif step.kind == EventKind.PUBLISHED:
        proposal_services.publish(
            session, item, mode=facts["mode"], reason=facts["reason"], round=step.round, **common
        )
    elif step.kind == EventKind.FEEDBACK:
        proposal_services.give_feedback(
            session,
            item,
            submitter_id=item.lead_submitter_id,
            handling=facts["handling"],
            result=facts["result"],
            comment=facts["comment"],
            **common,
        )
    elif step.kind == EventKind.CLOSED:
        proposal_services.close(session, item, **common)


def replay(
    session: Session, plans: list[ItemPlan], actor: proposal_services.Actor, log: ProblemLog
) -> None:
    """Create the new items and record the steps their timelines lack, in date order; a step the
    services refuse is reported (its item's later steps, which depend on it, are not tried)."""
    for plan in plans:
        if not plan.new_steps or not plan.ok:
            continue
        item = _new_item(session, plan) if plan.is_new else session.get(ProposalItem, plan.item_id)
        assert item is not None
        for step in plan.new_steps:
            try:
                apply_step(session, item, step, actor)
            except proposal_services.ProposalError as error:
                log.add(step.problem(error.message))
                break
        plan.status_after = item.status


def dry_run(session: Session, plans: list[ItemPlan], log: ProblemLog) -> None:
    """:func:`replay` in a SAVEPOINT rolled back: what the services would refuse, and the status
    each item would have; nothing stays written."""
    savepoint = session.begin_nested()
    try:
        replay(session, plans, DRY_RUN, log)
    finally:
        savepoint.rollback()
