"""What an upload would change: the planned steps matched with the items' timelines on
record (a step already there is kept out; one that contradicts the timeline is an error), and
the preview of a draft version (a dry run against the database as it is now)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.datasets.models import DatasetVersion, VersionStatus
from portal.datasets.transactions import retry_if_locked, take_write_lock
from portal.proposals.labels import (
    MEETING_FORM_LABELS,
    ROLE_LABELS,
    SATISFACTION_LABELS,
)
from portal.proposals.ledger.cells import number_key, session_key
from portal.proposals.ledger.plan import (
    ItemKey,
    ItemPlan,
    LedgerPlan,
    LedgerReader,
    Step,
    read_ledger,
    version_source,
)
from portal.proposals.ledger.replay import dry_run
from portal.proposals.models import (
    EventKind,
    HandlingRole,
    MeetingForm,
    ProposalEvent,
    ProposalItem,
)
from portal.uploads.files import TableSource
from portal.uploads.problems import Problem, ProblemLog, Severity


def _differs(recorded: object) -> LazyString:
    return _l(
        "This differs from the item's timeline, which records “%(recorded)s”. The timeline is append-only: correct the item on its page, not by uploading.",
        recorded=recorded,
    )


def _same_text(a: str | None, b: str | None) -> bool:
    return " ".join((a or "").split()) == " ".join((b or "").split())


def _label(labels: dict[Any, LazyString], value: Any) -> Any:
    return labels.get(value, value)


Comparison = tuple[bool, list[Problem]]  # already on the timeline?, what contradicts it


def _compare_dated(step: Step, item: ProposalItem, events: list[ProposalEvent]) -> Comparison:
    """Assignment and closing happen once: the date must be the recorded one."""
    if not events:
        return False, []
    recorded_on = events[-1].occurred_on
    return True, [] if recorded_on == step.on else [step.problem(_differs(recorded_on))]


def _compare_extension(step: Step, item: ProposalItem, events: list[ProposalEvent]) -> Comparison:
    extensions = [(e.occurred_on, e.details.get("months")) for e in events]
    if (step.on, step.facts["months"]) in extensions:
        return True, []
    if extensions and extensions[-1][1] == step.facts["months"]:
        return True, [step.problem(_differs(extensions[-1][0]))]
    return False, []  # a (further) extension


def _compare_meeting(step: Step, item: ProposalItem, events: list[ProposalEvent]) -> Comparison:
    """The ledger holds one meeting per round: one of those recorded in the round, or the
    round's first."""
    meetings = [(e.occurred_on, e.details.get("form")) for e in events if e.round == step.round]
    for on, form in meetings:
        if on == step.on:
            if form == step.facts["form"]:
                return True, []
            shown = _label(MEETING_FORM_LABELS, MeetingForm(form)) if form else "—"
            return True, [step.problem(_differs(shown), "meeting_form")]
    if meetings:
        return True, [step.problem(_differs(", ".join(str(on) for on, _ in meetings)))]
    return False, []


def _compare_reply(step: Step, item: ProposalItem, events: list[ProposalEvent]) -> Comparison:
    """The round's reply: its date, and every reply cell that is filled in."""
    reply = next((r for r in item.replies if r.round == step.round), None)
    if reply is None:
        return False, []
    problems = []
    if reply.replied_on != step.on:
        problems.append(step.problem(_differs(reply.replied_on)))
    recorded_texts = {
        "document_number": reply.document_number,
        "reply_class": reply.reply_class,
        "summary": reply.summary,
        "summary_en": reply.summary_en,
        "text": reply.text,
        "text_en": reply.text_en,
    }
    for key, recorded in recorded_texts.items():
        given = step.facts.get(key)
        ignored = key == "reply_class" and item.role == HandlingRole.CO
        if given and not ignored and not _same_text(given, recorded):
            problems.append(step.problem(_differs(recorded or "—"), key))
    return True, problems


def _compare_disclosure(step: Step, item: ProposalItem, events: list[ProposalEvent]) -> Comparison:
    """A decision recorded before is kept; another mode is a later decision (it replaces it)."""
    decisions = [
        (e.occurred_on, e.details.get("mode"))
        for e in events
        if int(e.details.get("round", e.round)) == step.round
    ]
    mode = step.facts["mode"].value
    if (step.on, mode) in decisions:
        return True, []
    if decisions and decisions[-1][1] == mode:
        return True, [step.problem(_differs(decisions[-1][0]))]
    return False, []


def _compare_feedback(step: Step, item: ProposalItem, events: list[ProposalEvent]) -> Comparison:
    feedback = next((f for f in item.feedback if f.round == step.round), None)
    if feedback is None:
        return False, []
    problems = []
    if feedback.given_on != step.on:
        problems.append(step.problem(_differs(feedback.given_on)))
    for key, recorded in (("handling", feedback.handling), ("result", feedback.result)):
        if step.facts[key] != recorded:
            problems.append(step.problem(_differs(_label(SATISFACTION_LABELS, recorded)), key))
    comment = step.facts["comment"]
    if comment and not _same_text(comment, feedback.comment):
        problems.append(step.problem(_differs(feedback.comment or "—"), "feedback_comment"))
    return True, problems


_COMPARE: dict[EventKind, Callable[[Step, ProposalItem, list[ProposalEvent]], Comparison]] = {
    EventKind.ASSIGNED: _compare_dated,
    EventKind.EXTENDED: _compare_extension,
    EventKind.MET: _compare_meeting,
    EventKind.REPLIED: _compare_reply,
    EventKind.PUBLISHED: _compare_disclosure,
    EventKind.FEEDBACK: _compare_feedback,
    EventKind.CLOSED: _compare_dated,
}


def compare_step(step: Step, item: ProposalItem) -> Comparison:
    """Whether *step* is already on *item*'s timeline, and what in it contradicts the timeline."""
    events = [e for e in item.events if e.kind == step.kind]
    return _COMPARE[step.kind](step, item, events)


def _load_items(session: Session, plans: list[ItemPlan]) -> dict[ItemKey, ProposalItem]:
    labels = {p.facts["session"] for p in plans} | {p.key[0] for p in plans}
    if not labels:
        return {}
    items = session.scalars(
        select(ProposalItem)
        .where(ProposalItem.session_label.in_(labels))
        .options(
            selectinload(ProposalItem.events),
            selectinload(ProposalItem.replies),
            selectinload(ProposalItem.feedback),
            selectinload(ProposalItem.cosigners),
        )
    )
    return {(session_key(i.session_label), i.kind, number_key(i.number)): i for i in items}


def compare(session: Session, reader: LedgerReader, plans: list[ItemPlan]) -> None:
    """Match the plans with the items on record and keep the steps their timelines lack;
    report contradictions."""
    log = reader.log
    on_record = _load_items(session, plans)
    for plan in plans:
        errors_before = log.errors
        item = on_record.get(plan.key)
        role = plan.facts.get("role")
        if item is None:
            plan.new_steps = list(plan.steps)
        else:
            plan.item_id, plan.status_before, role = item.id, item.status, item.role
            _compare_item(reader, plan, item)
            last = max((e.occurred_on for e in item.events), default=None)
            for step in plan.steps:
                known, problems = compare_step(step, item)
                log.extend(problems)
                if known:
                    continue
                if last is not None and step.on < last:
                    log.add(
                        step.problem(
                            _l(
                                "This step is dated before the last step already on the item's timeline (%(date)s). The timeline is append-only and in date order: steps can only be added after it.",
                                date=last.isoformat(),
                            )
                        )
                    )
                plan.new_steps.append(step)
        for step in plan.new_steps:
            if (
                step.kind == EventKind.REPLIED
                and role != HandlingRole.CO
                and not step.facts.get("reply_class")
            ):
                log.add(
                    step.problem(
                        _l(
                            "This cell must be filled in when “%(other)s” is.",
                            other=step.date_cell[0],
                        ),
                        "reply_class",
                    )
                )
        plan.ok = log.errors == errors_before


def _compare_item(reader: LedgerReader, plan: ItemPlan, item: ProposalItem) -> None:
    """An upload appends steps; it does not change the item. Who leads and the bureau's part
    decide the timeline, so differing there is an error; elsewhere, a warning."""
    facts = plan.facts

    def problem(key: str, recorded: object, severity: Severity) -> None:
        header, text = plan.cells.get(key, (reader.column(key), ""))
        message = (
            _differs(recorded)
            if severity == Severity.ERROR
            else _l(
                "This differs from the item on record (“%(recorded)s”). An upload only adds steps to the timeline; the item itself is kept as it is.",
                recorded=recorded,
            )
        )
        reader.log.add(Problem(message, plan.first_row, header, text, severity))

    lead = facts.get("lead")
    if lead is not None and lead.id != item.lead_submitter_id:
        problem("lead", item.lead_submitter.name, Severity.ERROR)
    role = facts.get("role")
    if role is not None and role != item.role:
        problem("role", _label(ROLE_LABELS, item.role), Severity.ERROR)
    if "title" in facts and facts["title"] != item.title:
        problem("title", item.title, Severity.WARNING)
    if "year" in facts and facts["year"] != item.year:
        problem("year", item.year, Severity.WARNING)
    if "areas" in facts and set(facts["areas"]) != set(item.area_slugs):
        problem("areas", ";".join(item.area_slugs), Severity.WARNING)
    if "cosigners" in facts and set(facts["cosigner_ids"]) != {s.id for s in item.cosigners}:
        problem("cosigners", "、".join(s.name for s in item.cosigners) or "—", Severity.WARNING)


def plan_ledger(
    session: Session,
    source: TableSource,
    log: ProblemLog,
    *,
    year: int | None = None,
    progress: Callable[[float], None] | None = None,
) -> LedgerPlan | None:
    """Read the ledger and compare it with what is on record (nothing is written); every
    problem goes to *log*. ``None`` if the file cannot be read as a ledger at all."""
    read = read_ledger(session, source, log, year=year, progress=progress)
    if read is None:
        return None
    plan, reader = read
    compare(session, reader, plan.items)
    return plan


# -- the preview ----------------------------------------------------------------------------------


@dataclass
class LedgerPreview:
    """What publishing a ledger version would do now; ``plan`` is ``None`` once it is applied
    or withdrawn (see ``state``) or if the file cannot be read."""

    state: VersionStatus
    plan: LedgerPlan | None = None
    problems: ProblemLog = field(default_factory=ProblemLog)

    @property
    def refused(self) -> bool:
        return self.problems.has_errors


def ledger_preview(session: Session, version: DatasetVersion) -> LedgerPreview:
    """The items a draft would create and the steps it would append, item by item, with the
    status each would then have — a dry run against the database as it is now."""
    if version.status != VersionStatus.DRAFT:
        return LedgerPreview(version.status)
    source = version_source(version)

    def look() -> LedgerPreview:
        take_write_lock(session)
        preview = LedgerPreview(version.status)
        preview.plan = plan_ledger(session, source, preview.problems)
        if preview.plan is not None:
            dry_run(session, preview.plan.items, preview.problems)
        return preview

    return retry_if_locked(session, look)
