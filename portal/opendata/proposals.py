"""The public JSON API of suggestions and proposals (v1): the list, an item and the statistics,
each as the public sees it (what a reader may see of a reply or feedback is decided by
:mod:`portal.proposals.visibility`, through the presenters).

Names come in the language of ``?lang=`` (``zh`` by default). Shapes are
:mod:`portal.opendata.schemas`; keep them stable: the charts and outside users read them.
"""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.db import get_session
from portal.i18n import localized
from portal.opendata import api_blueprint
from portal.opendata import schemas as s
from portal.opendata.query import (
    AREA,
    PAGE,
    InvalidParameter,
    Param,
    check_unknown,
    number_reader,
    page_beyond_last,
    read_params,
)
from portal.opendata.routes import PathParam, api_get
from portal.params import MAX_INT, ParamError
from portal.proposals import queries
from portal.proposals.filters import (
    KINDS,
    MAX_QUERY,
    ROLES,
    SATISFACTIONS,
    STATUSES,
    ListFilters,
    parse_filters,
)
from portal.proposals.models import ReplyClass
from portal.proposals.presenters import item_detail_json, item_summary_json, item_view
from portal.proposals.rules import today
from portal.proposals.stats import Counts, Stats, cached_stats, ratio
from portal.proposals.tables import rate
from portal.proposals.visibility import PUBLIC
from portal.proposals.web import item_or_404, list_ids, reply_classes
from portal.spending.areas import AREAS_BY_SLUG
from portal.web import data_version

api = api_blueprint("proposals_api", __name__, "/api/v1/proposals")


def _passes(raw: str) -> str:
    return raw  # read by portal.proposals.filters.parse_filters, shared with the pages


def _filter(name: str, description: Any, schema: dict[str, Any]) -> Param:
    return Param(name, description, schema, _passes)


FLAG = {"type": "string", "enum": ["yes", "no", "1", "0", "true", "false"]}
ONLY = {"type": "string", "enum": ["1", "yes", "true"]}
PER_PAGE = Param(
    "per_page",
    _l("How many items a page holds."),
    {"type": "integer", "minimum": 1, "maximum": 100, "default": queries.PER_PAGE},
    number_reader("per_page", 1, 100),
    default=str(queries.PER_PAGE),
)
#: The list's parameters, as the OpenAPI document and the developers page describe them.
LIST_PARAMS = (
    _filter(
        "year",
        _l("The year of the session (four digits)."),
        {"type": "integer", "minimum": 1949, "maximum": 2999},
    ),
    _filter(
        "type",
        _l("suggestion (人大代表建议) or proposal (政协委员提案)."),
        {"type": "string", "enum": KINDS},
    ),
    _filter("status", _l("Where the items stand."), {"type": "string", "enum": STATUSES}),
    Param(AREA.name, AREA.description, AREA.schema, _passes),
    _filter(
        "role",
        _l(
            "The bureau's role: sole, lead, co or split; replying for the items it replies to itself."
        ),
        {"type": "string", "enum": ROLES},
    ),
    _filter(
        "class",
        _l("The class of the latest reply (e.g. A, B, C)."),
        {"type": "string", "maxLength": 8},
    ),
    _filter("overdue", _l("Only the items whose reply is overdue."), ONLY),
    _filter("due_soon", _l("Only the items whose reply is due within the next days."), ONLY),
    _filter("replied", _l("Replied to (yes) or not yet (no)."), FLAG),
    _filter("on_time", _l("First replied to on time (yes) or late (no)."), FLAG),
    _filter("met", _l("The bureau met the submitter (yes) or not (no)."), FLAG),
    _filter(
        "handling",
        _l("Final satisfaction with the handling, where public."),
        {"type": "string", "enum": SATISFACTIONS},
    ),
    _filter(
        "result",
        _l("Final satisfaction with the result, where public."),
        {"type": "string", "enum": SATISFACTIONS},
    ),
    _filter(
        "q",
        _l("Words to search for in titles, texts and public replies."),
        {"type": "string", "maxLength": MAX_QUERY},
    ),
    Param(PAGE.name, PAGE.description, PAGE.schema, _passes),
    PER_PAGE,
)
ITEM_ID = PathParam(
    "item_id",
    _l("The item's id."),
    {"type": "integer", "minimum": 1, "maximum": MAX_INT},
    "1",
)


def _invalid(error: ParamError) -> InvalidParameter:
    return InvalidParameter(error.name, error.message())


def list_query() -> dict[str, str]:
    """The list's known parameters, normalised without the database (the view checks the reply
    class): the filters that reproduce it, page 1 left out, and ``per_page`` unless the default."""
    check_unknown([p.name for p in LIST_PARAMS])
    try:
        normalised = parse_filters(request.args, None).query_args()
    except ParamError as error:
        raise _invalid(error) from None
    return {**normalised, **read_params((PER_PAGE,))}


def filters_or_400(classes: list[ReplyClass]) -> ListFilters:
    try:
        return parse_filters(request.args, [c.code for c in classes])
    except ParamError as error:
        raise _invalid(error) from None


@api_get(
    api,
    "",
    schema=s.ProposalPageSchema,
    endpoint="index",
    summary=_l("Suggestions and proposals"),
    description=_l(
        "The suggestions and proposals the bureau handles, filtered and a page at a time, by"
        " year, number and id, with the total count. Replies and feedback appear only where"
        " they are public."
    ),
    query=list_query,
    by_day=True,
    tag="proposals",
    example="/api/v1/proposals?year=2025&status=closed",
)
def api_list() -> dict[str, Any]:
    filters = filters_or_400(reply_classes())
    size = int(request.args.get("per_page", queries.PER_PAGE))
    page = list_ids(filters, per_page=size)
    if page.page > page.pages:
        raise page_beyond_last(page.page, page.pages)
    extra: dict[str, Any] = {"per_page": str(size)} if size != queries.PER_PAGE else {}

    def link(number: int) -> str:
        return url_for("proposals_api.index", **filters.query_args(page=number), **extra)

    return {
        "items": [
            item_summary_json(item, today())
            for item in queries.items_by_id(get_session(), list(page.items))
        ],
        "page": page.page,
        "pages": page.pages,
        "per_page": page.per_page,
        "total": page.total,
        "filters": {**filters.query_args(page=1), **extra},
        "next": link(page.page + 1) if page.page < page.pages else None,
        "previous": link(page.page - 1) if page.page > 1 else None,
        "as_of": today().isoformat(),
        "data_version": data_version(),
    }


@api_get(
    api,
    "/<int:item_id>",
    schema=s.ProposalDetailSchema,
    endpoint="item",
    summary=_l("One suggestion or proposal"),
    description=_l(
        "An item with its rounds of handling and its timeline; the words of a reply, the"
        " follow-up notes and the submitter's feedback appear only where they are public."
    ),
    path_params=[ITEM_ID],
    not_found=True,
    by_day=True,
    tag="proposals",
    example="/api/v1/proposals/1",
)
def api_item(item_id: int) -> dict[str, Any]:
    found = item_or_404(item_id)
    view = item_view(get_session(), found, PUBLIC, today(), reply_classes())
    return {**item_detail_json(view), "as_of": today().isoformat(), "data_version": data_version()}


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


@api_get(
    api,
    "/stats",
    schema=s.ProposalStatsSchema,
    endpoint="stats",
    summary=_l("Statistics of suggestions and proposals"),
    description=_l(
        "Reply, on-time, meeting and satisfaction rates overall, by year, by type and by area,"
        " and the reply classes year by year, counted from public information only."
    ),
    by_day=True,
    tag="proposals",
    example="/api/v1/proposals/stats",
)
def api_stats() -> dict[str, Any]:
    figures = cached_stats(get_session(), today(), data_version())
    return stats_json(figures, reply_classes())
