"""What a reader is shown of an item, as page view-models and as JSON. Every reply, feedback and
follow-up passes through :mod:`portal.proposals.visibility` here, for the pages and the API alike."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from portal.i18n import format_day, is_zh, localized
from portal.proposals import labels, next_steps
from portal.proposals.models import (
    AWAITING_BUREAU,
    Disclosure,
    EventKind,
    Feedback,
    HandlingRole,
    MeetingForm,
    ProposalItem,
    Reply,
    ReplyClass,
    Status,
)
from portal.proposals.rules import add_months, rules
from portal.proposals.services import current_state
from portal.proposals.timeline import Derived, days_left
from portal.proposals.visibility import (
    Access,
    Viewer,
    is_own_item,
    may_see_feedback,
    reply_access,
)
from portal.spending.areas import AREAS_BY_SLUG
from portal.spending.queries import Snapshot


@dataclass
class RoundView:
    number: int
    due: date | None
    reply: Reply | None
    access: Access
    disclosure: Disclosure | None
    published_on: date | None
    withheld_reason: str = ""
    disclosure_due: date | None = None
    feedback: Feedback | None = None
    feedback_visible: bool = False
    followups: list[tuple[date, str]] = field(default_factory=list)

    @property
    def summary(self) -> str:
        if self.reply is None or self.access is Access.NONE:
            return ""
        return localized(self.reply.summary, self.reply.summary_en)

    @property
    def text(self) -> str:
        if self.reply is None or self.access is not Access.FULL:
            return ""
        return localized(self.reply.text, self.reply.text_en)

    @property
    def untranslated(self) -> bool:
        """Shown in English, but the reply has no English text: the Chinese original is shown
        instead, and the page says so (and marks it as Chinese)."""
        if self.reply is None or is_zh():
            return False
        summary = bool(self.summary) and not self.reply.summary_en
        text = bool(self.text) and not self.reply.text_en
        return summary or text


@dataclass
class TimelineEntry:
    on: date
    kind: EventKind
    round: int
    label: str
    detail: str = ""
    #: Who recorded the step, and when (shown to staff only).
    actor: str = ""
    recorded_at: datetime | None = None


@dataclass
class ItemView:
    item: ProposalItem
    today: date
    own: bool
    derived: Derived
    rounds: list[RoundView]
    timeline: list[TimelineEntry]
    classes: list[ReplyClass]

    @property
    def awaiting_bureau(self) -> bool:
        return self.item.status in AWAITING_BUREAU

    @property
    def is_co_handler(self) -> bool:
        """The bureau co-handles (会办): it sends an opinion to the lead unit, which replies."""
        return self.item.role == HandlingRole.CO

    @property
    def due_text(self) -> str:
        return labels.due_text(self.item.current_due, self.today) if self.awaiting_bureau else ""

    @property
    def overdue(self) -> bool:
        due = self.item.current_due
        return self.awaiting_bureau and due is not None and due < self.today

    @property
    def can_give_feedback(self) -> bool:
        """A reply in the current round, no feedback on it yet, the item open (the rule of
        :mod:`portal.proposals.next_steps`, as the service applies it)."""
        return next_steps.feedback_refusal(self.item.role, self.derived) is None

    @property
    def feedback_stage(self) -> str:
        """Where the submitter's feedback stands, for the wording of every page: ``co`` (the lead
        unit takes it), ``closed``, ``open`` (may be given now), ``rehandling`` (not satisfied:
        the new reply is awaited), ``given`` (on the latest reply), or ``waiting`` (no reply yet)."""
        if self.is_co_handler:
            return "co"
        if self.item.status == Status.CLOSED:
            return "closed"
        if self.can_give_feedback:
            return "open"
        current = self.rounds[-1] if self.rounds else None
        if current is not None and current.feedback is not None:
            return "given"
        if len(self.rounds) > 1 and self.rounds[-2].feedback is not None:
            return "rehandling"
        return "waiting"

    @property
    def publication_overdue(self) -> bool:
        latest = next((r for r in reversed(self.rounds) if r.reply is not None), None)
        return (
            latest is not None
            and latest.disclosure is None
            and latest.disclosure_due is not None
            and latest.disclosure_due < self.today
        )


def item_view(
    session: Session, item: ProposalItem, viewer: Viewer, today: date, classes: list[ReplyClass]
) -> ItemView:
    derived = current_state(session, item)
    submitters = item.submitter_ids
    replies = {r.round: r for r in item.replies}
    feedback = {f.round: f for f in item.feedback}
    rounds: list[RoundView] = []
    for number, state in sorted(derived.round_states.items()):
        reply = replies.get(number)
        rounds.append(
            RoundView(
                number=number,
                due=state.due,
                reply=reply,
                access=reply_access(viewer, submitters, state.disclosure),
                disclosure=state.disclosure,
                published_on=state.published_on,
                feedback=feedback.get(number),
                feedback_visible=may_see_feedback(viewer, submitters, state.disclosure),
            )
        )
    by_number = {r.number: r for r in rounds}
    if rounds and derived.disclosure_due is not None:
        latest = next((r for r in reversed(rounds) if r.reply is not None), None)
        if latest is not None:
            latest.disclosure_due = derived.disclosure_due

    timeline = []
    # Shown in the order things happened; events recorded late (a reply entered after the
    # feedback it prompted) take their place by date, recording order breaking ties.
    for event in sorted(item.events, key=lambda e: (e.occurred_on, e.seq)):
        details = event.details
        entry = TimelineEntry(
            event.occurred_on,
            event.kind,
            event.round,
            labels.event_label(event.kind),
            actor=event.actor,
            recorded_at=event.recorded_at,
        )
        view_round = by_number.get(event.round)
        if event.kind == EventKind.ASSIGNED:
            co = item.role == HandlingRole.CO
            months = rules().opinion_months if co else rules().reply_months
            first_due = add_months(event.occurred_on, months)
            entry.detail = labels.first_due_text(item.role, first_due)
        elif event.kind == EventKind.EXTENDED:
            entry.detail = _(
                "The reply is now due %(months)s months after assignment. Reason: %(reason)s",
                months=details.get("months"),
                reason=localized(details.get("reason"), details.get("reason_en")),
            )
        elif event.kind == EventKind.MET:
            entry.detail = _(
                "Form: %(form)s", form=labels.meeting_form_label(MeetingForm(details["form"]))
            )
        elif event.kind == EventKind.REPLIED:
            reply = replies.get(event.round)
            if item.role == HandlingRole.CO:
                entry.label = _("Opinion sent to the lead unit")
            if reply is not None:
                entry.detail = _("Document %(number)s", number=reply.document_number or "—")
                if reply.reply_class:
                    entry.detail += " · " + _(
                        "Class %(label)s", label=labels.class_label(reply.reply_class, classes)
                    )
        elif event.kind == EventKind.FEEDBACK:
            given = feedback.get(event.round)
            if given is not None and view_round is not None and view_round.feedback_visible:
                entry.detail = _(
                    "Handling: %(handling)s; result: %(result)s",
                    handling=labels.satisfaction_label(given.handling),
                    result=labels.satisfaction_label(given.result),
                )
            else:
                entry.detail = _("Given; made public with the reply.")
        elif event.kind == EventKind.REHANDLED:
            entry.detail = _(
                "The new reply is due on %(date)s.",
                date=format_day(date.fromisoformat(details["due"])),
            )
        elif event.kind == EventKind.PUBLISHED:
            mode = Disclosure(details["mode"])
            entry.label = labels.disclosure_label(mode)
            if mode == Disclosure.WITHHELD:
                reason = localized(details.get("reason"), details.get("reason_en"))
                entry.detail = _("Reason: %(reason)s", reason=reason)
                target = by_number.get(int(details.get("round", event.round)))
                if target is not None:
                    target.withheld_reason = reason
        elif event.kind == EventKind.FOLLOWED_UP:
            text = localized(details.get("text"), details.get("text_en"))
            if view_round is not None and view_round.access is not Access.NONE:
                entry.detail = text
                view_round.followups.append((event.occurred_on, text))
            else:
                entry.detail = _("Made public with the reply.")
        elif event.kind == EventKind.CLOSED:
            entry.detail = localized(details.get("note"), None)
        timeline.append(entry)
    return ItemView(
        item=item,
        today=today,
        own=is_own_item(viewer, submitters),
        derived=derived,
        rounds=rounds,
        timeline=timeline,
        classes=classes,
    )


# -- budget lines --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetLineView:
    code: str
    name: str
    area_slug: str
    area_name: str
    year: int
    budget: Any
    executed: Any


def budget_lines(snapshot: Snapshot, item: ProposalItem) -> list[BudgetLineView]:
    """The item's budget codes as published: the item's year if it has figures, else the latest."""
    if not item.code_list or not snapshot.spending:
        return []
    year = item.year if item.year in snapshot.spending else snapshot.default_year
    if year is None:
        return []
    spending = snapshot.spending[year]
    found = []
    for code in item.code_list:
        for slug, rows in spending.codes.items():
            for row in rows:
                if row.code == code:
                    name = snapshot.code_name(code, year)
                    found.append(
                        BudgetLineView(
                            code=code,
                            name=localized(name.name_zh, name.name_en) if name else code,
                            area_slug=slug,
                            area_name=str(AREAS_BY_SLUG[slug].name)
                            if slug in AREAS_BY_SLUG
                            else slug,
                            year=year,
                            budget=row.figures.budget,
                            executed=row.figures.executed,
                        )
                    )
    return found


# -- JSON (always the public view) ---------------------------------------------------------------


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def submitter_json(submitter: Any) -> dict[str, Any]:
    """Name, kind and delegation/sector only: contact details are never part of the API."""
    return {
        "name": submitter.name,
        "name_en": submitter.name_en or None,
        "kind": submitter.kind.value,
        "affiliation": localized(submitter.affiliation, submitter.affiliation_en) or None,
    }


def item_summary_json(item: ProposalItem, today: date) -> dict[str, Any]:
    awaiting = item.status in AWAITING_BUREAU
    left = days_left(item.current_due, today) if awaiting else None
    return {
        "id": item.id,
        "url": url_for("proposals_api.item", item_id=item.id, _external=False),
        "html_url": url_for("proposals.detail", item_id=item.id, lang="en" if _is_en() else "zh"),
        "session": localized(item.session_label, item.session_label_en),
        "number": item.number,
        "type": item.kind.value,
        "year": item.year,
        "title": localized(item.title, item.title_en),
        "title_zh": item.title,
        "title_en": item.title_en or None,
        "lead_submitter": submitter_json(item.lead_submitter),
        "areas": item.area_slugs,
        "budget_codes": item.code_list,
        "role": item.role.value,
        "status": item.status.value,
        "status_label": labels.status_label(item.status),
        "assigned_on": _iso(item.assigned_on),
        "reply_due": _iso(item.reply_due),
        "extended": item.extended,
        "current_due": _iso(item.current_due) if awaiting else None,
        "days_left": left,
        "overdue": left is not None and left < 0,
        "first_replied_on": _iso(item.first_replied_on),
        "replied_on_time": item.first_reply_on_time,
        "replied_on": _iso(item.replied_on),
        "reply_class": item.reply_class,
        "met_on": _iso(item.met_on),
        "disclosure": item.disclosure.value if item.disclosure else None,
        "published_on": _iso(item.published_on),
        "satisfaction_final": {
            "handling": item.handling_final.value if item.handling_final else None,
            "result": item.result_final.value if item.result_final else None,
        },
        "closed_on": _iso(item.closed_on),
        "sample": item.sample,
    }


def _is_en() -> bool:
    from portal.i18n import current_lang

    return current_lang() == "en"


def item_detail_json(view: ItemView) -> dict[str, Any]:
    item = view.item
    return {
        **item_summary_json(item, view.today),
        "body": localized(item.body, item.body_en),
        "cosigners": [submitter_json(s) for s in item.cosigners],
        "other_units": localized(item.other_units, item.other_units_en) or None,
        "rounds": [
            {
                "round": r.number,
                "due": _iso(r.due),
                "reply": None
                if r.reply is None
                else {
                    "replied_on": _iso(r.reply.replied_on),
                    "document_number": r.reply.document_number,
                    "class": r.reply.reply_class,
                    "disclosure": r.disclosure.value if r.disclosure else None,
                    "published_on": _iso(r.published_on),
                    "withheld_reason": r.withheld_reason or None,
                    "summary": r.summary or None,
                    "text": r.text or None,
                    "follow_ups": [{"on": _iso(on), "text": text} for on, text in r.followups],
                },
                "feedback": {
                    "given_on": _iso(r.feedback.given_on),
                    "handling": r.feedback.handling.value,
                    "result": r.feedback.result.value,
                    "comment": r.feedback.comment or None,
                }
                if r.feedback is not None and r.feedback_visible
                else None,
                "feedback_given": r.feedback is not None,
            }
            for r in view.rounds
        ],
        "timeline": [
            {
                "on": _iso(e.on),
                "kind": e.kind.value,
                "round": e.round,
                "label": e.label,
                "detail": e.detail or None,
            }
            for e in view.timeline
        ],
    }
