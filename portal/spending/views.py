"""Public spending pages: home, one page per area, about the data, and table downloads."""

from __future__ import annotations

from flask import Response, g, render_template, request
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound

from portal.errors import user_error
from portal.params import shown
from portal.spending import services, tables
from portal.spending.areas import AREAS
from portal.spending.queries import CityNames
from portal.spending.web import (
    area_or_404,
    published_year,
    requested_year,
    snapshot,
    year_or_404,
    year_query,
)
from portal.web import cached_by_data_version, language_blueprint

pages = language_blueprint("pages", __name__)


@pages.record_once
def _template_globals(state: BlueprintSetupState) -> None:
    # Globals (not a context processor) so that imported macros see them too.
    state.app.jinja_env.globals.update(
        all_areas=AREAS,
        status_label=tables.status_label,
        published_city=published_city,
        level_name=services.level_name,
    )


def published_city() -> CityNames | None:
    """The published names of the city and its bureau, for the layout's brand line and page
    titles; ``None`` while none are published."""
    try:
        return snapshot().city_profile
    except Exception:
        # The layout is also the error page of a database that cannot be reached (whose driver
        # raises its own errors): it then goes without the names rather than fail again.
        return None


def table_query() -> dict[str, str]:
    """The known parameters of a table download: the year and the area (which must be one)."""
    slug = (request.args.get("area") or "").strip()
    if slug:
        area_or_404(slug)
    return {**year_query(), **({"area": slug} if slug else {})}


@pages.get("/")
@cached_by_data_version(query=year_query)
def home() -> str:
    snap = snapshot()
    spending = published_year(snap)
    if spending is None:
        return render_template("spending/empty.html", snap=snap, area=None)
    return render_template(
        "spending/home.html",
        snap=snap,
        spending=spending,
        headline=services.livelihood_headline(snap, spending),
        areas=services.areas_for_year(snap, spending),
        areas_table=tables.areas_table(snap, spending),
        totals_table=tables.totals_table(snap),
        projects_table=tables.projects_table(snap, spending.year, None),
        projects=snap.projects.get(spending.year, []),
        chart_lang=g.lang,
    )


@pages.get("/areas/<slug>")
@cached_by_data_version(query=year_query)
def area(slug: str) -> str:
    area = area_or_404(slug)
    snap = snapshot()
    spending = published_year(snap)
    if spending is None:
        return render_template("spending/empty.html", snap=snap, area=area)
    contexts = services.area_national_contexts(snap, slug)
    return render_template(
        "spending/area.html",
        snap=snap,
        spending=spending,
        area=area,
        item=services.area_year(snap, spending, area),
        trend_table=tables.trend_table(snap, slug),
        lines_table=tables.lines_table(snap, spending, slug),
        indicators_table=tables.indicators_table(snap, spending.year, slug),
        projects_table=tables.projects_table(snap, spending.year, slug),
        national=[(c, tables.national_table(c)) for c in contexts],
        areas=AREAS,
    )


@pages.get("/about-data")
@cached_by_data_version
def about_data() -> str:
    snap = snapshot()
    return render_template(
        "spending/about.html",
        snap=snap,
        mapping_table=tables.mapping_table(snap),
        provenances=sorted(snap.provenance.values(), key=lambda p: (p.kind, p.year)),
        national_sources=sorted(snap.national.values(), key=lambda r: (r.year, r.function)),
    )


@pages.get("/download/<name>.csv")
@cached_by_data_version(query=table_query)
def table_csv(name: str) -> Response:
    snap = snapshot()
    slug = request.args.get("area") or None
    if slug is not None:
        area_or_404(slug)
    year = requested_year()
    if year is not None and snap.years and year not in snap.spending:
        year_or_404(snap)
    table = tables.build_named_table(snap, name, tables.TableArgs(year=year, slug=slug))
    if table is None and not snap.years:  # nothing published yet: the columns, no rows
        table = tables.empty_table(name, slug)
    if table is None:
        raise user_error(NotFound, _("There is no table called “%(name)s”.", name=shown(name)))
    filename = "-".join(str(p) for p in (name, slug, year, g.lang) if p) + ".csv"
    return Response(
        table.to_csv(_("10,000 yuan")),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
