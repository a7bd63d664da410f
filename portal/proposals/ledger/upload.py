"""The ledger as an upload kind: checking a file and keeping it as a draft version of the
proposals dataset, what publishing that version does (its steps applied), and the registration
of both (:func:`init_app`)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from portal.datasets.actions import StaffActionError
from portal.datasets.models import ALL_YEARS, DatasetKind, DatasetVersion
from portal.datasets.publishing import register_publishing
from portal.datasets.transactions import retry_if_locked, take_write_lock
from portal.proposals.ledger.columns import LEDGER_COLUMNS
from portal.proposals.ledger.compare import plan_ledger
from portal.proposals.ledger.plan import LedgerPlan, version_source
from portal.proposals.ledger.replay import dry_run, replay
from portal.roles import Actor
from portal.uploads.files import TableFileError, TableSource, inspect_file
from portal.uploads.importing import (
    ImportKind,
    ImportProgress,
    ImportRequest,
    ImportResult,
    phase,
    register_import_kind,
    table_source,
    write_version,
)
from portal.uploads.problems import ProblemLog

#: How many problems the message of a refused publish quotes.
PROBLEMS_QUOTED = 5


def import_proposals(
    session: Session,
    source: TableSource | str | Path,
    request: ImportRequest,
    *,
    progress: ImportProgress | None = None,
) -> ImportResult:
    """Check a handling ledger and, if it has no error, keep it as a draft version of the
    proposals dataset (publishing it, i.e. applying its steps, if asked). With the request's
    *year*, every row must be of that year. Nothing is written when there is an error."""
    table = table_source(source)
    result = ImportResult("proposals")
    try:
        result.sha256 = inspect_file(table).sha256
    except TableFileError as error:
        result.problems.add(error.problem)
        return result

    def check() -> tuple[LedgerPlan | None, ProblemLog]:
        # The dry run writes (in a savepoint): on SQLite, be the writer from the start.
        take_write_lock(session)
        log = ProblemLog()
        plan = plan_ledger(
            session,
            table,
            log,
            year=request.year,
            progress=phase(progress, "check"),
        )
        if plan is not None:
            dry_run(session, plan.items, log)  # every item found sound so far
        return plan, log

    plan, result.problems = retry_if_locked(session, check)
    result.rows = plan.rows if plan else 0
    if plan is None or not result.ok:
        return result
    rows = plan.rows  # nothing to insert: the kept file is the version's content
    # The ledger spans the years of its items: one dataset for all of them.
    kept = replace(request, year=ALL_YEARS)
    write_version(session, table, kept, DatasetKind.PROPOSALS, rows, lambda _version: rows, result)
    return result


def apply_ledger(session: Session, version: DatasetVersion, actor: Actor) -> None:
    """Publishing a ledger: its steps appended through the services, in the caller's
    transaction. Raises :class:`StaffActionError` (nothing changed) if it no longer applies."""
    log = ProblemLog()
    plan = plan_ledger(session, version_source(version), log)
    if plan is not None and not log.has_errors:
        savepoint = session.begin_nested()
        replay(session, plan.items, actor, log)
        if log.has_errors:
            savepoint.rollback()
        else:
            savepoint.commit()
    if plan is None or log.has_errors:
        errors = [p for p in log.sorted() if p.is_error]
        quoted = " ".join(p.describe() for p in errors[:PROBLEMS_QUOTED])
        raise StaffActionError(
            _l(
                "Nothing was published: the ledger no longer fits the proposals as they are now (%(count)s problem(s)). %(problems)s",
                count=len(errors) or 1,
                problems=quoted,
            )
        )


def init_app(app: Flask) -> None:
    """Offer the ledger in the back office and on the command line, and say what publishing a
    ledger version does."""
    register_import_kind(
        app,
        ImportKind(
            "proposals",
            _l("Proposals handling ledger"),
            DatasetKind.PROPOSALS,
            LEDGER_COLUMNS,
            import_proposals,
            needs_year=False,
            description=(
                "Import the handling ledger of suggestions and proposals (one row per item and "
                "round); publishing appends its steps to the items' timelines."
            ),
        ),
    )
    register_publishing(app, DatasetKind.PROPOSALS, apply=apply_ledger)
