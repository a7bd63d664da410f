"""Creating, publishing and withdrawing dataset versions.

Publishing is one transaction: it raises the data version (an ``UPDATE`` on the single
``data_state`` row, which also serialises concurrent publishers), runs the kind's publish hook
(for spending: computing the aggregates) and moves the dataset's published pointer. Services only
``flush()``; the caller commits.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal.datasets.models import (
    ALL_YEARS,
    Dataset,
    DatasetKind,
    DatasetVersion,
    DataState,
    Stage,
    VersionStatus,
)
from portal.datasets.publishing import publishing_of
from portal.freshness import note_raised


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def current_data_version(session: Session) -> int:
    version = session.scalar(select(DataState.version).where(DataState.id == 1))
    return int(version or 0)


def bump_data_version(session: Session) -> int:
    """Raise the data version by one and return the new value (locks the row until commit)."""
    result = session.execute(
        update(DataState)
        .where(DataState.id == 1)
        .values(version=DataState.version + 1, changed_at=func.now())
        .returning(DataState.version)
    ).scalar()
    if result is None:
        session.add(DataState(id=1, version=1))
        session.flush()
        result = 1
    note_raised(session, int(result))  # told to every server (Redis) when it commits
    return int(result)


def get_or_create_dataset(
    session: Session,
    kind: DatasetKind,
    year: int = ALL_YEARS,
    stage: Stage = Stage.NONE,
    level: str = "",
) -> Dataset:
    dataset = session.scalar(
        select(Dataset).where(
            Dataset.kind == kind,
            Dataset.year == year,
            Dataset.stage == stage,
            Dataset.level == level,
        )
    )
    if dataset is None:
        dataset = Dataset(kind=kind, year=year, stage=stage, level=level)
        session.add(dataset)
        session.flush()
    return dataset


def create_version(
    session: Session,
    dataset: Dataset,
    *,
    title: str,
    source: str,
    content: bytes,
    filename: str | None = None,
    title_en: str | None = None,
    source_en: str | None = None,
    source_url: str | None = None,
    sample: bool = False,
    created_by: str | None = None,
    row_count: int = 0,
    reading: dict[str, Any] | None = None,
) -> DatasetVersion:
    """Add a draft version holding the original file and its SHA-256; lines are added by the caller.

    Pass *row_count* when it is known beforehand: on SQLite, a later update of the row rewrites
    the whole original file stored in it."""
    last = session.scalar(
        select(func.max(DatasetVersion.number)).where(DatasetVersion.dataset_id == dataset.id)
    )
    version = DatasetVersion(
        dataset=dataset,
        number=(last or 0) + 1,
        status=VersionStatus.DRAFT,
        title=title,
        title_en=title_en,
        source=source,
        source_en=source_en,
        source_url=source_url,
        sample=sample,
        original_filename=filename,
        original_file=content,
        sha256=sha256_hex(content),
        created_by=created_by,
        row_count=row_count,
        reading=json.dumps(reading, ensure_ascii=False, default=str) if reading else None,
    )
    session.add(version)
    session.flush()
    return version


def publish_version(session: Session, version: DatasetVersion, *, published_by: str | None) -> int:
    """Make *version* the live version of its dataset (also used to restore an old version).

    Returns the new data version."""
    if version.status == VersionStatus.WITHDRAWN:
        raise ValueError("a withdrawn draft cannot be published")
    data_version = bump_data_version(session)
    for hook in publishing_of(version.dataset.kind).hooks:
        hook(session, version)
    version.status = VersionStatus.PUBLISHED
    version.published_at = datetime.now(UTC)
    version.published_by = published_by
    version.dataset.published_version_id = version.id
    session.flush()
    return data_version


def withdraw_version(session: Session, version: DatasetVersion) -> int:
    """Throw away a draft: it is kept, with its file, but can no longer be published.

    Nothing public changes, but the data version is raised all the same, like for every other
    change of a version's state (one rule, and the row lock serialises it with publishing).
    Returns the new data version."""
    if version.status != VersionStatus.DRAFT:
        raise ValueError("only a draft can be withdrawn")
    data_version = bump_data_version(session)
    version.status = VersionStatus.WITHDRAWN
    session.flush()
    return data_version


def published_version(
    session: Session,
    kind: DatasetKind,
    year: int = ALL_YEARS,
    stage: Stage = Stage.NONE,
    level: str = "",
) -> DatasetVersion | None:
    return session.scalar(
        select(DatasetVersion)
        .join(Dataset, Dataset.published_version_id == DatasetVersion.id)
        .where(
            Dataset.kind == kind,
            Dataset.year == year,
            Dataset.stage == stage,
            Dataset.level == level,
        )
    )


def version_reading(version: DatasetVersion) -> dict[str, Any]:
    """How the version's file was read (empty for versions made before that was kept)."""
    if not version.reading:
        return {}
    value = json.loads(version.reading)
    return value if isinstance(value, dict) else {}
