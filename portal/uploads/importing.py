"""Importing a table as a draft dataset version: the engine behind the upload form and
``flask --app portal import``, knowing no domain.

An import has two phases. The *check* reads the whole file once, streaming, and reports every
problem (:mod:`portal.uploads.problems`); nothing is written while it runs, and if it finds an
error nothing is written at all. The *write* (:func:`write_version`) then creates the version
(with the original file and its SHA-256), fills it, records the upload in the audit log and, if
asked, publishes — all in the caller's transaction, which the caller commits once: an import lands
entirely or not at all, whenever the process dies.

Adding a kind of table: describe its columns with :class:`~portal.uploads.headers.ColumnSpec`,
read it with :func:`~portal.uploads.rows.open_rows`, report with a
:class:`~portal.uploads.problems.ProblemLog`, write with :func:`write_version`, and register an
:class:`ImportKind` on the app in the domain's ``init_app`` (:func:`register_import_kind`), so that
the back office offers its upload and template and the command line its import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from flask import Flask, current_app
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.audit import record_audit
from portal.datasets.actions import publish
from portal.datasets.models import Dataset, DatasetKind, DatasetVersion, Stage
from portal.datasets.services import create_version, get_or_create_dataset
from portal.datasets.transactions import retry_if_locked, take_write_lock
from portal.roles import Actor
from portal.uploads.files import TableFileError, TableSource
from portal.uploads.headers import ColumnSpec, HeaderMap
from portal.uploads.problems import Problem, ProblemLog, Severity
from portal.uploads.units import Unit

#: Called with the phase ("check" or "write") and the fraction of it done (0–1).
ImportProgress = Callable[[str, float], None]
#: Rows of a small table (indicators, projects) are kept in memory; more than this is not one.
MAX_RECORD_ROWS = 50_000


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
    #: How the file was read (kept with the version as JSON; shown on its page).
    reading: dict[str, Any] | None = None

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
    """What the form or the command line says about the file besides its content, and who
    uploads it: built once by the caller and handed to the kind's importer."""

    #: The table's year (every row must be of it). ``None`` only where the kind has no one
    #: year (a ledger of proposals): see :attr:`ImportKind.needs_year`.
    year: int | None
    title: str
    source_doc: str
    created_by: Actor
    stage: Stage = Stage.NONE
    title_en: str | None = None
    source_en: str | None = None
    publish: bool = False
    #: Whose money (spending): see :class:`~portal.datasets.models.Dataset`; empty says the
    #: kind's default.
    level: str = ""
    #: The confirmation of flagged figures, when publishing at once (see
    #: :func:`~portal.datasets.actions.publish`).
    confirm: str | None = None
    #: The unit the amounts are in, when the table does not say (spending).
    unit: Unit | None = None
    #: Corrections of what the columns hold, role → 0-based column (spending).
    columns: Mapping[str, int] = field(default_factory=dict)
    #: The first row of the header, when it is not found (spending).
    header_row: int | None = None

    def table_year(self) -> int:
        """The year of a kind whose tables are of one year (its form and command ask for it)."""
        if self.year is None:
            raise ValueError("a table of this kind is of one year: the request names none")
        return self.year


def table_source(source: TableSource | str | Path) -> TableSource:
    """The table to read: an upload as it is, a path opened."""
    return source if isinstance(source, TableSource) else TableSource.from_path(source)


def phase(progress: ImportProgress | None, phase: str) -> Callable[[float], None] | None:
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
        year = request.table_year()
        dataset = get_or_create_dataset(session, kind, year, request.stage, request.level)
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
            created_by=request.created_by.name,
            row_count=rows,
            reading=result.reading,
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
                f"{kind.value} {year} {request.stage.value} {request.level}".strip()
                + f": version {version.number}, {version.row_count} rows from {source.filename}"
            ),
            after={
                "dataset_id": dataset.id,
                "kind": kind.value,
                "year": year,
                "stage": request.stage.value,
                **({"level": request.level} if request.level else {}),
                "version": version.number,
                "title": request.title,
                "rows": version.row_count,
                "filename": source.filename,
                "sha256": version.sha256,
            },
            actor=request.created_by,
        )
        result.version_id, result.version_number = version.id, version.number
        if request.publish:
            result.data_version = publish(
                session, version.id, actor=request.created_by, confirm=request.confirm
            )
            result.published = True
        session.flush()

    retry_if_locked(session, write)


# -- small tables ----------------------------------------------------------------------------------


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


# -- the kinds of table staff can upload -----------------------------------------------------------


class Importer(Protocol):
    """Check a table and, if it has no error, keep it as a draft version (published if the
    request asks)."""

    def __call__(
        self,
        session: Session,
        source: TableSource | str | Path,
        request: ImportRequest,
        *,
        progress: ImportProgress | None = None,
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
    #: Whether the upload says whose money it is and what unit the table is in (spending).
    has_level_and_unit: bool = False
    #: What the command line says of it (``flask --app portal import KIND --help``).
    description: str = ""


def register_import_kind(app: Flask, kind: ImportKind) -> None:
    """Offer *kind* in the back office and on the command line (called by a domain's
    ``init_app``)."""
    app.extensions.setdefault("portal.import_kinds", {})[kind.name] = kind


def import_kinds(app: Flask | None = None) -> dict[str, ImportKind]:
    """The kinds of table that can be uploaded, by name, in the order they were registered."""
    kinds: dict[str, ImportKind] = (app or current_app).extensions.get("portal.import_kinds", {})
    return kinds
