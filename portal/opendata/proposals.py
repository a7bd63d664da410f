"""The public JSON API of suggestions and proposals (v1): the list, an item and the statistics,
each as the public sees it (see :mod:`portal.proposals.visibility`).

Names come in the language of ``?lang=`` (``zh`` by default). Keep these shapes stable: the
charts and outside users read them.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, url_for
from flask_babel import gettext as _

from portal.db import get_session
from portal.i18n import localized
from portal.opendata import api_blueprint
from portal.pagination import Page
from portal.proposals.caching import cached_by_data_version_and_day
from portal.proposals.filters import ListFilters
from portal.proposals.models import ProposalItem, ReplyClass
from portal.proposals.presenters import item_detail_json, item_summary_json, item_view
from portal.proposals.rules import today
from portal.proposals.stats import Counts, Stats, cached_stats, ratio
from portal.proposals.tables import rate
from portal.proposals.visibility import PUBLIC
from portal.proposals.web import filters_or_400, item_or_404, list_query, page_or_404, reply_classes
from portal.spending.areas import AREAS_BY_SLUG
from portal.web import data_version

api = api_blueprint("proposals_api", __name__, "/api/v1/proposals")


def page_links(
    page: Page[ProposalItem], filters: ListFilters, endpoint: str
) -> dict[str, str | None]:
    def link(number: int) -> str:
        return url_for(endpoint, **filters.query_args(page=number))

    return {
        "previous": link(page.page - 1) if page.page > 1 else None,
        "next": link(page.page + 1) if page.page < page.pages else None,
    }


@api.get("", endpoint="index")
@cached_by_data_version_and_day(query=list_query)
def api_list() -> Response:
    filters = filters_or_400()
    page = page_or_404(filters)
    links = page_links(page, filters, "proposals_api.index")
    return jsonify(
        items=[item_summary_json(item, today()) for item in page.items],
        page=page.page,
        pages=page.pages,
        per_page=page.per_page,
        total=page.total,
        filters=filters.query_args(page=1),
        next=links["next"],
        previous=links["previous"],
        as_of=today().isoformat(),
        data_version=data_version(),
    )


@api.get("/<int:item_id>", endpoint="item")
@cached_by_data_version_and_day
def api_item(item_id: int) -> Response:
    found = item_or_404(item_id)
    view = item_view(get_session(), found, PUBLIC, today(), reply_classes())
    return jsonify(**item_detail_json(view), as_of=today().isoformat(), data_version=data_version())


def counts_json(counts: Counts) -> dict[str, Any]:
    return {
        "items": counts.items,
        "replied": counts.replied,
        "due_or_replied": counts.due,
        "replied_on_time": counts.on_time,
        "overdue": counts.overdue,
        "met": counts.met,
        "public_feedback_first": counts.feedback_first,
        "public_feedback_final": counts.feedback_final,
        "rates": {key: rate(value) for key, value in counts.rates().items()},
    }


RATE_SERIES = ("reply_rate", "on_time_rate", "meeting_rate", "handling_final_ok", "result_final_ok")


def rate_names() -> dict[str, str]:
    return {
        "reply_rate": _("Reply rate"),
        "on_time_rate": _("On-time reply rate"),
        "meeting_rate": _("Meeting rate"),
        "handling_final_ok": _("Satisfied with handling (incl. basically)"),
        "result_final_ok": _("Satisfied with result (incl. basically)"),
    }


def stats_json(figures: Stats, classes: list[ReplyClass]) -> dict[str, Any]:
    years = [str(year) for year, _counts in figures.by_year]
    names = rate_names()
    class_years = sorted(figures.classes_by_year)
    return {
        "as_of": figures.today.isoformat(),
        "scope": "items the bureau replies to (sole, lead or split handling)",
        "overall": counts_json(figures.overall),
        "by_year": [{"year": y, **counts_json(c)} for y, c in figures.by_year],
        "by_type": [{"type": k.value, **counts_json(c)} for k, c in figures.by_kind],
        "by_area": [
            {"area": a, **counts_json(c)} for a, c in figures.by_area if a in AREAS_BY_SLUG
        ],
        "classes": {
            "scheme": [
                {"code": c.code, "name": localized(c.name_zh, c.name_en), "follow_up": c.follow_up}
                for c in classes
            ],
            "by_year": [{"year": y, "counts": figures.classes_by_year[y]} for y in class_years],
        },
        "co_handled_items": figures.co_items,
        "charts": {
            "rates": {
                "labels": years,
                "series": [
                    {
                        "key": key,
                        "label": names[key],
                        "values": [rate(c.rates()[key]) for _y, c in figures.by_year],
                    }
                    for key in RATE_SERIES
                ],
            },
            "classes": {
                "labels": [str(y) for y in class_years],
                "stacked": True,
                "series": [
                    {
                        "key": c.code,
                        "label": f"{c.code} {localized(c.name_zh, c.name_en)}",
                        "values": [
                            rate(share(figures.classes_by_year[y], c.code)) for y in class_years
                        ],
                    }
                    for c in classes
                ],
            },
        },
        "data_version": figures.data_version,
    }


def share(counts: dict[str, int], code: str) -> Any:
    return ratio(counts.get(code, 0), sum(counts.values()))


@api.get("/stats", endpoint="stats")
@cached_by_data_version_and_day
def api_stats() -> Response:
    figures = cached_stats(get_session(), today(), data_version())
    return jsonify(stats_json(figures, reply_classes()))
