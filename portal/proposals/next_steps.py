"""What may be recorded next on an item, decided in one place from its timeline (the derived
state): the services refuse a step with the reason given here, the back office offers only the
steps allowed here, and the deputy's and public pages word feedback by it.

Each function returns ``None`` when the step may be recorded now, else the reason it may not (a
lazy, translated message a clerk or a deputy can read)."""

from __future__ import annotations

from typing import TypeAlias

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from portal.proposals.models import HandlingRole, Status
from portal.proposals.rules import rules
from portal.proposals.timeline import Derived

Refusal: TypeAlias = LazyString | None


def _open(d: Derived) -> Refusal:
    if d.assigned_on is None:
        return _l("The item has not been assigned yet.")
    if d.closed_on is not None:
        return _l("The item is closed: no further step can be recorded on it.")
    return None


def feedback_refusal(role: HandlingRole, d: Derived) -> Refusal:
    """The lead submitter's feedback on the current round's reply."""
    if role == HandlingRole.CO:
        return _l("The lead unit replies to this item: give feedback to it.")
    if d.closed_on is not None:
        return _l("The item is closed: no further feedback is recorded on it.")
    if (refused := _open(d)) is not None:
        return refused
    current = d.current_round
    if current is None or current.replied_on is None:
        return _l(
            "There is no reply to give feedback on yet: feedback can be given once the reply has arrived."
        )
    if current.handling is not None:
        return _l("Feedback on this reply has already been given; it cannot be given twice.")
    return None


def rehandle_refusal(d: Derived) -> Refusal:
    """Handling again after a reply the submitter is not satisfied with."""
    if (refused := _open(d)) is not None:
        return refused
    current = d.current_round
    if current is None or not current.dissatisfied:
        return _l("Only a reply the submitter is not satisfied with is handled again.")
    if d.rounds >= rules().max_rounds:
        return _l("The item has already been handled again.")
    return None


def close_refusal(d: Derived) -> Refusal:
    """Closing the item (办结)."""
    if d.closed_on is not None:
        return _l("The item is already closed.")
    if d.replied_on is None or d.status == Status.REHANDLING:
        return _l("An item is closed only after its reply.")
    return None
