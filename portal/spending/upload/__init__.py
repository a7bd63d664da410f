"""Spending's own upload code: reading the tables a finance bureau publishes (:mod:`.layout`,
:mod:`.check`), importing them (:mod:`.importer`), the checks that stop a wrong unit
(:mod:`.sanity`), and the small tables of indicators and practical projects (:mod:`.records`).
:func:`init_app` registers these kinds of upload with the generic engine (:mod:`portal.uploads`)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l

from portal.datasets.models import DatasetKind
from portal.datasets.publishing import register_publishing
from portal.spending.upload.importer import SpendingImportResult, file_names, import_spending
from portal.spending.upload.records import INDICATORS, PROJECTS, import_indicators, import_projects
from portal.spending.upload.sanity import sanity_flags
from portal.spending.upload.vocabulary import SPENDING_COLUMNS
from portal.uploads.importing import ImportKind, register_import_kind

__all__ = ["SpendingImportResult", "file_names", "import_spending", "init_app"]


def _spending_flags(session: Any, version: Any) -> list[Any]:
    return list(sanity_flags(session, version))


def init_app(app: Flask) -> None:
    register_import_kind(
        app,
        ImportKind(
            "spending",
            _l("Spending table"),
            DatasetKind.SPENDING,
            SPENDING_COLUMNS,
            import_spending,
            has_stage=True,
            has_level_and_unit=True,
            description=(
                "Import a spending table as published (title and unit rows, headers over several "
                "rows, 科目编码 or 类/款/项, 科目名称, 预算数 / 调整预算数 / 决算数, a totals row)."
            ),
        ),
    )
    register_import_kind(
        app,
        ImportKind(
            "indicators",
            _l("Performance indicators"),
            DatasetKind.INDICATORS,
            INDICATORS.columns,
            import_indicators,
            description="Import the performance indicators of a year.",
        ),
    )
    register_import_kind(
        app,
        ImportKind(
            "projects",
            _l("Practical projects"),
            DatasetKind.PROJECTS,
            PROJECTS.columns,
            import_projects,
            description="Import the practical livelihood projects (民生实事) of a year.",
        ),
    )
    register_publishing(app, DatasetKind.SPENDING, check=_spending_flags)
