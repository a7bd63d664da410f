"""Importing a table as a draft dataset version: the one engine behind the upload form and
``flask --app portal import``.

An import has two phases. The *check* reads the whole file once, streaming, and reports every
problem (:mod:`portal.staff.validation`); nothing is written while it runs, and if it finds an error
nothing is written at all. The *write* then creates the version (with the original file and its
SHA-256), inserts the checked lines in chunks, records the upload in the audit log and, if asked,
publishes — all in the caller's transaction, which the caller commits once: an import lands
entirely or not at all, whenever the process dies.

Adding a kind of table: describe its columns with
:class:`~portal.staff.reading.ColumnSpec`, read it with :func:`~portal.staff.reading.open_rows` and
:func:`~portal.staff.reading.find_header`, report with a :class:`ProblemLog`, write with
:func:`write_version`, and call :func:`register_import_kind` so that the staff pages offer its
template; the command goes into :data:`portal.staff.cli.import_cli`. The proposals handling ledger
(:mod:`portal.staff.proposal_import`) is such a kind, whose publishing also applies the version
(:func:`portal.staff.services.register_publish_action`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from itertools import chain, repeat
from pathlib import Path
from typing import Any, Protocol

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    func,
    insert,
    select,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from portal.audit import record_audit
from portal.datasets.models import Dataset, DatasetKind, DatasetVersion, Stage
from portal.datasets.services import create_version, get_or_create_dataset, published_version
from portal.spending.aggregation import load_mapper
from portal.spending.models import BudgetLine, CodeName
from portal.staff.formats import (
    INDICATORS,
    PROJECTS,
    SPENDING_COLUMNS,
    STAGE_COLUMN,
    CellError,
    RecordFormat,
)
from portal.staff.reading import (
    ColumnSpec,
    HeaderMap,
    TableFileError,
    TableFormat,
    TableSource,
    find_header,
    inspect_file,
    open_rows,
)
from portal.staff.services import audit_actor, publish
from portal.staff.spending_check import SpendingCheck, Spool
from portal.staff.transactions import retry_if_locked, take_write_lock
from portal.staff.validation import Problem, ProblemLog, Severity

#: Called with the phase ("check" or "write") and the fraction of it done (0–1).
ImportProgress = Callable[[str, float], None]
#: Rows of a small table (indicators, projects) are kept in memory; more than this is not one.
MAX_RECORD_ROWS = 50_000
SQLITE_ROWS_PER_INSERT = 100
SQLITE_IMPORT_CACHE_KIB = 65_536


@dataclass
class ImportResult:
    kind: str
    problems: ProblemLog = field(default_factory=ProblemLog)
    rows: int = 0  # lines (or records) read from the file
    sha256: str | None = None
    version_id: int | None = None
    version_number: int | None = None
    published: bool = False
    data_version: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems.has_errors

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems.sorted() if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems.sorted() if not p.is_error]


@dataclass(frozen=True)
class ImportRequest:
    """What the form or the command line says about the file besides its content."""

    year: int
    title: str
    source_doc: str
    created_by: str
    stage: Stage = Stage.NONE
    title_en: str | None = None
    source_en: str | None = None
    publish: bool = False


def table_source(source: TableSource | str | Path, filename: str | None = None) -> TableSource:
    """The table to read; *filename* (as uploaded) overrides the name it came with."""
    table = source if isinstance(source, TableSource) else TableSource.from_path(source)
    if filename:
        table.filename = filename
    return table


def _phase(progress: ImportProgress | None, phase: str) -> Callable[[float], None] | None:
    if progress is None:
        return None
    return lambda fraction: progress(phase, fraction)


# -- header checks --------------------------------------------------------------------------------


def check_header(
    header: HeaderMap | None, columns: tuple[ColumnSpec, ...], required: set[str], log: ProblemLog
) -> bool:
    """Report what is wrong with the header row; ``False`` if the rows cannot be read at all."""
    if header is None:
        names = "、".join(c.zh for c in columns if c.key in required)
        english = ", ".join(c.en for c in columns if c.key in required)
        log.add(
            Problem(
                _l(
                    "No row of the file holds the expected column names. The first row must name the columns, e.g. %(names)s (or %(english)s).",
                    names=names,
                    english=english,
                )
            )
        )
        return False
    for spec in columns:
        if spec.key in required and spec.key not in header.positions:
            log.add(
                Problem(
                    _l("The required column “%(name)s” is missing.", name=spec.header(header.lang)),
                    header.row,
                    spec.header(header.lang),
                )
            )
    for _index, name in header.duplicated:
        log.add(Problem(_l("This column appears twice."), header.row, name))
    for _index, name in header.unknown:
        log.add(
            Problem(
                _l("This column is not one the import knows; it is ignored."),
                header.row,
                name,
                severity=Severity.WARNING,
            )
        )
    return not header.duplicated


# -- writing ----------------------------------------------------------------------------------------


def write_version(
    session: Session,
    source: TableSource,
    request: ImportRequest,
    kind: DatasetKind,
    rows: int,
    fill: Callable[[DatasetVersion], int],
    result: ImportResult,
) -> None:
    """Create the draft (original file, SHA-256) of *rows* rows, fill it, audit it and publish it
    if asked.

    Takes the write lock first (SQLite), so that concurrent imports and publishes queue; the caller
    commits."""

    def write() -> None:
        take_write_lock(session)
        dataset = get_or_create_dataset(session, kind, request.year, request.stage)
        # Concurrent imports into one dataset queue here, so version numbers stay unique.
        session.execute(select(Dataset.id).where(Dataset.id == dataset.id).with_for_update())
        version = create_version(
            session,
            dataset,
            title=request.title,
            title_en=request.title_en or None,
            source=request.source_doc,
            source_en=request.source_en or None,
            content=source.read_bytes(),
            filename=source.filename,
            created_by=request.created_by,
            row_count=rows,
        )
        session.expire(version, ["original_file"])  # do not keep a second copy of the file
        written = fill(version)
        if written != rows:
            raise RuntimeError(f"{written} rows written, {rows} checked")
        record_audit(
            session,
            "dataset.import",
            target_type="dataset_version",
            target_id=version.id,
            summary=(
                f"{kind.value} {request.year} {request.stage.value}".strip()
                + f": version {version.number}, {version.row_count} rows from {source.filename}"
            ),
            after={
                "dataset_id": dataset.id,
                "kind": kind.value,
                "year": request.year,
                "stage": request.stage.value,
                "version": version.number,
                "title": request.title,
                "rows": version.row_count,
                "filename": source.filename,
                "sha256": version.sha256,
            },
            actor=audit_actor(request.created_by),
        )
        result.version_id, result.version_number = version.id, version.number
        if request.publish:
            result.data_version = publish(session, version.id, actor=request.created_by)
            result.published = True
        session.flush()

    retry_if_locked(session, write)


#: ``budget_line`` with plain integer amounts: the importer converts to whole yuan while checking.
_raw_lines = Table(
    BudgetLine.__tablename__,
    MetaData(),
    Column("version_id", Integer),
    Column("code", String(7)),
    Column("department", String(200)),
    Column("project", String(300)),
    Column("budget", BigInteger),
    Column("adjusted", BigInteger),
    Column("executed", BigInteger),
)
_LINE_COLUMNS = "version_id, code, department, project, budget, adjusted, executed"


Progress = Callable[[float], None] | None


def insert_spooled_lines(
    session: Session, version_id: int, spool: Spool, progress: Progress
) -> int:
    """Insert the checked lines as fast as the database takes them, in the session's transaction:
    ``COPY`` on PostgreSQL, multi-row ``INSERT`` on SQLite, SQLAlchemy Core elsewhere."""
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        return _copy_lines(connection, version_id, spool, progress)
    if dialect == "sqlite":
        return _insert_lines_sqlite(connection, version_id, spool, progress)
    names = ("code", "department", "project", "budget", "adjusted", "executed")
    done = 0
    for columns in spool.batches():
        rows = [
            dict(zip(names, row, strict=True), version_id=version_id)
            for row in zip(*columns, strict=True)
        ]
        session.execute(insert(_raw_lines), rows)
        done += len(rows)
        _report(progress, done, spool.lines)
    return done


def _report(progress: Progress, done: int, total: int) -> None:
    if progress is not None:
        progress(done / max(total, 1))


def _copy_lines(connection: Connection, version_id: int, spool: Spool, progress: Progress) -> int:
    done = 0
    cursor: Any = connection.connection.cursor()
    try:
        with cursor.copy(f"COPY {BudgetLine.__tablename__} ({_LINE_COLUMNS}) FROM STDIN") as copy:
            for columns in spool.batches():
                for row in zip(repeat(version_id), *columns, strict=False):
                    copy.write_row(row)
                done += len(columns[0])
                _report(progress, done, spool.lines)
    finally:
        cursor.close()
    return done


def _insert_lines_sqlite(
    connection: Connection, version_id: int, spool: Spool, progress: Progress
) -> int:
    statements: dict[int, str] = {}

    def statement(rows: int) -> str:
        if rows not in statements:
            one = f"({int(version_id)},?,?,?,?,?,?)"
            statements[rows] = (
                f"INSERT INTO {BudgetLine.__tablename__} ({_LINE_COLUMNS}) VALUES "
                + ",".join([one] * rows)
            )
        return statements[rows]

    # A bigger page cache for this transaction: the insert touches many pages of one table.
    previous_cache = int(connection.exec_driver_sql("PRAGMA cache_size").scalar() or -2000)
    connection.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_IMPORT_CACHE_KIB}")
    cursor: Any = connection.connection.cursor()
    done, step = 0, SQLITE_ROWS_PER_INSERT * 6
    try:
        for columns in spool.batches():
            values = list(chain.from_iterable(zip(*columns, strict=True)))
            for i in range(0, len(values), step):
                part = values[i : i + step]
                cursor.execute(statement(len(part) // 6), part)
            done += len(values) // 6
            _report(progress, done, spool.lines)
    finally:
        cursor.close()
        with suppress(DBAPIError):
            connection.exec_driver_sql(f"PRAGMA cache_size = {previous_cache}")
    return done


# -- spending -------------------------------------------------------------------------------------


def known_classes(session: Session) -> set[str] | None:
    """The 3-digit classes of the published classification; ``None`` when none is published."""
    version = published_version(session, DatasetKind.CLASSIFICATION)
    if version is None:
        return None
    return set(
        session.scalars(
            select(CodeName.code)
            .where(CodeName.version_id == version.id, func.length(CodeName.code) == 3)
            .distinct()
        )
    )


def import_spending(
    session: Session,
    source: TableSource | str | Path,
    *,
    year: int,
    stage: Stage,
    title: str,
    source_doc: str,
    created_by: str,
    filename: str | None = None,
    publish: bool = False,
    progress: ImportProgress | None = None,
    title_en: str | None = None,
    source_en: str | None = None,
) -> ImportResult:
    """Check a spending table and, if it has no error, add it as a draft version of the year and
    stage (and publish it if asked). Nothing is written when there is an error."""
    if stage not in STAGE_COLUMN:
        raise ValueError(f"not a spending stage: {stage!r}")
    table = table_source(source, filename)
    request = ImportRequest(
        year=year,
        stage=stage,
        title=title,
        source_doc=source_doc,
        created_by=created_by,
        title_en=title_en,
        source_en=source_en,
        publish=publish,
    )
    result = ImportResult("spending")
    log = result.problems
    try:
        table_format = inspect_file(table)
    except TableFileError as error:
        log.add(error.problem)
        return result
    result.sha256 = table_format.sha256

    classes = known_classes(session)
    if classes is None:
        log.add(
            Problem(
                _l("No classification is published, so the classes of the codes were not checked."),
                severity=Severity.WARNING,
            )
        )
    with Spool() as spool:
        check = _check_spending(
            session, table, table_format, request, classes, log, spool, progress
        )
        result.rows = check.rows if check else 0
        if log.has_errors or check is None:
            return result
        write_version(
            session,
            table,
            request,
            DatasetKind.SPENDING,
            spool.lines,
            lambda version: insert_spooled_lines(
                session, version.id, spool, _phase(progress, "write")
            ),
            result,
        )
    return result


def _check_spending(
    session: Session,
    table: TableSource,
    table_format: TableFormat,
    request: ImportRequest,
    classes: set[str] | None,
    log: ProblemLog,
    spool: Spool,
    progress: ImportProgress | None,
) -> SpendingCheck | None:
    required = {"code", STAGE_COLUMN[request.stage]}
    try:
        with open_rows(table, table_format, _phase(progress, "check")) as rows:
            header = find_header(rows, SPENDING_COLUMNS)
            if not check_header(header, SPENDING_COLUMNS, required, log) or header is None:
                return None
            if "code" not in header.positions:
                return None
            check = SpendingCheck(
                header=header,
                year=request.year,
                stage=request.stage,
                known_classes=classes,
                mapper=load_mapper(session),
                log=log,
                spool=spool,
            )
            check.check(rows)
        if check.suspected_duplicates:
            with open_rows(table, table_format) as rows:
                find_header(rows, SPENDING_COLUMNS)
                check.confirm_duplicates(rows)
    except TableFileError as error:
        log.add(error.problem)
        return None
    check.finish()
    return check


# -- indicators and practical projects -------------------------------------------------------------


def import_records(
    session: Session,
    source: TableSource | str | Path,
    table_format_spec: RecordFormat,
    *,
    year: int,
    title: str,
    source_doc: str,
    created_by: str,
    filename: str | None = None,
    publish: bool = False,
    progress: ImportProgress | None = None,
    title_en: str | None = None,
    source_en: str | None = None,
) -> ImportResult:
    """Check a small table (one row per record with a unique key) and add it as a draft version
    of the year (published if asked). Nothing is written when there is an error."""
    spec = table_format_spec
    table = table_source(source, filename)
    request = ImportRequest(
        year=year,
        title=title,
        source_doc=source_doc,
        created_by=created_by,
        title_en=title_en,
        source_en=source_en,
        publish=publish,
    )
    result = ImportResult(spec.name)
    log = result.problems
    try:
        table_format = inspect_file(table)
        result.sha256 = table_format.sha256
        records = _check_records(table, table_format, spec, year, log, result, progress)
    except TableFileError as error:
        log.add(error.problem)
        return result
    if log.has_errors:
        return result

    def fill(version: DatasetVersion) -> int:
        rows = [{"version_id": version.id, "year": year, **record} for record in records]
        if rows:
            session.execute(insert(spec.model), rows)
        return len(rows)

    write_version(session, table, request, spec.dataset_kind, len(records), fill, result)
    return result


def record_rows(
    rows: Iterable[tuple[int, list[str]]], limit: int = MAX_RECORD_ROWS
) -> Iterator[tuple[int, list[str]]]:
    """The rows of a small table that are not empty; one more than *limit* ends the reading
    with a :class:`TableFileError` (such a file is not a table of this kind)."""
    count = 0
    for number, cells in rows:
        if not any(c.strip() for c in cells):
            continue
        count += 1
        if count > limit:
            raise TableFileError(
                Problem(
                    _l(
                        "Too many rows: a table of this kind holds at most %(limit)s.",
                        limit=limit,
                    ),
                    number,
                )
            )
        yield number, cells


def _check_records(
    table: TableSource,
    table_format: TableFormat,
    spec: RecordFormat,
    year: int,
    log: ProblemLog,
    result: ImportResult,
    progress: ImportProgress | None,
) -> list[dict[str, Any]]:
    required = {c.key for c in spec.columns if c.required}
    records: list[dict[str, Any]] = []
    with open_rows(table, table_format, _phase(progress, "check")) as rows:
        header = find_header(rows, spec.columns)
        if not check_header(header, spec.columns, required, log) or header is None:
            return []
        keys: dict[str, int] = {}
        year_at = header.positions.get("year")
        for number, cells in record_rows(rows):
            result.rows += 1
            record: dict[str, Any] = {}
            for column in spec.columns:
                at = header.positions.get(column.key)
                if column.key == "year" or at is None:
                    continue
                raw = cells[at] if at < len(cells) else ""
                try:
                    record[column.key] = spec.parsers[column.key](raw)
                except CellError as error:
                    log.add(Problem(error.message, number, header.headers[at], raw))
            if year_at is not None:
                raw_year = cells[year_at].strip() if year_at < len(cells) else ""
                if raw_year != str(year):
                    log.add(
                        Problem(
                            _l("This row is not for %(year)s, the year of this upload.", year=year),
                            number,
                            header.headers[year_at],
                            raw_year,
                        )
                    )
            record_key = record.get("key")
            if record_key:
                if record_key in keys:
                    log.add(
                        Problem(
                            _l("Duplicate key: the same as row %(row)s.", row=keys[record_key]),
                            number,
                            header.headers[header.positions["key"]],
                            record_key,
                        )
                    )
                else:
                    keys[record_key] = number
            records.append(record)
    if result.rows == 0:
        log.add(Problem(_l("The file has a header row but no lines.")))
    return records


def import_indicators(
    session: Session, source: TableSource | str | Path, **options: Any
) -> ImportResult:
    """Performance indicators of a year (target and result), as a draft version."""
    return import_records(session, source, INDICATORS, **options)


def import_projects(
    session: Session, source: TableSource | str | Path, **options: Any
) -> ImportResult:
    """Practical livelihood projects (民生实事) of a year, as a draft version."""
    return import_records(session, source, PROJECTS, **options)


# -- the kinds of table staff can upload -----------------------------------------------------------


class Importer(Protocol):
    def __call__(
        self, session: Session, source: TableSource | str | Path, **options: Any
    ) -> ImportResult: ...


@dataclass(frozen=True)
class ImportKind:
    name: str  # in URLs and on the command line
    label: LazyString
    dataset_kind: DatasetKind | None
    columns: tuple[ColumnSpec, ...]
    run: Importer
    has_stage: bool = False
    #: Whether the upload is for one year (a ledger of proposals spans several: its year is optional).
    needs_year: bool = True


IMPORT_KINDS: dict[str, ImportKind] = {}


def register_import_kind(kind: ImportKind) -> None:
    IMPORT_KINDS[kind.name] = kind


register_import_kind(
    ImportKind(
        "spending",
        _l("Spending table"),
        DatasetKind.SPENDING,
        SPENDING_COLUMNS,
        import_spending,  # type: ignore[arg-type]
        has_stage=True,
    )
)
register_import_kind(
    ImportKind(
        "indicators",
        _l("Performance indicators"),
        DatasetKind.INDICATORS,
        INDICATORS.columns,
        import_indicators,
    )
)
register_import_kind(
    ImportKind(
        "projects",
        _l("Practical projects"),
        DatasetKind.PROJECTS,
        PROJECTS.columns,
        import_projects,
    )
)
