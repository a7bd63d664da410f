"""Recording what happens to an item. Every step goes through :func:`record_event`, which appends
the event (with its reply or feedback), recomputes the derived columns, raises the data version
and writes the audit entry, all in the caller's transaction. Services flush; the caller commits."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from portal.audit import record_audit
from portal.datasets.services import bump_data_version
from portal.proposals import next_steps
from portal.proposals.models import (
    Disclosure,
    EventKind,
    Feedback,
    HandlingRole,
    ItemArea,
    MeetingForm,
    ProposalEvent,
    ProposalItem,
    Reply,
    ReplyClass,
    Satisfaction,
    Status,
    Submitter,
)
from portal.proposals.rules import add_months, rules, working_calendar
from portal.proposals.search import index_item
from portal.proposals.timeline import Derived, EventFacts, derive
from portal.proposals.visibility import PUBLIC, Access, reply_access
from portal.roles import Actor


class ProposalError(ValueError):
    """A step that cannot be recorded; the message (translatable) says why. Nothing is changed."""

    def __init__(self, message: str | LazyString) -> None:
        super().__init__(str(message))
        self.message = message


#: Steps the rules take by themselves (re-handling after a "not satisfied").
SYSTEM = Actor.system("rules")


def follow_up_classes(session: Session) -> set[str]:
    return set(session.scalars(select(ReplyClass.code).where(ReplyClass.follow_up)))


def event_facts(item: ProposalItem) -> list[EventFacts]:
    """The item's timeline as :class:`EventFacts`, with the reply classes and feedback folded in."""
    replies = {r.round: r for r in item.replies}
    feedback = {f.round: f for f in item.feedback}
    facts = []
    for event in item.events:
        details = dict(event.details)
        if event.kind == EventKind.REPLIED and event.round in replies:
            details["reply_class"] = replies[event.round].reply_class
        elif event.kind == EventKind.FEEDBACK and event.round in feedback:
            details["handling"] = feedback[event.round].handling.value
            details["result"] = feedback[event.round].result.value
        facts.append(EventFacts(event.kind, event.occurred_on, event.round, details))
    return facts


def current_state(session: Session, item: ProposalItem) -> Derived:
    return derive(
        item.role, event_facts(item), follow_up_classes(session), rules(), working_calendar()
    )


def public_search_text(
    item: ProposalItem, replies: Iterable[Reply], derived: Derived, followups: Iterable[str]
) -> str:
    """The lower-cased text anyone may search: numbers, titles, the item's text, the submitters'
    names, and the replies (and follow-ups) as far as they are public."""
    parts = [
        f"第{item.number}号",
        item.session_label,
        item.title,
        item.title_en,
        item.body,
        item.lead_submitter.name,
        *(s.name for s in item.cosigners),
    ]
    public_rounds = set()
    for reply in replies:
        state = derived.round_states.get(reply.round)
        access = reply_access(PUBLIC, (), state.disclosure if state else None)
        if access is not Access.NONE:
            public_rounds.add(reply.round)
            parts += [reply.summary, reply.summary_en]
        if access is Access.FULL:
            parts += [reply.text, reply.text_en]
    if public_rounds:
        parts += list(followups)
    return "\n".join(p for p in parts if p).lower()


def refresh_derived(session: Session, item: ProposalItem, *, reindex: bool = False) -> Derived:
    """Recompute the item's derived columns and search text from its timeline (and its search
    grams when the text changed, or always with *reindex*)."""
    session.flush()
    session.refresh(item, ["events", "replies", "feedback"])
    derived = current_state(session, item)
    for name, value in derived.columns().items():
        setattr(item, name, value)
    followups = [e.details.get("text", "") for e in item.events if e.kind == EventKind.FOLLOWED_UP]
    text = public_search_text(item, item.replies, derived, followups)
    if text != item.search_text or reindex:
        item.search_text = text
        index_item(session, item.id, text)
    session.flush()
    return derived


def record_event(
    session: Session,
    item: ProposalItem,
    kind: EventKind,
    *,
    on: date,
    actor: Actor,
    round: int | None = None,
    details: dict[str, Any] | None = None,
    reply: Reply | None = None,
    feedback: Feedback | None = None,
    bump: bool = True,
) -> ProposalEvent:
    """The one way to change an item: append an event (and the reply or feedback it carries),
    recompute the derived columns, raise the data version (unless *bump* is off, for a caller
    that raises it once for a batch) and audit it."""
    if item.id is None:
        session.flush()
    seq = (
        session.scalar(select(func.max(ProposalEvent.seq)).where(ProposalEvent.item_id == item.id))
        or 0
    ) + 1
    event = ProposalEvent(
        item_id=item.id,
        seq=seq,
        kind=kind,
        occurred_on=on,
        round=round or item.rounds or 1,
        details=details or {},
        actor=actor.name,
        actor_id=actor.user_id,
    )
    session.add(event)
    session.flush()
    if reply is not None:
        reply.item_id, reply.event_id, reply.round = item.id, event.id, event.round
        session.add(reply)
    if feedback is not None:
        feedback.item_id, feedback.event_id, feedback.round = item.id, event.id, event.round
        session.add(feedback)
    before = {"status": item.status.value if item.status else None}
    derived = refresh_derived(session, item)
    if bump:
        bump_data_version(session)
    record_audit(
        session,
        f"proposal.{kind.value}",
        target_type="proposal",
        target_id=item.id,
        summary=f"{item.session_label} {item.kind.value} {item.number}: {kind.value} on {on}",
        before=before,
        after={"status": derived.status.value, "round": event.round, **(details or {})},
        actor=actor,
    )
    return event


# -- the steps -----------------------------------------------------------------------------------


def _state(session: Session, item: ProposalItem) -> Derived:
    if not item.events:
        raise ProposalError(_l("The item has not been assigned yet."))
    return current_state(session, item)


def _not_before(on: date, earlier: date | None) -> None:
    if earlier is not None and on < earlier:
        raise ProposalError(_l("The date cannot be before the item's previous step."))


def assign(
    session: Session, item: ProposalItem, *, on: date, actor: Actor, bump: bool = True
) -> ProposalEvent:
    if item.events:
        raise ProposalError(_l("The item has already been assigned."))
    return record_event(session, item, EventKind.ASSIGNED, on=on, actor=actor, round=1, bump=bump)


def extend(
    session: Session,
    item: ProposalItem,
    *,
    on: date,
    months: int,
    reason: str,
    reason_en: str = "",
    actor: Actor,
    bump: bool = True,
) -> ProposalEvent:
    """An approved extension: the reply becomes due *months* after assignment (in total)."""
    state = _state(session, item)
    _not_before(on, state.last_event_on)
    limit = rules().max_total_months
    if state.first_replied_on is not None or state.status not in (Status.IN_HAND, Status.EXTENDED):
        raise ProposalError(_l("Only an item not yet replied to can be extended."))
    if not reason.strip():
        raise ProposalError(_l("An extension needs a reason."))
    assert state.assigned_on is not None and state.reply_due is not None
    if add_months(state.assigned_on, months) <= state.reply_due or months > limit:
        raise ProposalError(
            _l(
                "An extension must move the due date later, to at most %(months)s months after assignment.",
                months=limit,
            )
        )
    return record_event(
        session,
        item,
        EventKind.EXTENDED,
        on=on,
        actor=actor,
        details={"months": months, "reason": reason, "reason_en": reason_en},
        bump=bump,
    )


def record_meeting(
    session: Session,
    item: ProposalItem,
    *,
    on: date,
    form: MeetingForm,
    actor: Actor,
    bump: bool = True,
) -> ProposalEvent:
    state = _state(session, item)
    if state.assigned_on is not None and on < state.assigned_on:
        raise ProposalError(_l("The date cannot be before the item's previous step."))
    return record_event(
        session, item, EventKind.MET, on=on, actor=actor, details={"form": form.value}, bump=bump
    )


def record_reply(
    session: Session,
    item: ProposalItem,
    *,
    on: date,
    document_number: str,
    reply_class: str | None,
    summary: str,
    text: str,
    summary_en: str = "",
    text_en: str = "",
    actor: Actor,
    bump: bool = True,
) -> ProposalEvent:
    """The reply of the current round (for a co-handler: its opinion to the lead unit)."""
    state = _state(session, item)
    _not_before(on, state.assigned_on)
    current = state.current_round
    if state.closed_on is not None or current is None or current.replied_on is not None:
        raise ProposalError(_l("This round has already been replied to."))
    if item.role == HandlingRole.CO:
        reply_class = None
    elif reply_class is None or session.get(ReplyClass, reply_class) is None:
        raise ProposalError(_l("Unknown reply class “%(code)s”.", code=reply_class or ""))
    reply = Reply(
        replied_on=on,
        document_number=document_number,
        reply_class=reply_class,
        summary=summary,
        summary_en=summary_en,
        text=text,
        text_en=text_en,
    )
    return record_event(
        session,
        item,
        EventKind.REPLIED,
        on=on,
        actor=actor,
        round=state.rounds,
        reply=reply,
        bump=bump,
    )


def give_feedback(
    session: Session,
    item: ProposalItem,
    *,
    submitter_id: int | None,
    handling: Satisfaction,
    result: Satisfaction,
    comment: str,
    on: date,
    actor: Actor,
    bump: bool = True,
    start_rehandling: bool = True,
) -> ProposalEvent:
    """The lead submitter's satisfaction with the current round's reply. Refused before a reply,
    a second time for the same round, or from anyone but the lead submitter. "Not satisfied" on
    either count starts re-handling while rounds are left (unless *start_rehandling* is off:
    staff recording a paper form may record the re-handling as a step of its own)."""
    if submitter_id != item.lead_submitter_id:
        raise ProposalError(_l("Only the lead submitter can give feedback on this item."))
    state = _state(session, item)
    if (refused := next_steps.feedback_refusal(item.role, state)) is not None:
        raise ProposalError(refused)
    current = state.current_round
    assert current is not None and current.replied_on is not None
    if on < current.replied_on:
        raise ProposalError(_l("The date cannot be before the item's previous step."))
    event = record_event(
        session,
        item,
        EventKind.FEEDBACK,
        on=on,
        actor=actor,
        round=state.rounds,
        feedback=Feedback(
            reply_id=_reply_id(item, state.rounds),
            given_on=on,
            handling=handling,
            result=result,
            comment=comment,
        ),
        bump=bump,
    )
    dissatisfied = Satisfaction.DISSATISFIED in (handling, result)
    if start_rehandling and dissatisfied and state.rounds < rules().max_rounds:
        # the rules act, on the request of whoever recorded the feedback
        rehandle(session, item, on=on, actor=replace(SYSTEM, address=actor.address), bump=bump)
    return event


def _reply_id(item: ProposalItem, round_number: int) -> int:
    return next(r.id for r in item.replies if r.round == round_number)


def rehandle(
    session: Session, item: ProposalItem, *, on: date, actor: Actor, bump: bool = True
) -> ProposalEvent:
    """Re-handling (重新办理) after "not satisfied": a new round with its own due date."""
    state = _state(session, item)
    if (refused := next_steps.rehandle_refusal(state)) is not None:
        raise ProposalError(refused)
    _not_before(on, state.last_event_on)
    due = add_months(on, rules().rehandle_months)
    return record_event(
        session,
        item,
        EventKind.REHANDLED,
        on=on,
        actor=actor,
        round=state.rounds + 1,
        details={"due": due.isoformat()},
        bump=bump,
    )


def publish(
    session: Session,
    item: ProposalItem,
    *,
    on: date,
    mode: Disclosure,
    reason: str = "",
    reason_en: str = "",
    round: int | None = None,
    actor: Actor,
    bump: bool = True,
) -> ProposalEvent:
    """Decide the disclosure of a round's reply (the latest by default): in full, as a summary, or
    withheld with a stated reason. A later decision replaces an earlier one."""
    state = _state(session, item)
    number = round or max((n for n, s in state.round_states.items() if s.replied_on), default=0)
    target = state.round_states.get(number)
    if target is None or target.replied_on is None:
        raise ProposalError(_l("There is no reply to publish yet."))
    if item.role == HandlingRole.CO:
        raise ProposalError(
            _l("A co-handler's opinion goes to the lead unit and is not published.")
        )
    if on < target.replied_on:
        raise ProposalError(_l("The date cannot be before the item's previous step."))
    if mode == Disclosure.WITHHELD and not reason.strip():
        raise ProposalError(_l("Withholding a reply needs a stated reason."))
    reply = next(r for r in item.replies if r.round == number)
    if mode == Disclosure.SUMMARY and not reply.summary.strip():
        raise ProposalError(_l("The reply has no summary to publish."))
    return record_event(
        session,
        item,
        EventKind.PUBLISHED,
        on=on,
        actor=actor,
        round=number,
        details={"round": number, "mode": mode.value, "reason": reason, "reason_en": reason_en},
        bump=bump,
    )


def follow_up(
    session: Session,
    item: ProposalItem,
    *,
    on: date,
    text: str,
    text_en: str = "",
    actor: Actor,
    bump: bool = True,
) -> ProposalEvent:
    """Progress on an item replied as being solved or planned."""
    state = _state(session, item)
    if state.reply_class not in follow_up_classes(session):
        raise ProposalError(_l("Only items replied as being solved or planned are followed up."))
    if not text.strip():
        raise ProposalError(_l("A follow-up needs a text."))
    _not_before(on, state.replied_on)
    return record_event(
        session,
        item,
        EventKind.FOLLOWED_UP,
        on=on,
        actor=actor,
        details={"text": text, "text_en": text_en},
        bump=bump,
    )


def close(
    session: Session,
    item: ProposalItem,
    *,
    on: date,
    actor: Actor,
    note: str = "",
    bump: bool = True,
) -> ProposalEvent:
    state = _state(session, item)
    if (refused := next_steps.close_refusal(state)) is not None:
        raise ProposalError(refused)
    assert state.replied_on is not None
    _not_before(on, state.replied_on)
    return record_event(
        session, item, EventKind.CLOSED, on=on, actor=actor, details={"note": note}, bump=bump
    )


# -- the item itself -----------------------------------------------------------------------------

#: What staff may write on an item (the rest is derived from its timeline).
ITEM_FIELDS = (
    "session_label",
    "session_label_en",
    "number",
    "kind",
    "year",
    "title",
    "title_en",
    "body",
    "body_en",
    "role",
    "other_units",
    "other_units_en",
    "budget_codes",
)


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def item_record(item: ProposalItem) -> dict[str, Any]:
    """The item's written fields, its areas and submitters, as the audit log keeps them."""
    return {
        **{name: _plain(getattr(item, name)) for name in ITEM_FIELDS},
        "areas": item.area_slugs,
        "lead_submitter_id": item.lead_submitter_id,
        "cosigner_ids": sorted(s.id for s in item.cosigners),
    }


def _check_item(
    session: Session, item: ProposalItem, lead: Submitter, cosigners: list[Submitter]
) -> None:
    clash = session.scalar(
        select(ProposalItem.id).where(
            ProposalItem.session_label == item.session_label,
            ProposalItem.kind == item.kind,
            ProposalItem.number == item.number,
            ProposalItem.id != item.id if item.id is not None else true(),
        )
    )
    if clash is not None:
        raise ProposalError(
            _l(
                "Another item of this session and type already has number %(number)s.",
                number=item.number,
            )
        )
    if lead.id in {s.id for s in cosigners}:
        raise ProposalError(_l("The lead submitter cannot also be a co-signer."))
    if not item.area_slugs:
        raise ProposalError(_l("Choose at least one area."))


def save_item(
    session: Session,
    item: ProposalItem | None,
    *,
    fields: dict[str, Any],
    areas: list[str],
    lead: Submitter,
    cosigners: list[Submitter],
    actor: Actor,
) -> ProposalItem:
    """Create an item (*item* None) or change what staff write on it: its number, titles and
    text, areas, submitters, role and budget codes. The derived columns and the search index
    follow; the change is audited with before and after. A role change is refused once the
    bureau has replied (the deadlines and the reply depend on it)."""
    creating = item is None
    before = None if item is None else item_record(item)
    if item is None:
        item = ProposalItem()
        session.add(item)
    elif fields.get("role") not in (None, item.role) and item.first_replied_on is not None:
        raise ProposalError(_l("The bureau's role cannot change after the first reply."))
    with session.no_autoflush:
        for name, value in fields.items():
            if name not in ITEM_FIELDS:
                raise KeyError(name)
            setattr(item, name, value)
        item.areas = ";".join(areas)
        item.lead_submitter = lead
        item.cosigners = cosigners
        _check_item(session, item, lead, cosigners)
    session.flush()
    existing = {row.area: row for row in item.area_rows}
    item.area_rows = [existing.get(a) or ItemArea(area=a) for a in areas]
    session.flush()
    refresh_derived(session, item, reindex=True)
    bump_data_version(session)
    record_audit(
        session,
        "proposal.create" if creating else "proposal.edit",
        target_type="proposal",
        target_id=item.id,
        summary=f"{item.session_label} {item.kind.value} {item.number}: "
        + ("created" if creating else "edited"),
        before=before,
        after=item_record(item),
        actor=actor,
    )
    return item
