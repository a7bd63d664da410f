"""From an item's timeline to its state: status, due dates, rates' inputs. A pure function of the
events, so the same code serves recording an event, loading data and generating benchmark data."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from portal.proposals.models import Disclosure, EventKind, HandlingRole, Satisfaction, Status
from portal.proposals.rules import HandlingRules, WorkingCalendar, add_months
from portal.proposals.visibility import PUBLIC, Access, reply_access


@dataclass(frozen=True)
class EventFacts:
    """What derivation needs of one event. ``details`` holds the kind's facts: ``months``
    (extended), ``due`` (rehandled, ISO date), ``mode`` and ``round`` (published), ``reply_class``
    (replied), ``handling``/``result`` (feedback)."""

    kind: EventKind
    on: date
    round: int = 1
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class RoundState:
    due: date | None
    replied_on: date | None = None
    reply_class: str | None = None
    handling: Satisfaction | None = None
    result: Satisfaction | None = None
    disclosure: Disclosure | None = None
    published_on: date | None = None

    @property
    def dissatisfied(self) -> bool:
        return Satisfaction.DISSATISFIED in (self.handling, self.result)

    @property
    def feedback_public(self) -> bool:
        return reply_access(PUBLIC, (), self.disclosure) is not Access.NONE


@dataclass
class Derived:
    status: Status = Status.IN_HAND
    assigned_on: date | None = None
    reply_due: date | None = None
    extended: bool = False
    current_due: date | None = None
    first_replied_on: date | None = None
    first_reply_on_time: bool | None = None
    replied_on: date | None = None
    reply_class: str | None = None
    rounds: int = 1
    met_on: date | None = None
    handling_first: Satisfaction | None = None
    result_first: Satisfaction | None = None
    handling_final: Satisfaction | None = None
    result_final: Satisfaction | None = None
    disclosure: Disclosure | None = None
    published_on: date | None = None
    disclosure_due: date | None = None
    closed_on: date | None = None
    last_event_on: date | None = None
    round_states: dict[int, RoundState] = field(default_factory=dict)

    #: The columns of :class:`~portal.proposals.models.ProposalItem` this fills.
    COLUMNS = (
        "status",
        "assigned_on",
        "reply_due",
        "extended",
        "current_due",
        "first_replied_on",
        "first_reply_on_time",
        "replied_on",
        "reply_class",
        "rounds",
        "met_on",
        "handling_first",
        "result_first",
        "handling_final",
        "result_final",
        "disclosure",
        "published_on",
        "disclosure_due",
        "closed_on",
        "last_event_on",
    )

    def columns(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.COLUMNS}

    @property
    def current_round(self) -> RoundState | None:
        return self.round_states.get(self.rounds)


def derive(
    role: HandlingRole,
    events: Iterable[EventFacts],
    follow_up_classes: Collection[str],
    rules: HandlingRules,
    calendar: WorkingCalendar,
) -> Derived:
    """The state after *events* (in timeline order)."""
    d = Derived()
    first_months = rules.opinion_months if role == HandlingRole.CO else rules.reply_months
    for event in events:
        d.last_event_on = event.on
        details = event.details
        if event.kind == EventKind.ASSIGNED:
            d.assigned_on = event.on
            d.reply_due = add_months(event.on, first_months)
            d.round_states[1] = RoundState(due=d.reply_due)
        elif event.kind == EventKind.EXTENDED and d.assigned_on is not None:
            d.extended = True
            d.reply_due = add_months(d.assigned_on, int(details["months"]))
            d.round_states[1].due = d.reply_due
        elif event.kind == EventKind.MET:
            d.met_on = d.met_on or event.on
        elif event.kind == EventKind.REPLIED:
            state = d.round_states.setdefault(event.round, RoundState(due=None))
            state.replied_on = event.on
            state.reply_class = details.get("reply_class") or None
            if event.round == 1:
                d.first_replied_on = event.on
                d.first_reply_on_time = d.reply_due is not None and event.on <= d.reply_due
        elif event.kind == EventKind.FEEDBACK:
            state = d.round_states[event.round]
            state.handling = Satisfaction(details["handling"])
            state.result = Satisfaction(details["result"])
        elif event.kind == EventKind.REHANDLED:
            d.rounds = event.round
            d.round_states[event.round] = RoundState(due=date.fromisoformat(details["due"]))
        elif event.kind == EventKind.PUBLISHED:
            state = d.round_states[int(details.get("round", event.round))]
            state.disclosure = Disclosure(details["mode"])
            if state.disclosure != Disclosure.WITHHELD and state.published_on is None:
                state.published_on = event.on
        elif event.kind == EventKind.CLOSED:
            d.closed_on = event.on

    replied = [(n, s) for n, s in sorted(d.round_states.items()) if s.replied_on]
    if replied:
        _, latest = replied[-1]
        d.replied_on = latest.replied_on
        d.reply_class = latest.reply_class
        d.disclosure = latest.disclosure
        d.published_on = latest.published_on
        if role != HandlingRole.CO and latest.replied_on is not None:
            d.disclosure_due = calendar.add_working_days(
                latest.replied_on, rules.publish_working_days
            )
    first = d.round_states.get(1)
    if first is not None and first.handling is not None and first.feedback_public:
        d.handling_first, d.result_first = first.handling, first.result
    answered = [s for _, s in sorted(d.round_states.items()) if s.handling is not None]
    if answered and answered[-1].feedback_public:
        d.handling_final, d.result_final = answered[-1].handling, answered[-1].result

    d.status = _status(role, d, follow_up_classes)
    if d.status in (Status.IN_HAND, Status.EXTENDED):
        d.current_due = d.reply_due
    elif d.status == Status.REHANDLING and d.current_round is not None:
        d.current_due = d.current_round.due
    return d


def _status(role: HandlingRole, d: Derived, follow_up_classes: Collection[str]) -> Status:
    if d.closed_on is not None:
        return Status.CLOSED
    current = d.current_round
    if current is None or current.replied_on is None:
        if d.rounds > 1:
            return Status.REHANDLING
        return Status.EXTENDED if d.extended else Status.IN_HAND
    if role == HandlingRole.CO:
        return Status.OPINION_SENT
    if current.handling is None:
        return Status.REPLIED
    if current.reply_class in follow_up_classes:
        return Status.FOLLOWING_UP
    return Status.FEEDBACK


def days_left(due: date | None, today: date) -> int | None:
    """Days until *due* (negative: overdue), or None."""
    return None if due is None else (due - today).days
