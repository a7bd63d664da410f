"""An upload kind is registered once, by its domain, and everything offers it: the back office's
upload form and the command line (one ``flask import`` command per kind, made from the registry)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from portal.datasets.models import DatasetKind
from portal.staff.cli import import_group
from portal.uploads.files import TableSource
from portal.uploads.importing import (
    ImportKind,
    ImportProgress,
    ImportRequest,
    ImportResult,
    import_kinds,
    register_import_kind,
)
from tests.staff.test_views import signed_in


def test_the_command_line_has_one_command_per_registered_kind(app) -> None:
    kinds = import_kinds(app)
    assert list(kinds) == ["spending", "indicators", "projects", "proposals"]
    group = app.cli.commands["import"]
    assert set(group.commands) == {*kinds, "template"}
    spending = {p.name for p in group.commands["spending"].params}
    assert {"stage", "unit", "level", "confirm_figures", "year"} <= spending
    ledger = {p.name: p for p in group.commands["proposals"].params}
    assert "stage" not in ledger and not ledger["year"].required


def _import_nothing(
    session: Session,
    source: TableSource | str | Path,
    request: ImportRequest,
    *,
    progress: ImportProgress | None = None,
) -> ImportResult:
    return ImportResult("budgets")  # registered, never run


def test_a_new_kind_gets_its_command_and_its_upload_page(app, client, session) -> None:
    kind = ImportKind("budgets", "Department budgets", DatasetKind.SPENDING, (), _import_nothing)
    group = import_group({"budgets": kind})
    assert set(group.commands) == {"budgets", "template"}
    assert "stage" not in {p.name for p in group.commands["budgets"].params}
    register_import_kind(app, kind)
    try:
        editor = signed_in(client, session, "editor")
        page = editor.get("/en/staff/upload/budgets")
        assert page.status_code == 200 and "Department budgets" in page.get_data(as_text=True)
    finally:
        del app.extensions["portal.import_kinds"]["budgets"]
