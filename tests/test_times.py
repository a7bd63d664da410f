"""Times are Beijing time everywhere, and say so: a moment recorded at 17:30 UTC on 30 November is
shown as 1 December, 01:30 (Beijing time) — on the public pages and in the back office alike."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from portal.datasets.models import DatasetVersion
from portal.i18n import format_day, format_moment
from tests.helpers import make_user, sign_in

LATE_EVENING_UTC = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("lang", "day", "label"),
    [("zh", "2026年12月1日", "北京时间"), ("en", "Dec 1, 2026", "Beijing time")],
)
def test_a_moment_is_shown_in_beijing_time_and_labelled(in_lang, lang, day, label) -> None:
    with in_lang(lang):
        shown = format_moment(LATE_EVENING_UTC)
        naive = format_moment(LATE_EVENING_UTC.replace(tzinfo=None))  # SQLite's naive UTC
    assert day in shown and label in shown and ("1:30" in shown)
    assert naive == shown


def test_a_day_counts_in_beijing_time(in_lang) -> None:
    with in_lang("zh"):
        assert format_day(LATE_EVENING_UTC) == "2026年12月1日"
        assert format_day(LATE_EVENING_UTC.replace(tzinfo=None)) == "2026年12月1日"
        assert format_day(date(2026, 11, 30)) == "2026年11月30日"


def test_the_back_office_shows_beijing_time(client, session) -> None:
    version = session.scalars(select(DatasetVersion).order_by(DatasetVersion.id)).first()
    version.created_at = LATE_EVENING_UTC
    make_user(session, "times@example.org", role="editor")
    session.commit()
    assert sign_in(client, "times@example.org", "correct horse battery").status_code == 302
    html = client.get(f"/zh/staff/versions/{version.id}").get_data(as_text=True)
    assert "2026年12月1日" in html and "北京时间" in html
    assert "2026-11-30 17:30" not in html
