"""City facts: the names of the city and of its finance bureau, and per year the resident
population (万人) and the general public budget expenditure (budget and final accounts, 万元).

They are one dataset (:attr:`~portal.datasets.models.DatasetKind.CITY`, every year in one
version), versioned and published like the others: ``flask setup`` publishes the sample city's,
and staff edit them in the back office, which saves a draft to preview and publish. A version's
original file is the CSV that :func:`facts_csv` writes — the names, a blank line, then one row per
year — so the same facts always give the same file and the same SHA-256.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from portal.audit import record_audit
from portal.datasets.models import DatasetKind, DatasetVersion
from portal.datasets.services import create_version, get_or_create_dataset
from portal.datasets.transactions import retry_if_locked, take_write_lock
from portal.roles import Actor
from portal.spending.models import CityProfile, CityYear
from portal.spending.queries import CityFigures, CityNames

#: Columns of the two blocks of a city facts file (the same as data/city_profile.csv, data/city.csv).
NAME_COLUMNS = ("city_name_zh", "city_name_en", "bureau_name_zh", "bureau_name_en")
YEAR_COLUMNS = (
    "year",
    "population_10k",
    "general_budget_expenditure_budget",
    "general_budget_expenditure_final",
)
FILENAME = "city-facts.csv"


@dataclass(frozen=True)
class CityFacts:
    """What one version of the city dataset holds."""

    names: CityNames | None
    years: tuple[CityFigures, ...]  # in year order

    @classmethod
    def of(cls, names: CityNames | None, years: list[CityFigures]) -> CityFacts:
        return cls(names, tuple(sorted(years, key=lambda y: y.year)))


def _text(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def facts_csv(facts: CityFacts) -> bytes:
    """The version's file: the names block (if any), a blank line, then the years block."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if facts.names is not None:
        writer.writerow(NAME_COLUMNS)
        writer.writerow([getattr(facts.names, c) for c in NAME_COLUMNS])
        buffer.write("\n")
    writer.writerow(YEAR_COLUMNS)
    for y in facts.years:
        writer.writerow(
            [y.year, _text(y.population_10k), _text(y.general_budget), _text(y.general_final)]
        )
    return buffer.getvalue().encode("utf-8")


def insert_facts(session: Session, version_id: int, facts: CityFacts) -> None:
    """Store *facts* as the rows of version *version_id*."""
    if facts.years:
        session.execute(
            insert(CityYear),
            [
                dict(
                    version_id=version_id,
                    year=y.year,
                    population_10k=y.population_10k,
                    general_budget_expenditure_budget=y.general_budget,
                    general_budget_expenditure_final=y.general_final,
                )
                for y in facts.years
            ],
        )
    if facts.names is not None:
        session.add(
            CityProfile(version_id=version_id, **{c: getattr(facts.names, c) for c in NAME_COLUMNS})
        )
        session.flush()


def read_facts(session: Session, version_id: int) -> CityFacts:
    profile = session.get(CityProfile, version_id)
    years = session.scalars(select(CityYear).where(CityYear.version_id == version_id)).all()
    return CityFacts.of(
        CityNames.of(profile) if profile else None,
        [
            CityFigures(
                y.year,
                y.population_10k,
                y.general_budget_expenditure_budget,
                y.general_budget_expenditure_final,
            )
            for y in years
        ],
    )


def save_draft(
    session: Session,
    facts: CityFacts,
    *,
    title: str,
    title_en: str,
    source: str,
    source_en: str | None,
    actor: Actor,
) -> DatasetVersion:
    """Save *facts* as a new draft version of the city dataset, audited. Flushes; the caller
    commits (or rolls back: then nothing is kept)."""

    def write() -> DatasetVersion:
        take_write_lock(session)
        dataset = get_or_create_dataset(session, DatasetKind.CITY)
        version = create_version(
            session,
            dataset,
            title=title,
            title_en=title_en,
            source=source,
            source_en=source_en,
            content=facts_csv(facts),
            filename=FILENAME,
            created_by=actor.name,
            row_count=len(facts.years),
        )
        insert_facts(session, version.id, facts)
        record_audit(
            session,
            "dataset.edit",
            target_type="dataset_version",
            target_id=version.id,
            summary=f"city version {version.number}: {len(facts.years)} years entered by hand",
            after={
                "version": version.number,
                "sha256": version.sha256,
                "names": [getattr(facts.names, c) for c in NAME_COLUMNS] if facts.names else None,
                "years": [y.year for y in facts.years],
            },
            actor=actor,
        )
        return version

    return retry_if_locked(session, write)


# -- what publishing a version would change -------------------------------------------------------


@dataclass(frozen=True)
class FactChange:
    """One name or one year that differs between the live version and a draft."""

    key: str  # a name column, or the year
    kind: str  # "added", "removed" or "changed"
    fields: tuple[tuple[str, object, object], ...]  # (column, before, after), changed columns only


def compare_facts(old: CityFacts | None, new: CityFacts) -> list[FactChange]:
    """Names, then years, that *new* adds, removes or changes compared with *old*."""
    changes: list[FactChange] = []
    old_names = old.names if old else None
    for column in NAME_COLUMNS:
        before = getattr(old_names, column) if old_names else None
        after = getattr(new.names, column) if new.names else None
        if (before or None) != (after or None):
            kind = "added" if not before else "removed" if not after else "changed"
            changes.append(FactChange(column, kind, ((column, before, after),)))
    old_years = {y.year: y for y in old.years} if old else {}
    new_years = {y.year: y for y in new.years}
    fields = ("population_10k", "general_budget", "general_final")
    for year in sorted(old_years.keys() | new_years.keys()):
        before_row, after_row = old_years.get(year), new_years.get(year)
        pairs = tuple(
            (
                f,
                getattr(before_row, f) if before_row else None,
                getattr(after_row, f) if after_row else None,
            )
            for f in fields
        )
        if before_row is None:
            changes.append(FactChange(str(year), "added", pairs))
        elif after_row is None:
            changes.append(FactChange(str(year), "removed", pairs))
        elif before_row != after_row:
            changes.append(
                FactChange(str(year), "changed", tuple(p for p in pairs if p[1] != p[2]))
            )
    return changes
