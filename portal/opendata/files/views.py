"""The downloads page and the files it links to.

``/<lang>/data`` lists every public dataset version (paged) and the proposals' public content;
``/<lang>/data/<id>.<format>`` and ``/<lang>/data/proposals.<format>`` stream the files (csv, xlsx,
json, zip). Only the header row of a CSV or XLSX file is in the page's language.

Caching: a version never changes once published, so its files carry a strong ETag made of the
version, the format, the language and the file layout's revision. Those of a version read from
nothing else may be kept for a day without asking (not a year, nor ``immutable``: the address stays
the same when a release changes the layout or the headers' words); a spending version's files also
name its codes
and their areas from the live classification and mapping, so their ETag includes those versions and
they are revalidated each time (a 304 costs two indexed look-ups). The proposals' file changes with
every step recorded: its ETag is the data version's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from flask import Response, g, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound

from portal.db import database, get_session
from portal.downloads import attachment
from portal.errors import user_error
from portal.i18n import in_china
from portal.opendata.files import sources
from portal.opendata.files.fields import FIELDS
from portal.opendata.files.formats import csv_chunks, json_chunks, xlsx_chunks
from portal.opendata.files.package import LICENSE, package_chunks
from portal.opendata.files.sources import Download, Rows
from portal.pagination import check_page, paginate
from portal.params import int_param, shown
from portal.proposals.filters import MAX_PAGE
from portal.urls import public_url_for
from portal.web import cached_by_data_version, data_version, language_blueprint

data = language_blueprint("data", __name__, "/data")


#: Raised when the layout of a file changes (a field added, a format changed): part of every ETag.
LAYOUT = "r1"
DAY_SECONDS = 24 * 3600

#: Format → (media type, file extension).
FORMATS: dict[str, tuple[str, str]] = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "json": ("application/json", "json"),
    "zip": ("application/zip", "zip"),
}


def page_query() -> dict[str, str]:
    page = int_param("page", 1, low=1, high=MAX_PAGE, example="2") or 1
    return {"page": str(page)} if page != 1 else {}


@data.get("")
@cached_by_data_version(query=page_query)
def index() -> str:
    session = get_session()
    page_number = int(request.args.get("page", 1))
    page = paginate(session, sources.public_versions(), page_number, sources.PER_PAGE)
    check_page(page_number, page.pages)
    downloads = [Download.of(version) for version in page.items]
    proposals = sources.proposals_download(session) if page_number == 1 else None
    return render_template(
        "opendata/data.html",
        page=page,
        downloads=downloads,
        proposals=proposals,
        license=LICENSE,
        any_sample=any(d.sample for d in downloads) or bool(proposals and proposals.sample),
    )


def _no_version() -> NotFound:
    return user_error(NotFound, _("There is no published dataset version with that number."))  # type: ignore[return-value]


def format_or_404(fmt: str) -> str:
    if fmt not in FORMATS:
        raise user_error(
            NotFound,
            _(
                "There is no file format “%(format)s”. The formats are: %(formats)s.",
                format=shown(fmt),
                formats=", ".join(FORMATS),
            ),
        )
    return fmt


@data.get("/<int:version_id>.<fmt>")
def version_file(version_id: int, fmt: str) -> Response:
    format_or_404(fmt)
    session = get_session()
    version = sources.public_version(session, version_id)
    if version is None:
        raise _no_version()
    depends = sources.depends_on(session, version)
    etag = "-".join([f"d{version.id}", fmt, g.lang, LAYOUT, *(str(d) for d in depends)])
    cache = "public, max-age=0, must-revalidate" if depends else f"public, max-age={DAY_SECONDS}"
    if etag in request.if_none_match:
        return not_modified(etag, cache)
    download = Download.of(version)
    db = database()
    leaves_only = fmt == "zip" and download.fiscal
    if download.fiscal:
        rows: Rows = sources.spending_rows(session, db, version, leaves_only=leaves_only)
    else:
        rows = sources.version_rows(session, db, version)
    return file_response(download, fmt, rows, etag, cache)


@data.get("/proposals.<fmt>")
def proposals_file(fmt: str) -> Response:
    format_or_404(fmt)
    session = get_session()
    etag = f"v{data_version()}-proposals-{fmt}-{g.lang}-{LAYOUT}"
    cache = "public, max-age=0, must-revalidate"
    if etag in request.if_none_match:
        return not_modified(etag, cache)
    download = sources.proposals_download(session)
    if download is None:
        raise user_error(NotFound, _("No suggestions or proposals have been published yet."))
    return file_response(download, fmt, sources.proposal_rows(database()), etag, cache)


def not_modified(etag: str, cache: str) -> Response:
    response = Response(status=304)
    response.set_etag(etag)
    response.headers["Cache-Control"] = cache
    return response


def file_name(download: Download, extension: str) -> tuple[str, str]:
    """The file's name (its title, in the page's language) and an ASCII name for old clients."""
    title = download.title if g.lang == "zh" else download.title_en
    suffix = f"-v{download.number}" if download.number is not None else ""
    parts = [download.key, str(download.year or ""), download.stage, f"v{download.number or ''}"]
    ascii_name = "-".join(p for p in parts if p and p != "v")
    return f"{title}{suffix}.{extension}", f"{ascii_name}.{extension}"


def dataset_meta(download: Download) -> dict[str, Any]:
    """What the JSON file says of itself."""
    return {
        "title": download.title,
        "title_en": download.title_en,
        "kind": download.key,
        "year": download.year or None,
        "stage": download.stage or None,
        "level": download.level or None,
        "version": download.number,
        "current": download.current,
        "published_at": in_china(download.published_at).isoformat()
        if download.published_at
        else None,
        "source": download.source,
        "source_en": download.source_en,
        "source_url": download.source_url,
        "sha256": download.sha256,
        "sample": download.sample,
        "row_count": download.row_count,
        "license": LICENSE,
        "amounts": "integer yuan, rounded to the yuan; *_fen: exact, in fen (0.01 yuan)",
    }


def file_response(download: Download, fmt: str, rows: Rows, etag: str, cache: str) -> Response:
    fields = FIELDS[download.key]
    header = [field.header() for field in fields]
    mimetype, extension = FORMATS[fmt]
    writers: dict[str, Callable[[], Iterator[bytes]]] = {
        "csv": lambda: csv_chunks(fields, rows, header),
        "xlsx": lambda: xlsx_chunks(fields, rows, header),
        "json": lambda: json_chunks(fields, rows, dataset_meta(download)),
        "zip": lambda: package_chunks(download, fields, rows, public_url_for("data.index")),
    }
    response = Response(writers[fmt](), mimetype=mimetype)
    response.headers["Content-Disposition"] = attachment(*file_name(download, extension))
    response.set_etag(etag)
    response.headers["Cache-Control"] = cache
    if download.sample:
        response.headers["X-Sample-Data"] = "true"
    return response
