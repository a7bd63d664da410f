"""Datasets and their versions in the open-data API, with their provenance: title, source, when
published, the SHA-256 of the original file, and whether the figures are sample data. Only
versions that are or were published are listed; a draft never is, nor a dataset that has had none.
"""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from werkzeug.exceptions import NotFound

from portal.datasets.models import (
    STAGE_ORDER,
    Dataset,
    DatasetKind,
    DatasetVersion,
    VersionStatus,
)
from portal.db import get_session
from portal.errors import user_error
from portal.i18n import localized
from portal.opendata import api_blueprint
from portal.opendata import schemas as s
from portal.opendata.query import YEAR, Param, named_choice
from portal.opendata.routes import PathParam, api_get
from portal.opendata.values import moment
from portal.params import MAX_INT
from portal.web import data_version

api = api_blueprint("datasets_api", __name__, "/api/v1")

KINDS = [k.value for k in DatasetKind]
KIND = Param(
    "kind",
    _l(
        "What the dataset holds: spending, indicators, projects, city, national, classification, mapping or proposals."
    ),
    {"type": "string", "enum": KINDS},
    named_choice("kind", KINDS),
    example="spending",
)
DATASET_YEAR = Param(
    "year",
    _l("The year the dataset covers (0 for the datasets that span every year)."),
    {"type": "integer", "minimum": 0, "maximum": 9999},
    lambda raw: "0" if raw == "0" else YEAR.read(raw),
    example="2024",
)
DATASET_ID = PathParam(
    "dataset_id",
    _l("The dataset's id (see the list of datasets)."),
    {"type": "integer", "minimum": 1, "maximum": MAX_INT},
    "1",
)


def published_datasets(
    session: Session, kind: str | None = None, year: int | None = None
) -> list[Dataset]:
    """Datasets with at least one published version, each with only those versions loaded."""
    statement = (
        select(Dataset)
        .join(DatasetVersion, DatasetVersion.dataset_id == Dataset.id)
        .where(DatasetVersion.status == VersionStatus.PUBLISHED)
        .options(selectinload(Dataset.versions))
        .distinct()
    )
    if kind is not None:
        statement = statement.where(Dataset.kind == DatasetKind(kind))
    if year is not None:
        statement = statement.where(Dataset.year == year)
    found = list(session.scalars(statement))
    return sorted(
        found,
        key=lambda d: (KINDS.index(d.kind.value), d.year, STAGE_ORDER.get(d.stage, 0), d.level),
    )


def version_json(version: DatasetVersion, current_id: int | None) -> dict[str, Any]:
    return {
        "id": version.id,
        "number": version.number,
        "current": version.id == current_id,
        "title": localized(version.title, version.title_en),
        "title_zh": version.title,
        "title_en": version.title_en or None,
        "source": localized(version.source, version.source_en),
        "source_zh": version.source,
        "source_en": version.source_en or None,
        "source_url": version.source_url or None,
        "sample": version.sample,
        "sha256": version.sha256,
        "original_filename": version.original_filename or None,
        "row_count": version.row_count,
        "published_at": moment(version.published_at),
    }


def dataset_json(dataset: Dataset) -> dict[str, Any]:
    versions = [v for v in dataset.versions if v.status == VersionStatus.PUBLISHED]
    current = next((v for v in versions if v.id == dataset.published_version_id), None)
    shown = current or versions[-1]
    spending = dataset.kind == DatasetKind.SPENDING
    return {
        "id": dataset.id,
        "kind": dataset.kind.value,
        "year": dataset.year,
        "stage": dataset.stage.value or None,
        "level": dataset.level if spending else None,
        "title": localized(shown.title, shown.title_en),
        "current_version": current.number if current else None,
        "url": url_for("datasets_api.dataset", dataset_id=dataset.id),
        "versions": [version_json(v, dataset.published_version_id) for v in versions],
    }


@api_get(
    api,
    "/datasets",
    schema=s.DatasetListSchema,
    summary=_l("Datasets and their versions"),
    description=_l(
        "Every dataset with its published versions and their provenance: title, source, when"
        " published, the SHA-256 of the original file and whether it is sample data. Drafts"
        " are never listed."
    ),
    params=[KIND, DATASET_YEAR],
    tag="datasets",
    example="/api/v1/datasets?kind=spending",
)
def datasets() -> dict[str, Any]:
    kind = request.args.get("kind")
    year = request.args.get("year")
    found = published_datasets(get_session(), kind, int(year) if year else None)
    return {
        "items": [dataset_json(d) for d in found],
        "total": len(found),
        "filters": dict(request.args),
        "data_version": data_version(),
    }


@api_get(
    api,
    "/datasets/<int:dataset_id>",
    schema=s.DatasetDetailSchema,
    summary=_l("One dataset and its versions"),
    description=_l("A dataset with its published versions and their provenance."),
    path_params=[DATASET_ID],
    not_found=True,
    tag="datasets",
    example="/api/v1/datasets/1",
)
def dataset(dataset_id: int) -> dict[str, Any]:
    found = get_session().scalar(
        select(Dataset).where(Dataset.id == dataset_id).options(selectinload(Dataset.versions))
    )
    if found is None or not any(v.status == VersionStatus.PUBLISHED for v in found.versions):
        raise user_error(
            NotFound, _("There is no published dataset with the id %(id)s.", id=dataset_id)
        )
    return {**dataset_json(found), "data_version": data_version()}
