"""Importing a spending table as published — title and unit rows, a header over several rows with
merged cells, split 类/款/项 codes, a totals row, 元 or 万元 — as a draft version of its year, stage
and level. Nothing is written when the table has an error."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from portal.datasets.models import CITYWIDE, DatasetKind, DatasetVersion
from portal.datasets.services import published_version
from portal.spending.aggregation import load_mapper
from portal.spending.models import CodeName, FileCodeName
from portal.spending.queries import COMPLETE_CLASSES
from portal.spending.upload.check import Classification, SpendingCheck
from portal.spending.upload.insert import insert_spooled_lines
from portal.spending.upload.layout import (
    LAYOUT_ROWS,
    LayoutRequest,
    SpendingLayout,
    find_layout,
)
from portal.spending.upload.spool import Spool
from portal.spending.upload.vocabulary import STAGE_COLUMN
from portal.uploads.files import TableFileError, TableFormat, TableSource, inspect_file
from portal.uploads.importing import (
    ImportProgress,
    ImportRequest,
    ImportResult,
    phase,
    table_source,
    write_version,
)
from portal.uploads.problems import Problem, Severity
from portal.uploads.rows import Row, open_rows

#: Warnings kept with the version (in both languages) for its page.
KEPT_WARNINGS = 200


@dataclass
class SpendingImportResult(ImportResult):
    layout: SpendingLayout | None = None
    #: The table's totals row, in 分 (empty when it has none).
    file_totals: dict[str, int] = field(default_factory=dict)
    #: The sums of its top rows (its classes), in 分.
    computed_totals: dict[str, int] = field(default_factory=dict)


def classification_for(session: Session, year: int) -> Classification:
    """The codes the published classification lists for *year* (or the nearest year it has)."""
    version = published_version(session, DatasetKind.CLASSIFICATION)
    if version is None:
        return Classification(None, None)
    years = sorted(
        set(session.scalars(select(CodeName.year).where(CodeName.version_id == version.id)))
    )
    if not years:
        return Classification(frozenset(), None)
    used = min(years, key=lambda y: (abs(y - year), -y))
    codes = session.scalars(
        select(CodeName.code).where(CodeName.version_id == version.id, CodeName.year == used)
    )
    return Classification(frozenset(codes), used)


def import_spending(
    session: Session,
    source: TableSource | str | Path,
    request: ImportRequest,
    *,
    progress: ImportProgress | None = None,
) -> SpendingImportResult:
    """Check a spending table and, if it has no error, add it as a draft version of the year,
    stage and level (citywide unless the request names one), published if asked. The request's
    *unit* is the form's (needed when the table does not state one; refused when it states
    another); its *columns* correct what columns hold (role → 0-based column)."""
    if request.stage not in STAGE_COLUMN:
        raise ValueError(f"not a spending stage: {request.stage!r}")
    if not request.level:
        request = replace(request, level=CITYWIDE)
    year = request.table_year()
    table = table_source(source)
    result = SpendingImportResult("spending")
    log = result.problems
    try:
        table_format = inspect_file(table)
    except TableFileError as error:
        log.add(error.problem)
        return result
    result.sha256 = table_format.sha256
    classification = classification_for(session, year)
    if classification.codes is None:
        log.add(
            Problem(
                _l("No classification is published, so the codes were not checked against it."),
                severity=Severity.WARNING,
            )
        )
    layout_request = LayoutRequest(
        request.stage, request.unit, dict(request.columns), request.header_row
    )
    with Spool() as spool:
        check = _check(
            session,
            table,
            table_format,
            layout_request,
            year,
            classification,
            result,
            spool,
            progress,
        )
        if check is None or log.has_errors:
            return result
        result.reading = _reading(check, result)
        write_version(
            session,
            table,
            request,
            DatasetKind.SPENDING,
            spool.lines,
            lambda version: _fill(session, version, spool, check, progress),
            result,
        )
    return result


def _check(
    session: Session,
    table: TableSource,
    table_format: TableFormat,
    layout_request: LayoutRequest,
    year: int,
    classification: Classification,
    result: SpendingImportResult,
    spool: Spool,
    progress: ImportProgress | None,
) -> SpendingCheck | None:
    log = result.problems
    try:
        with open_rows(table, table_format, phase(progress, "check")) as rows:
            first: list[Row] = []
            for row in rows:
                first.append(row)
                if len(first) >= LAYOUT_ROWS:
                    break
            layout, problems = find_layout(first, rows.merges, layout_request, year)
            result.layout = layout
            log.extend(problems)
            if layout is None or log.has_errors:
                return None
            assert layout.unit is not None
            check = SpendingCheck(
                layout=layout,
                year=year,
                stage=layout_request.stage,
                unit=layout.unit,
                classification=classification,
                mapper=load_mapper(session),
                log=log,
                spool=spool,
            )
            check.check(rows, first)
        if check.suspected_duplicates:
            with open_rows(table, table_format) as rows:
                check.confirm_duplicates(rows)
    except TableFileError as error:
        log.add(error.problem)
        return None
    check.finish()
    result.rows = check.rows
    result.file_totals = check.file_totals()
    result.computed_totals = check.computed_totals()
    return check


def _reading(check: SpendingCheck, result: SpendingImportResult) -> dict[str, Any]:
    """What is kept with the version of how its file was read, and its warnings in both
    languages."""
    warnings = []
    for problem in result.warnings[:KEPT_WARNINGS]:
        texts = {}
        for lang, locale in (("zh", "zh_CN"), ("en", "en")):
            with force_locale(locale):
                texts[lang] = problem.describe()
        warnings.append(texts)
    classes = check.classes()
    return {
        "layout": check.layout.to_dict(),
        "file_totals": result.file_totals,
        "computed_totals": result.computed_totals,
        "classes": classes,
        "complete": len(classes) >= COMPLETE_CLASSES,
        "classification_year": check.classification.year,
        "unlisted": sorted(check.unlisted),
        "warnings": warnings,
        "more_warnings": max(result.problems.warnings - len(warnings), 0),
    }


def _fill(
    session: Session,
    version: DatasetVersion,
    spool: Spool,
    check: SpendingCheck,
    progress: ImportProgress | None,
) -> int:
    written = insert_spooled_lines(session, version.id, spool, phase(progress, "write"))
    if check.names:
        session.execute(
            insert(FileCodeName),
            [
                {"version_id": version.id, "code": code, "name": name}
                for code, name in sorted(check.names.items())
            ],
        )
    return written


def file_names(session: Session, version_id: int) -> dict[str, str]:
    """The names a version's file gives its codes."""
    rows = session.execute(
        select(FileCodeName.code, FileCodeName.name).where(FileCodeName.version_id == version_id)
    )
    return {code: name for code, name in rows}
