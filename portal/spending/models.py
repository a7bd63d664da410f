"""Budget lines, the classification, its mapping to the seven areas, and what is computed from them
at publish time. Every table hangs off a :class:`~portal.datasets.models.DatasetVersion`."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, ScaledDecimal

#: Money in 万元, exact to the 分 whatever unit a table was published in: stored as whole 分
#: (see :class:`~portal.db.ScaledDecimal`).
Money = ScaledDecimal(6)
#: Indicator values, population and national figures: two decimal places, exact.
Fixed2 = ScaledDecimal(2)


def _version_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("dataset_version.id", ondelete="CASCADE"), index=True)


class BudgetLine(Base):
    """One line of a spending table: a code, optionally within a department and project."""

    __tablename__ = "budget_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = _version_fk()
    code: Mapped[str] = mapped_column(String(7))
    department: Mapped[str] = mapped_column(String(200), default="")
    project: Mapped[str] = mapped_column(String(300), default="")
    budget: Mapped[Decimal | None] = mapped_column(Money)
    adjusted: Mapped[Decimal | None] = mapped_column(Money)
    executed: Mapped[Decimal | None] = mapped_column(Money)


class FileCodeName(Base):
    """The name a spending file gives a code, kept with its version: shown where the
    classification has no name for the code (a code it does not list), as "name as given in the
    file"."""

    __tablename__ = "file_code_name"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("dataset_version.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(7), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class CodeName(Base):
    """The name of a functional classification code in a given year."""

    __tablename__ = "code_name"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("dataset_version.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(7), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Where the name was checked (a document and its year); empty when not verified.
    source: Mapped[str] = mapped_column(Text, default="")


class AreaMapping(Base):
    """A code prefix and the area it belongs to; the longest matching prefix wins."""

    __tablename__ = "area_mapping"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("dataset_version.id", ondelete="CASCADE"), primary_key=True
    )
    prefix: Mapped[str] = mapped_column(String(7), primary_key=True)
    area: Mapped[str | None] = mapped_column(String(40))  # None: explicitly not livelihood
    staff_related: Mapped[bool] = mapped_column(Boolean, default=False)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    note_zh: Mapped[str] = mapped_column(Text, default="")
    note_en: Mapped[str] = mapped_column(Text, default="")


class AreaTotal(Base):
    """Per spending version and area: the sums of its leaf lines (computed at publish time).

    ``area`` is ``""`` for lines no mapping claims (or that a mapping leaves out on purpose)."""

    __tablename__ = "area_total"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("dataset_version.id", ondelete="CASCADE"), primary_key=True
    )
    area: Mapped[str] = mapped_column(String(40), primary_key=True)
    budget: Mapped[Decimal | None] = mapped_column(Money)
    adjusted: Mapped[Decimal | None] = mapped_column(Money)
    executed: Mapped[Decimal | None] = mapped_column(Money)
    staff_budget: Mapped[Decimal | None] = mapped_column(Money)
    staff_adjusted: Mapped[Decimal | None] = mapped_column(Money)
    staff_executed: Mapped[Decimal | None] = mapped_column(Money)
    line_count: Mapped[int] = mapped_column(Integer, default=0)


class CodeTotal(Base):
    """Per spending version, area and code (类, 款 or 项): the sums of the area's leaf lines under it."""

    __tablename__ = "code_total"
    __table_args__ = (Index("ix_code_total_version_area", "version_id", "area"),)

    version_id: Mapped[int] = mapped_column(
        ForeignKey("dataset_version.id", ondelete="CASCADE"), primary_key=True
    )
    area: Mapped[str] = mapped_column(String(40), primary_key=True)
    code: Mapped[str] = mapped_column(String(7), primary_key=True)
    budget: Mapped[Decimal | None] = mapped_column(Money)
    adjusted: Mapped[Decimal | None] = mapped_column(Money)
    executed: Mapped[Decimal | None] = mapped_column(Money)
    line_count: Mapped[int] = mapped_column(Integer, default=0)


class Indicator(Base):
    __tablename__ = "indicator"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = _version_fk()
    year: Mapped[int] = mapped_column(Integer)
    area: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(80))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    unit_zh: Mapped[str] = mapped_column(String(40))
    unit_en: Mapped[str] = mapped_column(String(60))
    target: Mapped[Decimal | None] = mapped_column(Fixed2)
    actual: Mapped[Decimal | None] = mapped_column(Fixed2)
    higher_is_better: Mapped[bool] = mapped_column(Boolean, default=True)


class LivelihoodProject(Base):
    """A practical livelihood project (民生实事) of a year."""

    __tablename__ = "livelihood_project"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = _version_fk()
    year: Mapped[int] = mapped_column(Integer)
    area: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(80))
    title_zh: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    budget: Mapped[Decimal | None] = mapped_column(Money)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20))


class CityYear(Base):
    """The city's population and total general public budget expenditure in a year."""

    __tablename__ = "city_year"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("dataset_version.id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    population_10k: Mapped[Decimal] = mapped_column(Fixed2)
    general_budget_expenditure_budget: Mapped[Decimal | None] = mapped_column(Money)
    general_budget_expenditure_final: Mapped[Decimal | None] = mapped_column(Money)


class NationalFigure(Base):
    """National general public budget expenditure by function (亿元), a real reference series."""

    __tablename__ = "national_figure"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("dataset_version.id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    function: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    amount: Mapped[Decimal] = mapped_column(Fixed2)
    source_title_zh: Mapped[str] = mapped_column(String(300))
    source_title_en: Mapped[str] = mapped_column(String(300))
    source_url: Mapped[str] = mapped_column(String(500))


class CityProfile(Base):
    """The names of the city and of its finance bureau, kept with the city facts version (one row
    per version of the city dataset, beside its :class:`CityYear` rows)."""

    __tablename__ = "city_profile"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("dataset_version.id", ondelete="CASCADE"), primary_key=True
    )
    city_name_zh: Mapped[str] = mapped_column(String(100))
    city_name_en: Mapped[str] = mapped_column(String(200), default="")
    bureau_name_zh: Mapped[str] = mapped_column(String(100))
    bureau_name_en: Mapped[str] = mapped_column(String(200), default="")
