"""The handling rules, in one place: deadlines, the working-day calendar and "today".

Deadlines are computed, never typed: calendar months from assignment for replies, working days
(China's official calendar, make-up workdays included) for publishing a reply.
"""

from __future__ import annotations

import csv
import logging
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import chinese_calendar
from flask import Flask, current_app, has_app_context

from portal.i18n import CHINA

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HandlingRules:
    #: The reply is due this many calendar months after assignment (交办).
    reply_months: int = 3
    #: An approved extension may move the due date to at most this many months after assignment.
    max_total_months: int = 6
    #: A co-handler's (会办) opinion to the lead unit is due this many months after assignment.
    opinion_months: int = 1
    #: After "not satisfied", the item is handled again; the new reply is due in this many months.
    rehandle_months: int = 1
    #: Rounds of handling at most (the first reply and one re-handling).
    max_rounds: int = 2
    #: A reply should be published within this many working days of the reply.
    publish_working_days: int = 20
    #: "Due soon" means due within this many days.
    due_soon_days: int = 14


def rules() -> HandlingRules:
    """The rules in force: ``PROPOSAL_RULES`` in the app config (tests), else the defaults."""
    if has_app_context():
        configured = current_app.config.get("PROPOSAL_RULES")
        if isinstance(configured, HandlingRules):
            return configured
    return HandlingRules()


def today(app: Flask | None = None) -> date:
    """Today in China. ``TODAY`` in the config of *app* (by default the current app, if any;
    ``PORTAL_TODAY``, ISO date) fixes it, so that due dates and "overdue" are deterministic in
    tests and screenshots."""
    if app is None and has_app_context():
        app = current_app
    if app is not None:
        fixed = app.config.get("TODAY")
        if isinstance(fixed, date):
            return fixed
        if fixed:
            return date.fromisoformat(str(fixed))
    return datetime.now(CHINA).date()


def add_months(start: date, months: int) -> date:
    """The same day *months* calendar months later, or the month's last day if it has none
    (30 November + 3 months = 28/29 February)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, monthrange(year, month)[1]))


@dataclass
class WorkingCalendar:
    """China's official working days: the ``chinesecalendar`` package, with a data file that adds
    a State Council notice (holidays and make-up workdays) for a year the package does not know
    yet. Beyond both, Monday to Friday are working days and the result is marked provisional."""

    #: date → True (working day, e.g. a make-up Saturday) or False (holiday).
    overrides: dict[date, bool] = field(default_factory=dict)
    #: Years covered by the overrides file (a notice covers a whole year).
    override_years: frozenset[int] = frozenset()

    def knows(self, day: date) -> bool:
        if day.year in self.override_years:
            return True
        try:
            chinese_calendar.is_workday(day)
        except NotImplementedError:
            return False
        return True

    def is_workday(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            return day.weekday() < 5

    def add_working_days(self, start: date, days: int) -> date:
        """The *days*-th working day after *start* (the day itself not counted)."""
        current = start
        counted = 0
        while counted < days:
            current += timedelta(days=1)
            if self.is_workday(current):
                counted += 1
        return current

    @classmethod
    def from_file(cls, path: Path) -> WorkingCalendar:
        """Read ``date,kind,…`` rows (kind ``holiday`` or ``workday``); a missing file is empty."""
        overrides: dict[date, bool] = {}
        if path.exists():
            with path.open(encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle):
                    day = date.fromisoformat(row["date"].strip())
                    kind = row["kind"].strip()
                    if kind not in ("holiday", "workday"):
                        raise ValueError(f"{path.name}: kind must be holiday or workday: {kind!r}")
                    overrides[day] = kind == "workday"
        return cls(overrides, frozenset(d.year for d in overrides))


OVERRIDES_FILE = Path("proposals") / "workday_overrides.csv"


def working_calendar() -> WorkingCalendar:
    """The calendar of this app (read once from ``DATA_DIR``)."""
    if not has_app_context():
        return WorkingCalendar()
    calendar: WorkingCalendar | None = current_app.extensions.get("proposals.calendar")
    if calendar is None:
        path = Path(current_app.config["DATA_DIR"]) / OVERRIDES_FILE
        calendar = WorkingCalendar.from_file(path)
        current_app.extensions["proposals.calendar"] = calendar
    return calendar
