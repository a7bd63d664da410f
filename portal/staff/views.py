"""The back office pages, ``/<lang>/staff/``: the datasets and their versions, the upload form
and its report, the preview of a version, and publish / restore / withdraw.

Editors and administrators only; every change goes through :mod:`portal.staff.services` (audited)
and is committed once, at the edge of the request."""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from pathlib import PurePosixPath
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from werkzeug.exceptions import Conflict, NotFound, RequestEntityTooLarge, ServiceUnavailable
from werkzeug.wrappers import Response

from portal.datasets.actions import flags_token, publish_flags
from portal.datasets.models import (
    DatasetKind,
    DatasetVersion,
    VersionStatus,
)
from portal.datasets.services import current_data_version, published_version, version_reading
from portal.datasets.transactions import is_locked_error
from portal.db import get_session
from portal.downloads import attachment
from portal.errors import handle_http_error, user_error
from portal.i18n import localized
from portal.pagination import check_page, page_count
from portal.params import choice_param, found_or_404, int_param
from portal.proposals.ledger import ledger_preview
from portal.roles import STAFF_ROLES, current_actor, roles_required
from portal.spending import city as city_facts
from portal.spending.aggregation import load_mapper
from portal.spending.queries import published_snapshot
from portal.spending.services import level_name
from portal.spending.upload import file_names
from portal.spending.upload.layout import note_names, role_names
from portal.spending.upload.vocabulary import STAGE_COLUMN
from portal.staff import handling, preview, services, version_tables
from portal.staff.city_forms import fact_labels
from portal.staff.forms import (
    LedgerUploadForm,
    SpendingUploadForm,
    UploadForm,
    VersionActionForm,
)
from portal.uploads.amounts import format_amount
from portal.uploads.files import TableSource
from portal.uploads.headers import template_csv
from portal.uploads.importing import ImportKind, import_kinds
from portal.uploads.units import Unit
from portal.web import language_blueprint, use_query

staff = language_blueprint("staff", __name__, "/staff")
handling.add_routes(staff)  # handling proposals is part of the back office


def version_state(version: DatasetVersion) -> str:
    if version.dataset.published_version_id == version.id:
        return _("Live: readers see this version")
    return {
        VersionStatus.DRAFT: _("Draft, not published"),
        VersionStatus.PUBLISHED: _("Published before; can be restored"),
        VersionStatus.WITHDRAWN: _("Withdrawn draft"),
    }[version.status]


def version_action(version: DatasetVersion) -> str | None:
    """What may be done to *version* now: ``publish`` a draft, ``restore`` an earlier published
    version (a proposals ledger is applied once: its steps stay on the timelines, so it is not
    restored), or nothing (``None``: the live version, a withdrawn draft)."""
    if version.status == VersionStatus.DRAFT:
        return "publish"
    live = version.dataset.published_version_id == version.id
    if version.status == VersionStatus.PUBLISHED and not live:
        return None if version.dataset.kind == DatasetKind.PROPOSALS else "restore"
    return None


@staff.context_processor
def _labels() -> dict[str, Any]:
    return {
        "version_action": version_action,
        "version_state": version_state,
        "level_label": level_name,
        "role_names": role_names,
        "note_names": note_names,
        "unit_label": unit_label,
        "fen_in_unit": fen_in_unit,
    }


def fen_in_unit(fen: int | None, unit: str | None) -> str:
    """Whole 分 as the table writes it, in its unit."""
    if fen is None:
        return "—"
    try:
        return format_amount(int(fen), Unit(unit or "wan"))
    except ValueError:
        return "—"


def unit_label(value: str | None) -> str:
    try:
        return str(Unit(value).label) if value else "—"
    except ValueError:
        return "—"


def kind_or_404(name: str) -> ImportKind:
    kind = import_kinds().get(name)
    if kind is None:
        raise user_error(NotFound, _("There is no upload of that kind."))
    return kind


def version_or_404(version_id: int) -> DatasetVersion:
    return found_or_404(
        lambda found: services.get_version(get_session(), found),
        version_id,
        _("There is no version %(id)s.", id=version_id),
    )


def upload_filename(name: str | None) -> str:
    """The name to keep: the file's own (Chinese included, unlike ``secure_filename``), without
    any path or control characters; it is only stored and sent back, never used as a path."""
    name = re.split(r"[\\/]", name or "")[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip(" .")
    return name[-200:] or "upload"


def database_busy(error: OperationalError) -> Exception:
    """SQLite still locked after the retries: a clear 503 rather than a 500."""
    get_session().rollback()
    if not is_locked_error(error):
        return error
    return user_error(
        ServiceUnavailable,
        _(
            "The database is busy with another change. Please try again in a minute; nothing was saved."
        ),
    )


@staff.errorhandler(RequestEntityTooLarge)
def file_too_large(error: RequestEntityTooLarge) -> ResponseReturnValue:
    limit = current_app.config["MAX_UPLOAD_MB"]
    message = _(
        "The file is larger than %(limit)s MB, the most this form takes. Nothing was saved. "
        "Larger tables can be imported on the server with “flask --app portal import”.",
        limit=limit,
    )
    return handle_http_error(user_error(RequestEntityTooLarge, message))


@staff.get("/")
@roles_required(*STAFF_ROLES)
def dashboard() -> str:
    return render_template(
        "staff/dashboard.html",
        datasets=services.datasets_overview(get_session()),
        kinds=import_kinds(),
        action_form=VersionActionForm(),
    )


@staff.route("/upload/<kind_name>", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def upload(kind_name: str) -> ResponseReturnValue:
    kind = kind_or_404(kind_name)
    form: UploadForm
    if kind.has_stage:
        form = SpendingUploadForm()
    else:
        form = UploadForm() if kind.needs_year else LedgerUploadForm()
    if not form.validate_on_submit():
        return render_template("staff/upload.html", kind=kind, form=form)
    file = form.file.data
    source = TableSource.from_stream(file.stream, upload_filename(file.filename))
    try:
        result = kind.run(get_session(), source, form.import_request(current_actor()))
    except OperationalError as error:
        raise database_busy(error) from error
    if not result.ok:
        layout = getattr(result, "layout", None)
        reading = (
            {
                "layout": layout.to_dict(),
                "file_totals": getattr(result, "file_totals", {}),
                "computed_totals": getattr(result, "computed_totals", {}),
            }
            if layout is not None
            else None
        )
        return (
            render_template(
                "staff/report.html",
                kind=kind,
                form=form,
                result=result,
                file=source,
                reading=reading,
            ),
            422,
        )
    flash(
        _(
            "The file was checked and saved as draft version %(number)s (%(rows)s rows). "
            "Look at what publishing it would change, then publish it.",
            number=result.version_number,
            rows=result.rows,
        )
    )
    return redirect(url_for("staff.version", version_id=result.version_id), code=303)


@staff.get("/versions/<int:version_id>")
@roles_required(*STAFF_ROLES)
def version(version_id: int) -> str:
    session = get_session()
    item = version_or_404(version_id)
    action_form = VersionActionForm()
    compared = preview.compared_version(session, item)
    old_id = compared.id if compared else None
    context: dict[str, Any] = {}
    kind = item.dataset.kind
    if kind == DatasetKind.SPENDING:
        page = int_param("page", 1, low=1, example="2") or 1
        cache = preview.preview_cache()
        pair = (*preview.version_key(item), *preview.version_key(compared))
        counts = cache.get_or_compute(
            ("counts", *pair), lambda: preview.line_change_counts(session, item.id, old_id)
        )
        # By default the first list with lines in it (a first version only adds).
        default = next((k for k in preview.CHANGE_KINDS[::-1] if counts[k]), "changed")
        shown = choice_param("list", preview.CHANGE_KINDS, default) or default
        pages = page_count(counts[shown], preview.PAGE_SIZE)
        check_page(page, pages)
        use_query({"list": shown, **({"page": str(page)} if page > 1 else {})})
        mapper = load_mapper(session)
        mapping = preview.version_key(published_version(session, DatasetKind.MAPPING))

        def areas_of(version: DatasetVersion | None) -> dict[str, Any]:
            if version is None:
                return {}
            return cache.get_or_compute(
                ("areas", *preview.version_key(version), *mapping),
                lambda: preview.area_figures(session, version.id, mapper),
            )

        amount = STAGE_COLUMN.get(item.dataset.stage, "executed")
        # Flags depend on the draft and on what is published (the data version says when that
        # changed): paging through a large preview does not sum the lines again.
        flags = (
            cache.get_or_compute(
                ("flags", current_data_version(session), *preview.version_key(item)),
                lambda: list(publish_flags(session, item)),
            )
            if item.status == VersionStatus.DRAFT
            else []
        )
        if flags:
            action_form.confirm.data = flags_token(flags)
        changes = preview.line_changes(session, item.id, old_id, shown, page)
        names = _change_names(session, item, compared, [c.code for c in changes])
        areas = preview.compare_areas(areas_of(compared), areas_of(item), amount)
        context.update(
            reading=version_reading(item),
            flags=flags,
            counts=counts,
            shown=shown,
            page=page,
            pages=pages,
            line_lists=version_tables.line_lists(),
            areas_table=version_tables.areas_table(areas, amount),
            lines_table=version_tables.lines_table(changes, names, shown) if changes else None,
        )
    elif kind in preview.RECORD_MODELS:
        records = preview.record_changes(session, kind, item.id, old_id)
        context.update(records_table=version_tables.records_table(records) if records else None)
    elif kind == DatasetKind.CITY:
        context.update(
            city_changes=city_facts.compare_facts(
                city_facts.read_facts(session, old_id) if old_id else None,
                city_facts.read_facts(session, item.id),
            ),
            city_labels=fact_labels(),
        )
    elif kind == DatasetKind.PROPOSALS:
        try:
            context.update(ledger=ledger_preview(session, item))
        except OperationalError as error:
            raise database_busy(error) from error
    return render_template(
        "staff/version.html",
        item=item,
        compared=compared,
        action_form=action_form,
        **context,
    )


def _act(version_id: int, action: str) -> Response:
    form = VersionActionForm()
    if not form.validate_on_submit():
        raise user_error(Conflict, _("The form has expired. Reload the page and try again."))
    session = get_session()
    item = version_or_404(version_id)
    restoring = item.status == VersionStatus.PUBLISHED
    try:
        if action == "publish":
            confirm = form.confirm.data if form.confirmed.data else None
            services.publish(session, version_id, actor=current_actor(), confirm=confirm)
        else:
            services.withdraw(session, version_id, actor=current_actor())
    except services.StaffActionError as error:
        session.rollback()
        raise user_error(Conflict, str(error.message)) from None
    except OperationalError as error:
        raise database_busy(error) from error
    if action == "withdraw":
        flash(
            _(
                "Version %(number)s was withdrawn. It is kept, but can no longer be published.",
                number=item.number,
            )
        )
    elif restoring:
        flash(_("Version %(number)s is published again. Readers see it now.", number=item.number))
    else:
        flash(_("Version %(number)s is published. Readers see it now.", number=item.number))
    return redirect(url_for("staff.dashboard", _anchor=f"dataset-{item.dataset_id}"), code=303)


@staff.post("/versions/<int:version_id>/publish")
@roles_required(*STAFF_ROLES)
def publish(version_id: int) -> Response:
    """Publish a draft, or restore an earlier version (publish it again)."""
    return _act(version_id, "publish")


@staff.post("/versions/<int:version_id>/withdraw")
@roles_required(*STAFF_ROLES)
def withdraw(version_id: int) -> Response:
    return _act(version_id, "withdraw")


def _change_names(
    session: Session, item: DatasetVersion, compared: DatasetVersion | None, codes: list[str]
) -> dict[str, str]:
    """A name for each code of the lines shown: the classification's for the table's year, or
    the name the file gave a code the classification lacks."""
    snap = published_snapshot(session, current_data_version(session))
    year = item.dataset.year or 0
    names: dict[str, str] = {}
    for code in codes:
        found = snap.code_name(code, year)
        if found is not None:
            names[code] = localized(found.name_zh, found.name_en)
    names.update(file_names(session, compared.id) if compared else {})
    names.update(file_names(session, item.id))
    return names


@staff.get("/versions/<int:version_id>/original")
@roles_required(*STAFF_ROLES)
def original(version_id: int) -> Response:
    """The file exactly as it was uploaded (its SHA-256 is on the version's page)."""
    item = version_or_404(version_id)
    content = item.original_file or b""
    name = item.original_filename or f"version-{item.id}"
    mimetype = mimetypes.guess_type(PurePosixPath(name).name)[0] or "application/octet-stream"
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = attachment(name)
    response.headers["Cache-Control"] = "no-store"
    return response


@staff.get("/templates/<kind_name>.csv")
@roles_required(*STAFF_ROLES)
def template(kind_name: str) -> Response:
    """A CSV template (headers in the page's language and one example row)."""
    kind = kind_or_404(kind_name)
    lang = "zh" if request.path.startswith("/zh/") else "en"
    response = Response(template_csv(kind.columns, lang), mimetype="text/csv")
    response.headers.set(
        "Content-Disposition", "attachment", filename=f"{kind.name}-template-{lang}.csv"
    )
    return response
