"""Reading a request the same way on the spending pages and in the open-data API: the year asked
for (400 if it is not one, 404 if nothing is published for it), an area (404 if there is none),
and the published figures as of the current data version."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest, NotFound

from portal.db import get_session
from portal.errors import user_error
from portal.params import parse_int, shown
from portal.spending import services
from portal.spending.areas import AREAS_BY_SLUG, Area
from portal.spending.queries import Snapshot, YearSpending, published_snapshot
from portal.web import data_version


def requested_year() -> int | None:
    """``?year=`` as an int, or ``None`` when absent; anything else is a 400 with a message."""
    raw = (request.args.get("year") or "").strip()
    if raw == "":
        return None
    year = parse_int(raw, low=1000, high=9999) if len(raw) == 4 else None
    if year is None:
        raise user_error(
            BadRequest,
            _("“%(value)s” is not a year. Use four digits, e.g. 2024.", value=shown(raw)),
        )
    return year


def year_query() -> dict[str, str]:
    """The known parameters of a page that shows one year (see ``cached_by_data_version``)."""
    year = requested_year()
    return {} if year is None else {"year": str(year)}


def year_or_404(snapshot: Snapshot) -> YearSpending:
    year = requested_year()
    try:
        return services.resolve_year(snapshot, year)
    except services.UnknownYear:
        years = snapshot.years
        if not years:
            raise user_error(NotFound, _("No spending figures have been published yet.")) from None
        raise user_error(
            NotFound,
            _(
                "No spending figures are published for %(year)s. Years available: %(first)s–%(last)s.",
                year=year,
                first=years[0],
                last=years[-1],
            ),
        ) from None


def published_year(snap: Snapshot) -> YearSpending | None:
    """The year asked for (or the default year); ``None`` while no spending is published at all,
    for the page to show its empty state rather than an error."""
    if not snap.years:
        requested_year()  # a malformed ?year= is still refused
        return None
    return year_or_404(snap)


def area_or_404(slug: str) -> Area:
    area = AREAS_BY_SLUG.get(slug)
    if area is None:
        raise user_error(NotFound, _("There is no area called “%(slug)s”.", slug=shown(slug)))
    return area


def snapshot() -> Snapshot:
    return published_snapshot(get_session(), data_version())
