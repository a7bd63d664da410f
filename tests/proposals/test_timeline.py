"""Status, due dates and what is public are derived from the timeline alone."""

from __future__ import annotations

from datetime import date

from portal.proposals.models import (
    Disclosure,
    EventKind,
    HandlingRole,
    Satisfaction,
    Status,
)
from portal.proposals.rules import HandlingRules, WorkingCalendar
from portal.proposals.timeline import EventFacts, derive

RULES = HandlingRules()
CAL = WorkingCalendar()
B = {"B"}


def run(role: HandlingRole, *events: EventFacts):
    return derive(role, events, B, RULES, CAL)


def ev(kind: EventKind, on: date, round: int = 1, **details) -> EventFacts:
    return EventFacts(kind, on, round, details)


ASSIGNED = ev(EventKind.ASSIGNED, date(2026, 3, 10))


def test_assignment_starts_the_three_month_clock() -> None:
    d = run(HandlingRole.SOLE, ASSIGNED)
    assert d.status == Status.IN_HAND
    assert d.reply_due == d.current_due == date(2026, 6, 10)


def test_co_handler_opinion_is_due_in_one_month() -> None:
    d = run(HandlingRole.CO, ASSIGNED)
    assert d.current_due == date(2026, 4, 10)
    d = run(HandlingRole.CO, ASSIGNED, ev(EventKind.REPLIED, date(2026, 4, 1)))
    assert d.status == Status.OPINION_SENT and d.current_due is None and d.first_reply_on_time


def test_extension_moves_the_due_date_and_late_reply_is_late() -> None:
    extended = ev(EventKind.EXTENDED, date(2026, 5, 20), months=5)
    d = run(HandlingRole.SOLE, ASSIGNED, extended)
    assert d.status == Status.EXTENDED and d.current_due == date(2026, 8, 10)
    d = run(
        HandlingRole.SOLE,
        ASSIGNED,
        extended,
        ev(EventKind.REPLIED, date(2026, 8, 10), reply_class="A"),
    )
    assert d.first_reply_on_time is True
    d = run(HandlingRole.SOLE, ASSIGNED, ev(EventKind.REPLIED, date(2026, 6, 11), reply_class="A"))
    assert d.first_reply_on_time is False and d.status == Status.REPLIED


def test_publication_is_due_twenty_working_days_after_the_reply() -> None:
    # 21 September 2026 + 20 working days: Friday 25 September (Mid-Autumn) and 1-7 October
    # (National Day) off, Saturday 10 October worked: 22-24 and 28-30 Sep (6), 8-10 Oct (3),
    # 12-16 Oct (5), 19-23 Oct (5), 26 Oct (1) → 26 October.
    d = run(HandlingRole.SOLE, ASSIGNED, ev(EventKind.REPLIED, date(2026, 9, 21), reply_class="A"))
    assert d.disclosure_due == date(2026, 10, 26)


def test_not_satisfied_re_handling_and_the_kept_rounds() -> None:
    events = [
        ASSIGNED,
        ev(EventKind.REPLIED, date(2026, 5, 1), reply_class="C"),
        ev(EventKind.PUBLISHED, date(2026, 5, 8), mode="full", round=1),
        ev(EventKind.FEEDBACK, date(2026, 5, 10), handling="basic", result="dissatisfied"),
        ev(EventKind.REHANDLED, date(2026, 5, 10), round=2, due="2026-06-10"),
    ]
    d = run(HandlingRole.SOLE, *events)
    assert d.status == Status.REHANDLING and d.current_due == date(2026, 6, 10) and d.rounds == 2
    events += [
        ev(EventKind.REPLIED, date(2026, 6, 1), round=2, reply_class="B"),
        ev(EventKind.FEEDBACK, date(2026, 6, 9), round=2, handling="satisfied", result="basic"),
    ]
    d = run(HandlingRole.SOLE, *events)
    # the second reply is not published yet: its feedback is not public, the first round's is
    assert d.handling_first == Satisfaction.BASIC and d.result_first == Satisfaction.DISSATISFIED
    assert d.handling_final is None
    assert d.status == Status.FOLLOWING_UP and d.reply_class == "B" and d.disclosure is None
    events.append(ev(EventKind.PUBLISHED, date(2026, 6, 12), round=2, mode="summary"))
    d = run(HandlingRole.SOLE, *events)
    assert d.handling_final == Satisfaction.SATISFIED and d.result_final == Satisfaction.BASIC
    assert d.disclosure == Disclosure.SUMMARY and d.published_on == date(2026, 6, 12)
    assert d.first_replied_on == date(2026, 5, 1) and d.replied_on == date(2026, 6, 1)
    events.append(ev(EventKind.CLOSED, date(2026, 7, 1)))
    assert run(HandlingRole.SOLE, *events).status == Status.CLOSED


def test_withheld_reply_keeps_feedback_private() -> None:
    d = run(
        HandlingRole.LEAD,
        ASSIGNED,
        ev(EventKind.REPLIED, date(2026, 5, 1), reply_class="A"),
        ev(EventKind.PUBLISHED, date(2026, 5, 6), mode="withheld", round=1),
        ev(EventKind.FEEDBACK, date(2026, 5, 9), handling="satisfied", result="satisfied"),
    )
    assert d.status == Status.FEEDBACK
    assert d.disclosure == Disclosure.WITHHELD and d.published_on is None
    assert d.handling_first is None and d.handling_final is None
