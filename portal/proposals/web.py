"""Reading a request the same way on the proposals' pages and in the open-data API: the list's
filters (400 if they do not parse), a page of the list or an item (404 if there is none), and
the reply classes of the scheme (read once per request). The public list's pages come from the
in-memory index of :mod:`portal.proposals.list_index` unless they search the text."""

from __future__ import annotations

from typing import Any

from flask import g, request
from flask_babel import gettext as _

from portal.db import get_session
from portal.pagination import Page, check_page
from portal.params import ParamError, bad_request, found_or_404
from portal.proposals import queries
from portal.proposals.caching import by_data_version
from portal.proposals.filters import ListFilters, parse_filters
from portal.proposals.list_index import ListIndex, answers, build_index
from portal.proposals.models import ProposalItem, ReplyClass
from portal.proposals.rules import rules, today
from portal.web import data_version

#: How many indexes of the list a worker keeps (data versions × days): a request that still reads
#: the previous version may come in just after a publish.
KEPT_INDEXES = 3


def reply_classes() -> list[ReplyClass]:
    if "proposal_classes" not in g:
        g.proposal_classes = queries.reply_classes(get_session())
    classes: list[ReplyClass] = g.proposal_classes
    return classes


def filters_or_400() -> ListFilters:
    try:
        return parse_filters(request.args, [c.code for c in reply_classes()])
    except ParamError as error:
        raise bad_request(error) from None


def list_query() -> dict[str, str]:
    """The list's known parameters, normalised without the database (the page checks the class):
    the filters that reproduce it, page 1 left out."""
    try:
        return parse_filters(request.args, None).query_args()
    except ParamError as error:
        raise bad_request(error) from None


def page_or_404(filters: ListFilters, **kwargs: Any) -> Page[ProposalItem]:
    page = queries.list_page(
        get_session(), filters, today(), soon_days=rules().due_soon_days, **kwargs
    )
    _check(page)
    return page


def list_index() -> ListIndex:
    """The list's index for this request's data version and day (built on first use)."""
    day = today()
    soon_days = rules().due_soon_days
    return by_data_version(
        "list_index",
        (data_version(), day, soon_days),
        lambda: build_index(get_session(), day, soon_days),
        keep=KEPT_INDEXES,
    )


def list_ids(filters: ListFilters, per_page: int = queries.PER_PAGE) -> Page[int]:
    """The public list's page *filters* ask for, as item ids in list order: from the index, or
    from SQL for a text search."""
    if answers(filters):
        ids, total = list_index().page(filters, per_page)
        return Page(ids, total, filters.page, per_page)
    return queries.list_page_ids(
        get_session(), filters, today(), soon_days=rules().due_soon_days, per_page=per_page
    )


def list_ids_or_404(filters: ListFilters) -> Page[int]:
    page = list_ids(filters)
    _check(page)
    return page


def _check(page: Page[Any]) -> None:
    if page.page > page.pages:
        check_page(
            page.page,
            page.pages,
            _(
                "There is no page %(page)s: the list has %(pages)s.",
                page=page.page,
                pages=page.pages,
            ),
        )


def item_or_404(item_id: int) -> ProposalItem:
    return found_or_404(
        lambda found: queries.get_item(get_session(), found),
        item_id,
        _("There is no suggestion or proposal with the id %(id)s.", id=item_id),
    )
