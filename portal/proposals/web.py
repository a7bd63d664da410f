"""Reading a request the same way on the proposals' pages and in the open-data API: the list's
filters (400 if they do not parse), a page of the list or an item (404 if there is none), and
the reply classes of the scheme (read once per request)."""

from __future__ import annotations

from typing import Any

from flask import g, request
from flask_babel import gettext as _

from portal.db import get_session
from portal.pagination import Page, check_page
from portal.params import ParamError, bad_request, found_or_404
from portal.proposals import queries
from portal.proposals.filters import ListFilters, parse_filters
from portal.proposals.models import ProposalItem, ReplyClass
from portal.proposals.rules import rules, today


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
    check_page(
        page.page,
        page.pages,
        _("There is no page %(page)s: the list has %(pages)s.", page=page.page, pages=page.pages),
    )
    return page


def item_or_404(item_id: int) -> ProposalItem:
    return found_or_404(
        lambda found: queries.get_item(get_session(), found),
        item_id,
        _("There is no suggestion or proposal with the id %(id)s.", id=item_id),
    )
