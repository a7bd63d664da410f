"""Deadlines: calendar months from assignment, working days on China's official calendar (make-up
workdays included), and a data file for the years the package does not know yet."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from portal.proposals.rules import OVERRIDES_FILE, WorkingCalendar, add_months

DATA_DIR = Path(__file__).resolve().parents[2] / "data"


@pytest.mark.parametrize(
    "start, months, expected",
    [
        (date(2026, 3, 10), 3, date(2026, 6, 10)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2023, 11, 30), 3, date(2024, 2, 29)),
        (date(2026, 10, 31), 1, date(2026, 11, 30)),
        (date(2026, 8, 18), 6, date(2027, 2, 18)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_month_end(start, months, expected) -> None:
    assert add_months(start, months) == expected


def test_official_calendar_with_make_up_workdays() -> None:
    calendar = WorkingCalendar()
    assert calendar.is_workday(date(2026, 1, 4))  # a Sunday worked for the New Year holiday
    assert calendar.is_workday(date(2026, 10, 10))  # a Saturday worked for National Day
    assert not calendar.is_workday(date(2026, 10, 5))  # a Monday off
    # Counting from Monday 28 September: 29, 30 September, (1-7 October off), 8, 9, Saturday 10.
    assert calendar.add_working_days(date(2026, 9, 28), 5) == date(2026, 10, 10)


def test_overrides_file_adds_a_year_the_package_does_not_know(tmp_path) -> None:
    path = tmp_path / "overrides.csv"
    path.write_text(
        "date,kind,name_zh,name_en,source,provisional\n"
        "2027-01-01,holiday,元旦,New Year,notice,false\n"
        "2027-02-20,workday,调休上班,Make-up workday,notice,false\n",
        encoding="utf-8",
    )
    calendar = WorkingCalendar.from_file(path)
    assert not calendar.is_workday(date(2027, 1, 1))  # a Friday off
    assert calendar.is_workday(date(2027, 2, 20))  # a Saturday worked
    assert calendar.knows(date(2027, 6, 1))
    assert not WorkingCalendar().knows(date(2027, 6, 1))
    # Without the file, a year the package does not know falls back to Monday-Friday.
    assert WorkingCalendar().is_workday(date(2027, 1, 1))
    # 31 December 2026 (Thursday) + 2 working days skips New Year's Day: 4 January 2027.
    assert calendar.add_working_days(date(2026, 12, 31), 2) == date(2027, 1, 5)


def test_shipped_overrides_file_is_valid_and_marks_guesses_provisional() -> None:
    path = DATA_DIR / OVERRIDES_FILE
    calendar = WorkingCalendar.from_file(path)
    assert date(2027, 1, 1) in calendar.overrides
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    assert lines and all(line.endswith((",true", ",false")) for line in lines)


def test_bad_overrides_file_is_refused(tmp_path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("date,kind\n2027-01-01,festival\n", encoding="utf-8")
    with pytest.raises(ValueError, match="holiday or workday"):
        WorkingCalendar.from_file(path)
