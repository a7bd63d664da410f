"""Embeddable charts: one chart with its table and a link back, on a page any site may frame
(``/<lang>/embed/overview`` and ``/<lang>/embed/areas/<slug>``, with ``?year=`` as on the full
pages). Every other page refuses to be framed (:mod:`portal.security`)."""

from __future__ import annotations

from flask import render_template
from markupsafe import escape
from werkzeug.wrappers import Response as WerkzeugResponse

from portal.security import FRAMEABLE_CONTENT_SECURITY_POLICY
from portal.spending import tables
from portal.spending.web import area_or_404, published_year, snapshot, year_query
from portal.urls import public_url_for
from portal.web import cached_by_data_version, language_blueprint

embed = language_blueprint("embed", __name__, "/embed")

#: The height of the ``<iframe>`` the snippet suggests, in CSS pixels: the title, the chart and
#: the table's folded summary, the source line and the link back, on a phone.
EMBED_HEIGHT = 600


@embed.after_request
def _frameable(response: WerkzeugResponse) -> WerkzeugResponse:
    # After the cache (which keeps only a body's type), so a cached page, a 304 and an error page
    # of an embed address all say the same: any site may frame them.
    response.headers["Content-Security-Policy"] = FRAMEABLE_CONTENT_SECURITY_POLICY
    response.headers.pop("X-Frame-Options", None)
    return response


@embed.get("/overview")
@cached_by_data_version(query=year_query)
def overview() -> str:
    snap = snapshot()
    spending = published_year(snap)
    return render_template(
        "opendata/embed_overview.html",
        snap=snap,
        spending=spending,
        table=tables.areas_table(snap, spending) if spending else None,
    )


@embed.get("/areas/<slug>")
@cached_by_data_version(query=year_query)
def area(slug: str) -> str:
    area = area_or_404(slug)
    snap = snapshot()
    spending = published_year(snap)
    return render_template(
        "opendata/embed_area.html",
        snap=snap,
        spending=spending,
        area=area,
        table=tables.trend_table(snap, slug) if spending else None,
    )


def embed_code(endpoint: str, title: str, **values: str | int) -> str:
    """The ``<iframe>`` a reader copies to show the chart of *endpoint* on their own page: at the
    public address, sized for the chart with its folded table, titled for screen readers."""
    src = public_url_for(endpoint, **values)
    return (
        f'<iframe src="{escape(src)}" title="{escape(title)}" width="100%" height="{EMBED_HEIGHT}"'
        ' frameborder="0" loading="lazy"></iframe>'
    )
