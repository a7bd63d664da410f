"""What the back office lists: every dataset with its versions. The actions on a version
(publish, restore, withdraw) live in :mod:`portal.datasets.actions`, re-exported here for the
back office's views."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.datasets.actions import StaffActionError, describe, publish, withdraw
from portal.datasets.models import STAGE_ORDER, Dataset, DatasetKind, DatasetVersion

__all__ = [
    "StaffActionError",
    "datasets_overview",
    "describe",
    "get_version",
    "publish",
    "withdraw",
]


# -- listing ----------------------------------------------------------------------------------------

KIND_ORDER = {
    DatasetKind.SPENDING: 1,
    DatasetKind.INDICATORS: 2,
    DatasetKind.PROJECTS: 3,
    DatasetKind.PROPOSALS: 4,
    DatasetKind.CITY: 5,
    DatasetKind.NATIONAL: 6,
    DatasetKind.CLASSIFICATION: 7,
    DatasetKind.MAPPING: 8,
}


@dataclass(frozen=True)
class DatasetOverview:
    dataset: Dataset
    versions: list[DatasetVersion]  # newest first

    @property
    def live(self) -> DatasetVersion | None:
        return next((v for v in self.versions if v.id == self.dataset.published_version_id), None)


def datasets_overview(session: Session) -> list[DatasetOverview]:
    """Every dataset with all its versions (the files themselves stay in the database)."""
    datasets = session.scalars(select(Dataset).options(selectinload(Dataset.versions))).all()
    ordered = sorted(
        datasets,
        key=lambda d: (KIND_ORDER.get(d.kind, 9), -d.year, -STAGE_ORDER.get(d.stage, 0)),
    )
    return [DatasetOverview(d, sorted(d.versions, key=lambda v: -v.number)) for d in ordered]


def get_version(session: Session, version_id: int) -> DatasetVersion | None:
    return session.get(DatasetVersion, version_id)
