"""Words for the codes: every label shown for a kind, status, role, class or date, translated."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from flask_babel import LazyString, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.i18n import format_day, localized
from portal.proposals.filters import ListFilters
from portal.proposals.models import (
    Disclosure,
    EventKind,
    HandlingRole,
    ItemKind,
    MeetingForm,
    ProposalItem,
    ReplyClass,
    Satisfaction,
    Status,
)
from portal.proposals.rules import rules
from portal.spending.areas import AREAS_BY_SLUG

KIND_LABELS: dict[Any, LazyString] = {
    ItemKind.SUGGESTION: _l("Deputy's suggestion"),
    ItemKind.PROPOSAL: _l("CPPCC proposal"),
}


STATUS_LABELS: dict[Any, LazyString] = {
    Status.IN_HAND: _l("Being handled"),
    Status.EXTENDED: _l("Being handled (extended)"),
    Status.REPLIED: _l("Replied, awaiting feedback"),
    Status.REHANDLING: _l("Being handled again"),
    Status.FOLLOWING_UP: _l("Replied, being followed up"),
    Status.FEEDBACK: _l("Replied, feedback received"),
    Status.OPINION_SENT: _l("Opinion sent to the lead unit"),
    Status.CLOSED: _l("Closed"),
}


ROLE_LABELS: dict[Any, LazyString] = {
    HandlingRole.SOLE: _l("Sole handler"),
    HandlingRole.LEAD: _l("Lead handler"),
    HandlingRole.CO: _l("Co-handler"),
    HandlingRole.SPLIT: _l("Split handling"),
}


ROLE_HINTS: dict[Any, LazyString] = {
    HandlingRole.SOLE: _l("The bureau handles the item alone and replies."),
    HandlingRole.LEAD: _l("The bureau leads, hears the co-handling units and replies."),
    HandlingRole.CO: _l("The bureau sends its opinion to the lead unit, which replies."),
    HandlingRole.SPLIT: _l("Several units each reply on their own part."),
}


SATISFACTION_LABELS: dict[Any, LazyString] = {
    Satisfaction.SATISFIED: _l("Satisfied"),
    Satisfaction.BASIC: _l("Basically satisfied"),
    Satisfaction.DISSATISFIED: _l("Not satisfied"),
}


DISCLOSURE_LABELS: dict[Any, LazyString] = {
    Disclosure.FULL: _l("Published in full"),
    Disclosure.SUMMARY: _l("Published as a summary"),
    Disclosure.WITHHELD: _l("Not published"),
}


MEETING_FORM_LABELS: dict[Any, LazyString] = {
    MeetingForm.IN_PERSON: _l("in person"),
    MeetingForm.SITE_VISIT: _l("site visit"),
    MeetingForm.MEETING: _l("meeting"),
    MeetingForm.PHONE: _l("by phone"),
    MeetingForm.ONLINE: _l("online"),
}


EVENT_LABELS: dict[Any, LazyString] = {
    EventKind.ASSIGNED: _l("Assigned to the bureau"),
    EventKind.EXTENDED: _l("Extension approved"),
    EventKind.MET: _l("Talked with the submitter"),
    EventKind.REPLIED: _l("Replied"),
    EventKind.FEEDBACK: _l("Feedback from the submitter"),
    EventKind.REHANDLED: _l("Handled again"),
    EventKind.PUBLISHED: _l("Disclosure decided"),
    EventKind.FOLLOWED_UP: _l("Progress update"),
    EventKind.CLOSED: _l("Closed"),
}


def kind_label(kind: ItemKind | str) -> str:
    label = KIND_LABELS.get(ItemKind(kind))
    return str(label) if label is not None else str(kind)


def status_label(status: Status | str) -> str:
    label = STATUS_LABELS.get(Status(status))
    return str(label) if label is not None else str(status)


def role_label(role: HandlingRole | str) -> str:
    label = ROLE_LABELS.get(HandlingRole(role))
    return str(label) if label is not None else str(role)


def role_hint(role: HandlingRole | str) -> str:
    label = ROLE_HINTS.get(HandlingRole(role))
    return str(label) if label is not None else ""


def satisfaction_label(value: Satisfaction | str | None) -> str:
    if value is None:
        return "—"
    label = SATISFACTION_LABELS.get(Satisfaction(value))
    return str(label) if label is not None else str(value)


def disclosure_label(value: Disclosure | str | None) -> str:
    if value is None:
        return _("Not published yet")
    label = DISCLOSURE_LABELS.get(Disclosure(value))
    return str(label) if label is not None else str(value)


def meeting_form_label(value: MeetingForm | str) -> str:
    label = MEETING_FORM_LABELS.get(MeetingForm(value))
    return str(label) if label is not None else str(value)


def event_label(kind: EventKind | str) -> str:
    label = EVENT_LABELS.get(EventKind(kind))
    return str(label) if label is not None else str(kind)


def class_label(code: str | None, classes: Iterable[ReplyClass]) -> str:
    if not code:
        return "—"
    for reply_class in classes:
        if reply_class.code == code:
            return f"{code} {localized(reply_class.name_zh, reply_class.name_en)}"
    return code


def number_label(item: ProposalItem) -> str:
    return _("No. %(number)s", number=item.number)


def session_label(item: ProposalItem) -> str:
    return localized(item.session_label, item.session_label_en)


def area_names(item: ProposalItem) -> list[tuple[str, str]]:
    return [
        (slug, str(AREAS_BY_SLUG[slug].name)) for slug in item.area_slugs if slug in AREAS_BY_SLUG
    ]


def due_text(due: date | None, today: date) -> str:
    """ "Due in 5 days", "Due today", "3 days overdue"."""
    if due is None:
        return ""
    days = (due - today).days
    if days > 0:
        return ngettext("Due in %(num)d day", "Due in %(num)d days", days)
    if days == 0:
        return _("Due today")
    return ngettext("%(num)d day overdue", "%(num)d days overdue", -days)


# -- the handling rules in words: every number comes from rules(), never retyped ---------------


def months(count: int) -> str:
    return ngettext("%(num)d month", "%(num)d months", count)


def working_days(count: int) -> str:
    return ngettext("%(num)d working day", "%(num)d working days", count)


def due_soon_label() -> str:
    """The "due soon" filter's name: due within :attr:`HandlingRules.due_soon_days` days."""
    return ngettext("Due within %(num)d day", "Due within %(num)d days", rules().due_soon_days)


def deadlines_summary(today: date) -> str:
    """The deadlines a reader of the list should know, as the rules in force set them."""
    handling = rules()
    return _(
        "Dates are counted in China's time zone; today is %(date)s. A reply is due %(reply)s "
        "after assignment (at most %(most)s with an approved extension); a co-handler's opinion "
        "%(opinion)s after; a reply handled again %(again)s after the feedback.",
        date=format_day(today),
        reply=months(handling.reply_months),
        most=months(handling.max_total_months),
        opinion=months(handling.opinion_months),
        again=months(handling.rehandle_months),
    )


def on_time_definition() -> str:
    """How the statistics count a reply as on time."""
    return _(
        "On-time reply rate: items whose first reply came by its due date (%(months)s after "
        "assignment, or later with an approved extension), divided by the items whose reply is "
        "due by today or has been given.",
        months=months(rules().reply_months),
    )


def disclosure_due_text(due: date) -> str:
    """When an unpublished reply should be published: *due* is that many working days on."""
    return _(
        "It should be published by %(date)s (%(days)s after the reply).",
        date=format_day(due),
        days=working_days(rules().publish_working_days),
    )


def first_due_text(role: HandlingRole | str, due: date) -> str:
    """What the assignment sets going: the co-handler's opinion, or the reply, due on *due*."""
    if role == HandlingRole.CO:
        return _(
            "The opinion to the lead unit is due %(months)s later, on %(date)s.",
            months=months(rules().opinion_months),
            date=format_day(due),
        )
    return _(
        "The reply is due %(months)s later, on %(date)s.",
        months=months(rules().reply_months),
        date=format_day(due),
    )


def assignment_hint() -> str:
    return _(
        "The clock starts on this date: the reply is due %(months)s later.",
        months=months(rules().reply_months),
    )


def extension_hint() -> str:
    return _(
        "An extension moves the reply's due date to at most %(months)s after assignment.",
        months=months(rules().max_total_months),
    )


def assigned_column_help() -> str:
    """The ledger's 交办日期 column, its deadline from the rules."""
    return _(
        "When the item was assigned to the bureau; the reply is due %(months)s later.",
        months=months(rules().reply_months),
    )


def extended_column_help() -> str:
    """The ledger's 延期后期限 column, its terms from the rules."""
    return _(
        "For an approved extension: the months from assignment to the new due date in all (the usual term is %(usual)s; at most %(most)s), e.g. 5. With 延期理由 and 延期日期.",
        usual=rules().reply_months,
        most=rules().max_total_months,
    )


def rehandling_hint() -> str:
    return _(
        "The new reply is due %(months)s after this date.",
        months=months(rules().rehandle_months),
    )


def also_filtered_by(filters: ListFilters) -> str:
    """The filters the list's form does not show (set by a link from the statistics), in words:
    "Also filtered by: replied, met the submitter."; empty when there are none."""
    named: list[str] = []
    if filters.replied is not None:
        named.append(_("replied") if filters.replied else _("not replied yet"))
    if filters.on_time is not None:
        named.append(
            _("first reply on time") if filters.on_time else _("first reply late or overdue")
        )
    if filters.met is not None:
        named.append(_("met the submitter") if filters.met else _("did not meet the submitter"))
    if filters.handling:
        level = satisfaction_label(filters.handling)
        named.append(_("handling (final): %(level)s", level=level))
    if filters.result:
        named.append(_("result (final): %(level)s", level=satisfaction_label(filters.result)))
    if not named:
        return ""
    return _("Also filtered by: %(filters)s.", filters=_(", ").join(named))
