"""Public pages (list, item, statistics, feed, downloads) and the deputy's pages; the JSON API is
:mod:`portal.opendata.proposals`."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from flask import (
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import exists, select
from sqlalchemy.orm import Session
from werkzeug.exceptions import NotFound

from portal.db import distinct_values, get_session
from portal.errors import user_error
from portal.i18n import current_lang
from portal.pagination import Page
from portal.params import ParamError, bad_request, int_id_or_404, int_param, shown
from portal.proposals import labels, queries, services
from portal.proposals.caching import by_data_version, cached_by_data_version_and_day
from portal.proposals.filters import MAX_PAGE, REPLYING, ListFilters, parse_filters
from portal.proposals.forms import FeedbackForm
from portal.proposals.models import (
    AWAITING_BUREAU,
    HandlingRole,
    ItemKind,
    ProposalItem,
    Satisfaction,
    Status,
)
from portal.proposals.presenters import (
    budget_lines,
    item_view,
)
from portal.proposals.rules import rules, today
from portal.proposals.stats import cached_stats
from portal.proposals.tables import budget_table, list_table, stats_tables
from portal.proposals.visibility import PUBLIC, current_viewer
from portal.proposals.web import (
    filters_or_400,
    item_or_404,
    list_ids_or_404,
    list_index,
    list_query,
    page_or_404,
    reply_classes,
)
from portal.roles import Role, current_actor, roles_required
from portal.spending.areas import AREAS
from portal.spending.queries import published_snapshot
from portal.web import cached_by_data_version, data_version, language_blueprint, use_query

pages = language_blueprint("proposals", __name__, "/proposals")
my = language_blueprint("proposals_my", __name__, "/my/proposals")

# -- shared --------------------------------------------------------------------------------------


def page_query() -> dict[str, str]:
    """Only the page number (the deputy's list)."""
    page = int_param("page", 1, low=1, high=MAX_PAGE)
    return {"page": str(page)} if page != 1 else {}


def no_table(name: str) -> str:
    return _("There is no table called “%(name)s”.", name=shown(name))


def has_sample(session: Session) -> bool:
    if "proposal_sample" not in g:
        g.proposal_sample = by_data_version(
            "has_sample",
            (data_version(),),
            lambda: bool(session.scalar(select(exists().where(ProposalItem.sample.is_(True))))),
        )
    return bool(g.proposal_sample)


def samples_mixed(items: list[ProposalItem]) -> bool:
    """Whether sample and real items are listed together: then each sample card is tagged;
    otherwise the page's banner says it once."""
    samples = sum(1 for item in items if item.sample)
    return 0 < samples < len(items)


def has_items(session: Session) -> bool:
    """Whether any suggestion or proposal is there at all (else the pages say none is yet)."""
    return by_data_version(
        "has_items",
        (data_version(),),
        lambda: session.scalar(select(ProposalItem.id).limit(1)) is not None,
    )


def filter_options() -> dict[str, list[tuple[str, str]]]:
    """Every choice of the list's filter form: (value, label), once per data version and
    language (the years and the reply classes are data; nothing here depends on the filters)."""
    return by_data_version("filter_options", (data_version(), current_lang()), _filter_options)


def _filter_options() -> dict[str, list[tuple[str, str]]]:
    years = distinct_values(get_session(), ProposalItem.year, descending=True)
    return {
        "year": [(str(y), str(y)) for y in years],
        "type": [(k.value, labels.kind_label(k)) for k in ItemKind],
        "status": [(s.value, labels.status_label(s)) for s in Status],
        "area": [(a.slug, str(a.name)) for a in AREAS],
        "role": [
            (REPLYING, _("The bureau replies (sole, lead or split)")),
            *((r.value, labels.role_label(r)) for r in HandlingRole),
        ],
        "class": [(c.code, labels.class_label(c.code, reply_classes())) for c in reply_classes()],
        "satisfaction": [(s.value, labels.satisfaction_label(s)) for s in Satisfaction],
    }


def list_filters_or_400() -> ListFilters:
    """The list's filters, as :func:`~portal.proposals.web.filters_or_400` reads them, with the
    reply classes' codes read once per data version rather than on every page."""
    codes = by_data_version(
        "class_codes", (data_version(),), lambda: [c.code for c in reply_classes()]
    )
    try:
        return parse_filters(request.args, codes)
    except ParamError as error:
        raise bad_request(error) from None


#: The list's menus, by parameter (translated only when a menu's fragment is rendered).
SELECT_LABELS = {
    "year": _l("Year"),
    "type": _l("Type"),
    "status": _l("Status"),
    "area": _l("Area"),
    "role": _l("The bureau's role"),
    "class": _l("Reply class"),
}

#: How many rendered cards of the list are kept (per language, day and data version).
KEPT_CARDS = 2048


def list_cards(ids: list[int], mark_samples: bool) -> list[Markup]:
    """Each item's card on the list, rendered once per data version, language and day (its due
    text changes at midnight) and reused by every combination of filters that lists it: only
    the items whose card is not kept yet are read from the database."""
    cards: OrderedDict[tuple[Any, ...], Markup] = current_app.extensions.setdefault(
        "proposals.list_cards", OrderedDict()
    )
    day = today()
    version = (data_version(), current_lang(), day, request.script_root, mark_samples)
    keys = [(*version, item_id) for item_id in ids]
    found = {key: cards.get(key) for key in keys}
    missing = [key[-1] for key, card in found.items() if card is None]
    if missing:
        macro = current_app.jinja_env.get_template("proposals/_macros.html").module.item_card  # type: ignore[attr-defined]
        for item in queries.items_by_id(get_session(), missing):
            # An autoescaping template's macro returns Markup, escaped as it was rendered.
            found[(*version, item.id)] = cards[(*version, item.id)] = macro(
                item,
                day,
                AWAITING_BUREAU,
                url_for("proposals.detail", item_id=item.id),
                mark_sample=mark_samples,
            )
        while len(cards) > KEPT_CARDS:
            cards.popitem(last=False)
    return [card for card in found.values() if card is not None]


# -- public pages --------------------------------------------------------------------------------


@pages.get("")
@cached_by_data_version_and_day(query=list_query)
def index() -> str:
    filters = list_filters_or_400()
    page = list_ids_or_404(filters)
    session = get_session()
    samples = list_index().samples
    mark_samples = 0 < sum(1 for item_id in page.items if item_id in samples) < len(page.items)
    return render_template(
        "proposals/list.html",
        page=page,
        cards=list_cards(list(page.items), mark_samples),
        filters=filters,
        today=today(),
        options=filter_options(),
        csv_url=url_for("proposals.table_csv", name="list", **filters.query_args(page=1)),
        proposals_sample=has_sample(session),
        any_items=has_items(session),
        awaiting=AWAITING_BUREAU,
        options_version=data_version(),  # the menus' years and classes are data
        select_labels=SELECT_LABELS,
        rules=rules(),
    )


@pages.get("/<int:item_id>")
@cached_by_data_version_and_day
def detail(item_id: int) -> str:
    item = item_or_404(item_id)
    session = get_session()
    view = item_view(session, item, current_viewer(), today(), reply_classes())
    lines = budget_lines(published_snapshot(session, data_version()), item)
    return render_template(
        "proposals/detail.html",
        view=view,
        item=item,
        budget=budget_table(lines, item.id) if lines else None,
        proposals_sample=item.sample,
    )


@pages.get("/stats")
@cached_by_data_version_and_day
def stats() -> str:
    session = get_session()
    figures = cached_stats(session, today(), data_version())
    return render_template(
        "proposals/stats.html",
        stats=figures,
        overall=figures.overall,
        tables=stats_tables(figures, reply_classes()),
        classes=reply_classes(),
        proposals_sample=has_sample(session),
        any_items=has_items(session),
        list_url=url_for("proposals.index", role=REPLYING),
    )


@pages.get("/feed.atom")
@cached_by_data_version
def feed() -> Response:
    items = queries.latest_public_replies(get_session(), limit=30)
    entries = []
    for item in items:
        reply = next((r for r in reversed(item.replies) if r.replied_on == item.replied_on), None)
        view = item_view(get_session(), item, PUBLIC, today(), reply_classes())
        latest = next((r for r in reversed(view.rounds) if r.reply is not None), None)
        entries.append({"item": item, "reply": reply, "round": latest})
    body = render_template(
        "proposals/feed.xml",
        entries=entries,
        updated=max((i.published_on for i in items if i.published_on), default=None),
        classes=reply_classes(),
    )
    return Response(body, mimetype="application/atom+xml")


@pages.get("/download/<name>.csv")
@cached_by_data_version_and_day(query=list_query)
def table_csv(name: str) -> Response:
    session = get_session()
    if name == "list":
        filters = filters_or_400()
        items = queries.all_matching(session, filters, today(), rules().due_soon_days)
        table = list_table(items, today(), reply_classes(), filters)
    elif name.startswith("budget-"):
        item = item_or_404(int_id_or_404(name.removeprefix("budget-"), no_table(name)))
        table = budget_table(
            budget_lines(published_snapshot(session, data_version()), item), item.id
        )
    else:
        tables = stats_tables(cached_stats(session, today(), data_version()), reply_classes())
        if name not in tables:
            raise user_error(NotFound, no_table(name))
        table = tables[name]
    filename = f"proposals-{name}-{g.lang}.csv"
    return Response(
        table.to_csv(_("10,000 yuan")),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# -- the deputy's pages --------------------------------------------------------------------------


@my.get("", endpoint="index")
@roles_required(Role.DEPUTY)
def my_index() -> str:
    use_query(page_query())
    filters = ListFilters(page=int(request.args.get("page", 1)))
    submitter_id = current_user.submitter_id
    page = (
        page_or_404(filters, submitter_id=submitter_id)
        if submitter_id is not None
        else Page([], 0, 1, queries.PER_PAGE)
    )
    return render_template(
        "proposals/my.html",
        page=page,
        mark_samples=samples_mixed(list(page.items)),
        today=today(),
        classes=reply_classes(),
        linked=submitter_id is not None,
        proposals_sample=any(i.sample for i in page.items),
        awaiting=AWAITING_BUREAU,
    )


@my.route("/<int:item_id>", methods=["GET", "POST"], endpoint="item")
@roles_required(Role.DEPUTY)
def my_item(item_id: int) -> Any:
    session = get_session()
    item = item_or_404(item_id)
    viewer = current_viewer()
    if viewer.submitter_id not in item.submitter_ids:
        raise user_error(NotFound, _("This item is not one of yours."))
    view = item_view(session, item, viewer, today(), reply_classes())
    form = FeedbackForm()
    refused = None
    lead = viewer.submitter_id == item.lead_submitter_id
    if request.method == "POST":
        if not lead:
            refused = _("Only the lead submitter can give feedback on this item.")
        elif form.validate_on_submit():
            try:
                if form.round.data != str(view.derived.rounds):
                    raise services.ProposalError(
                        _(
                            "The item has changed since you opened the page: please look at it again."
                        )
                    )
                services.give_feedback(
                    session,
                    item,
                    submitter_id=viewer.submitter_id,
                    handling=Satisfaction(form.handling.data),
                    result=Satisfaction(form.result.data),
                    comment=(form.comment.data or "").strip(),
                    on=today(),
                    actor=current_actor(),
                )
            except services.ProposalError as error:
                refused = str(error.message)
            else:
                flash(_("Thank you: your feedback has been recorded."))
                return redirect(url_for("proposals_my.item", item_id=item.id))
    form.round.data = str(view.derived.rounds)
    status = 200 if refused is None and not form.errors else (409 if refused else 400)
    body = render_template(
        "proposals/my_item.html",
        view=view,
        item=item,
        form=form,
        lead=lead,
        refused=refused,
        proposals_sample=item.sample,
    )
    response = Response(body, status=status)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# -- panels on other pages (Jinja globals) -------------------------------------------------------


def area_panel(slug: str) -> dict[str, Any]:
    """The items that concern an area, for the area page (no day-dependent text: that page is
    cached by data version only)."""
    total, items = queries.area_items(get_session(), slug, limit=5)
    return {
        "total": total,
        "items": items,
        "list_url": url_for("proposals.index", area=slug),
        "sample": any(i.sample for i in items),
    }


def latest_replies(limit: int = 4) -> list[dict[str, Any]]:
    """The latest public replies, for the home page."""
    result = []
    for item in queries.latest_public_replies(get_session(), limit=limit):
        view = item_view(get_session(), item, PUBLIC, today(), reply_classes())
        latest = next((r for r in reversed(view.rounds) if r.reply is not None), None)
        result.append({"item": item, "round": latest})
    return result
