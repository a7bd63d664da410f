from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from portal.db import Base


class DatasetKind(enum.StrEnum):
    SPENDING = "spending"
    INDICATORS = "indicators"
    PROJECTS = "projects"
    CITY = "city"
    NATIONAL = "national"
    CLASSIFICATION = "classification"
    MAPPING = "mapping"
    #: The handling ledger of proposals: publishing a version appends its steps to the timelines.
    PROPOSALS = "proposals"


class Stage(enum.StrEnum):
    """Stages of a year's spending figures, in the order they become available."""

    NONE = ""
    BUDGET = "budget"
    ADJUSTED = "adjusted"
    FINAL = "final"


STAGE_ORDER = {Stage.BUDGET: 1, Stage.ADJUSTED: 2, Stage.FINAL: 3}

#: Levels of government a spending table can belong to (besides a named district or department).
CITYWIDE = "citywide"  # 全市
MUNICIPAL = "municipal"  # 市本级

#: ``Dataset.year`` for datasets that span every year (classification, mapping, city, national).
ALL_YEARS = 0


class VersionStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = (
        "published"  # is or was published; ``Dataset.published_version_id`` says which one is live
    )
    WITHDRAWN = "withdrawn"  # a draft thrown away before publication


class DataState(Base):
    """A single row holding the data version: raised by every publish, restore or withdrawal."""

    __tablename__ = "data_state"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    changed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class Dataset(Base):
    __tablename__ = "dataset"
    __table_args__ = (UniqueConstraint("kind", "year", "stage", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[DatasetKind] = mapped_column(
        Enum(
            DatasetKind,
            native_enum=False,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    year: Mapped[int] = mapped_column(Integer, default=ALL_YEARS)
    stage: Mapped[Stage] = mapped_column(
        Enum(Stage, native_enum=False, length=10, values_callable=lambda e: [m.value for m in e]),
        default=Stage.NONE,
    )
    #: Whose money (spending only): :data:`CITYWIDE`, :data:`MUNICIPAL` or the name of a
    #: district or department. Figures of two levels are never added together.
    level: Mapped[str] = mapped_column(String(120), default="")
    published_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("dataset_version.id", use_alter=True, name="fk_dataset_published_version")
    )

    versions: Mapped[list[DatasetVersion]] = relationship(
        back_populates="dataset",
        foreign_keys="DatasetVersion.dataset_id",
        order_by="DatasetVersion.number",
    )
    published_version: Mapped[DatasetVersion | None] = relationship(
        foreign_keys=[published_version_id], post_update=True
    )


class DatasetVersion(Base):
    __tablename__ = "dataset_version"
    __table_args__ = (UniqueConstraint("dataset_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("dataset.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[VersionStatus] = mapped_column(
        Enum(
            VersionStatus,
            native_enum=False,
            length=10,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=VersionStatus.DRAFT,
    )
    title: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str | None] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(Text, default="")
    source_en: Mapped[str | None] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(String(500))
    sample: Mapped[bool] = mapped_column(default=False)
    original_filename: Mapped[str | None] = mapped_column(String(255))
    original_file: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    #: How an uploaded file was read (header rows, columns, unit, totals row), as JSON.
    reading: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_by: Mapped[str | None] = mapped_column(String(200))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_by: Mapped[str | None] = mapped_column(String(200))

    dataset: Mapped[Dataset] = relationship(back_populates="versions", foreign_keys=[dataset_id])
