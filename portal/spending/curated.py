"""Loading the curated datasets in ``data/`` (described by ``data/datapackage.json``).

Each resource becomes one dataset version per year (or one for the whole series) and is published
at once. Resources flagged ``"sample": true`` are left out of a real deployment (``setup
--no-sample``), and one whose file is missing or empty is skipped. Loading is idempotent: a dataset that already holds a version with the same content
(SHA-256) is left alone, and so is one whose live version was published by staff rather than by
this loader, so re-running ``flask setup`` never overwrites newer data.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from portal.datasets.models import ALL_YEARS, CITYWIDE, Dataset, DatasetKind, DatasetVersion, Stage
from portal.datasets.services import (
    create_version,
    get_or_create_dataset,
    publish_version,
    sha256_hex,
)
from portal.spending.areas import AREA_SLUGS
from portal.spending.city import NAME_COLUMNS, CityFacts, facts_csv, insert_facts
from portal.spending.models import (
    AreaMapping,
    BudgetLine,
    CodeName,
    Indicator,
    LivelihoodProject,
    NationalFigure,
)
from portal.spending.queries import CityFigures, CityNames

CURATED_BY = "curated data (data/)"
INSERT_CHUNK = 5000


class CuratedDataError(ValueError):
    """The curated data is inconsistent; nothing of it was loaded."""


@dataclass(frozen=True)
class Resource:
    name: str
    path: Path
    title: str
    title_zh: str
    sample: bool
    source: str
    source_en: str
    source_url: str | None


def read_package(data_dir: Path) -> dict[str, Resource]:
    descriptor = json.loads((data_dir / "datapackage.json").read_text(encoding="utf-8"))
    resources = {}
    for item in descriptor["resources"]:
        sources = item.get("sources") or descriptor.get("sources") or [{}]
        resources[item["name"]] = Resource(
            name=item["name"],
            path=data_dir / item["path"],
            title=item.get("title", item["name"]),
            title_zh=item.get("title_zh", item.get("title", item["name"])),
            sample=bool(item.get("sample", False)),
            source="；".join(
                dict.fromkeys(s.get("title_zh") or s.get("title", "") for s in sources)
            ),
            source_en="; ".join(dict.fromkeys(s.get("title", "") for s in sources)),
            source_url=next((s["path"] for s in sources if s.get("path")), None),
        )
    return resources


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def to_csv_bytes(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def dec(value: str) -> Decimal | None:
    if value == "":
        return None
    try:
        return Decimal(value)
    except InvalidOperation as exc:
        raise CuratedDataError(f"not a number: {value!r}") from exc


def boolean(value: str) -> bool:
    return value.strip().lower() in {"true", "1", "yes"}


def spending_stage(rows: Iterable[dict[str, str]]) -> Stage:
    rows = list(rows)
    if any(r.get("executed") for r in rows):
        return Stage.FINAL
    if any(r.get("adjusted") for r in rows):
        return Stage.ADJUSTED
    return Stage.BUDGET


def check_subtotals(rows: list[dict[str, str]]) -> list[str]:
    """Problems where a 类 or 款 row differs from the sum of the rows directly below it."""
    by_code = {r["code"]: r for r in rows}
    problems = []
    for code, row in by_code.items():
        children = [
            r
            for c, r in by_code.items()
            if len(c) > len(code)
            and c.startswith(code)
            and not any(len(code) < len(p) < len(c) and c.startswith(p) for p in by_code)
        ]
        if not children:
            continue
        for column in ("budget", "adjusted", "executed"):
            if row.get(column, "") == "":
                continue
            total = sum((dec(c.get(column, "")) or Decimal(0)) for c in children)
            if total != dec(row[column]):
                problems.append(
                    f"{row.get('year', '')} {code} {column}: {row[column]} ≠ sum of lines below {total}"
                )
    return problems


class CuratedLoader:
    def __init__(
        self,
        session: Session,
        data_dir: Path,
        log: Callable[[str], None] = print,
        sample: bool = True,
    ) -> None:
        self.session = session
        self.resources = read_package(data_dir)
        self.log = log
        self.sample = sample
        self.published = 0

    def _rows(self, name: str) -> list[dict[str, str]] | None:
        """The rows of resource *name*, or ``None`` when it is not to be loaded: a sample
        resource in a real deployment, or a file that is not there or holds no rows. A missing
        file of real (non-sample) data is an error."""
        resource = self.resources.get(name)
        if resource is None:
            self.log(f"{name}: not described in datapackage.json; skipped")
            return None
        if resource.sample and not self.sample:
            return None
        if not resource.path.is_file():
            if not resource.sample:
                raise CuratedDataError(f"{resource.path.name} is missing")
            self.log(f"{name}: {resource.path.name} is missing; skipped")
            return None
        rows = read_rows(resource.path)
        if not rows:
            self.log(f"{name}: {resource.path.name} holds no rows; skipped")
            return None
        return rows

    # -- the one place that decides whether a dataset gets a new version ----------------------
    def _load(
        self,
        resource: Resource,
        kind: DatasetKind,
        rows: list[dict[str, str]],
        fill: Callable[[DatasetVersion, list[dict[str, str]]], None],
        year: int = ALL_YEARS,
        stage: Stage = Stage.NONE,
        title_suffix: tuple[str, str] = ("", ""),
        level: str = "",
        content: bytes | None = None,
    ) -> None:
        content = to_csv_bytes(rows) if content is None else content
        digest = sha256_hex(content)
        dataset = get_or_create_dataset(self.session, kind, year, stage, level)
        if self._already_loaded(dataset, digest):
            return
        version = create_version(
            self.session,
            dataset,
            title=resource.title_zh + title_suffix[0],
            title_en=resource.title + title_suffix[1],
            source=resource.source,
            source_en=resource.source_en,
            source_url=resource.source_url,
            content=content,
            filename=resource.path.name,
            sample=resource.sample,
            created_by=CURATED_BY,
        )
        fill(version, rows)
        version.row_count = len(rows)
        publish_version(self.session, version, published_by=CURATED_BY)
        self.published += 1
        label = f"{kind.value} {year or ''} {stage.value}".strip()
        self.log(f"published {label}: {len(rows)} rows (version {version.number})")

    def _already_loaded(self, dataset: Dataset, digest: str) -> bool:
        same = self.session.scalar(
            select(DatasetVersion.id).where(
                DatasetVersion.dataset_id == dataset.id, DatasetVersion.sha256 == digest
            )
        )
        if same is not None:
            return True
        live = dataset.published_version
        return live is not None and live.created_by != CURATED_BY

    # -- resources ---------------------------------------------------------------------------
    def load_all(self) -> int:
        self.load_classification()
        self.load_mapping()
        self.load_city()
        self.load_national()
        self.load_spending()
        self.load_by_year("indicators", DatasetKind.INDICATORS, self._fill_indicators)
        self.load_by_year("projects", DatasetKind.PROJECTS, self._fill_projects)
        return self.published

    def load_classification(self) -> None:
        rows = self._rows("classification")
        if rows is None:
            return
        resource = self.resources["classification"]

        def fill(version: DatasetVersion, rows: list[dict[str, str]]) -> None:
            self._bulk(
                CodeName,
                (
                    dict(
                        version_id=version.id,
                        code=r["code"],
                        year=int(r["year"]),
                        name_zh=r["name_zh"],
                        name_en=r["name_en"],
                        verified=boolean(r["verified"]),
                        source=r.get("source", ""),
                    )
                    for r in rows
                ),
            )

        self._load(resource, DatasetKind.CLASSIFICATION, rows, fill)

    def load_mapping(self) -> None:
        rows = self._rows("mapping")
        if rows is None:
            return
        resource = self.resources["mapping"]
        for row in rows:
            if row["area"] and row["area"] not in AREA_SLUGS:
                raise CuratedDataError(f"mapping.csv: unknown area {row['area']!r}")

        def fill(version: DatasetVersion, rows: list[dict[str, str]]) -> None:
            self._bulk(
                AreaMapping,
                (
                    dict(
                        version_id=version.id,
                        prefix=r["prefix"],
                        area=r["area"] or None,
                        staff_related=boolean(r["staff_related"]),
                        verified=boolean(r["verified"]),
                        note_zh=r.get("note_zh", ""),
                        note_en=r.get("note_en", ""),
                    )
                    for r in rows
                ),
            )

        self._load(resource, DatasetKind.MAPPING, rows, fill)

    def load_city(self) -> None:
        """The city facts: names (city_profile.csv) and years (city.csv), one version."""
        years, names = self._rows("city"), self._rows("city_profile")
        if years is None and names is None:
            return
        if names is not None and (
            len(names) != 1
            or not names[0].get("city_name_zh")
            or not names[0].get("bureau_name_zh")
        ):
            raise CuratedDataError(
                "city_profile.csv: one row, with city_name_zh and bureau_name_zh"
            )
        facts = CityFacts.of(
            CityNames(*(names[0].get(c, "") for c in NAME_COLUMNS)) if names else None,
            [
                CityFigures(
                    int(r["year"]),
                    dec(r["population_10k"]) or Decimal(0),
                    dec(r["general_budget_expenditure_budget"]),
                    dec(r["general_budget_expenditure_final"]),
                )
                for r in years or []
            ],
        )
        if any(not y.population_10k for y in facts.years):
            raise CuratedDataError("city.csv: every year needs its population_10k")
        loaded = [
            self.resources[n] for n, rows in (("city", years), ("city_profile", names)) if rows
        ]
        resource = replace(loaded[0], sample=any(r.sample for r in loaded))
        self._load(
            resource,
            DatasetKind.CITY,
            years or [],
            lambda version, _rows: insert_facts(self.session, version.id, facts),
            content=facts_csv(facts),
        )

    def load_national(self) -> None:
        rows = self._rows("national")
        if rows is None:
            return
        resource = self.resources["national"]

        def fill(version: DatasetVersion, rows: list[dict[str, str]]) -> None:
            self._bulk(
                NationalFigure,
                (
                    dict(
                        version_id=version.id,
                        year=int(r["year"]),
                        function=r["function"],
                        name_zh=r["name_zh"],
                        name_en=r["name_en"],
                        amount=dec(r["amount"]),
                        source_title_zh=r["source_title_zh"],
                        source_title_en=r["source_title_en"],
                        source_url=r["source_url"],
                    )
                    for r in rows
                ),
            )

        self._load(resource, DatasetKind.NATIONAL, rows, fill)

    def load_spending(self) -> None:
        rows = self._rows("spending_lines")
        if rows is None:
            return
        resource = self.resources["spending_lines"]
        by_year = group_by_year(rows)
        problems = [p for rows in by_year.values() for p in check_subtotals(rows)]
        if problems:
            raise CuratedDataError("spending_lines.csv: " + "; ".join(problems[:20]))
        for year, rows in sorted(by_year.items()):
            stage = spending_stage(rows)
            suffix = {
                Stage.FINAL: (f"（{year}年决算）", f" ({year} final accounts)"),
                Stage.ADJUSTED: (f"（{year}年调整预算）", f" ({year} adjusted budget)"),
                Stage.BUDGET: (f"（{year}年预算）", f" ({year} budget)"),
            }[stage]
            self._load(
                resource,
                DatasetKind.SPENDING,
                rows,
                self._fill_spending,
                year,
                stage,
                suffix,
                level=CITYWIDE,
            )

    def load_by_year(
        self,
        name: str,
        kind: DatasetKind,
        fill: Callable[[DatasetVersion, list[dict[str, str]]], None],
    ) -> None:
        all_rows = self._rows(name)
        if all_rows is None:
            return
        resource = self.resources[name]
        for year, rows in sorted(group_by_year(all_rows).items()):
            self._load(
                resource, kind, rows, fill, year, Stage.NONE, (f"（{year}年）", f" ({year})")
            )

    # -- fillers -----------------------------------------------------------------------------
    def _fill_spending(self, version: DatasetVersion, rows: list[dict[str, str]]) -> None:
        insert_budget_lines(
            self.session,
            version.id,
            (
                (
                    r["code"],
                    r.get("department", ""),
                    r.get("project", ""),
                    dec(r["budget"]),
                    dec(r["adjusted"]),
                    dec(r["executed"]),
                )
                for r in rows
            ),
        )

    def _fill_indicators(self, version: DatasetVersion, rows: list[dict[str, str]]) -> None:
        self._bulk(
            Indicator,
            (
                dict(
                    version_id=version.id,
                    year=int(r["year"]),
                    area=r["area"],
                    key=r["key"],
                    name_zh=r["name_zh"],
                    name_en=r["name_en"],
                    unit_zh=r["unit_zh"],
                    unit_en=r["unit_en"],
                    target=dec(r["target"]),
                    actual=dec(r["actual"]),
                    higher_is_better=boolean(r["higher_is_better"]),
                )
                for r in rows
            ),
        )

    def _fill_projects(self, version: DatasetVersion, rows: list[dict[str, str]]) -> None:
        self._bulk(
            LivelihoodProject,
            (
                dict(
                    version_id=version.id,
                    year=int(r["year"]),
                    area=r["area"],
                    key=r["key"],
                    title_zh=r["title_zh"],
                    title_en=r["title_en"],
                    description_zh=r.get("description_zh", ""),
                    description_en=r.get("description_en", ""),
                    budget=dec(r["budget"]),
                    progress=int(r["progress"] or 0),
                    status=r["status"],
                )
                for r in rows
            ),
        )

    def _bulk(self, model: Any, rows: Iterable[dict[str, Any]]) -> None:
        for chunk in chunked(rows, INSERT_CHUNK):
            self.session.execute(insert(model), chunk)


def group_by_year(rows: list[dict[str, str]]) -> dict[int, list[dict[str, str]]]:
    by_year: dict[int, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_year[int(row["year"])].append(row)
    return dict(by_year)


def chunked(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


LineTuple = tuple[str, str, str, Decimal | None, Decimal | None, Decimal | None]


def insert_budget_lines(session: Session, version_id: int, lines: Iterable[LineTuple]) -> int:
    """Insert lines in chunks (executemany), streaming: memory does not grow with the file."""
    count = 0
    for chunk in chunked(lines, INSERT_CHUNK):
        session.execute(
            insert(BudgetLine),
            [
                dict(
                    version_id=version_id,
                    code=code,
                    department=department,
                    project=project,
                    budget=budget,
                    adjusted=adjusted,
                    executed=executed,
                )
                for code, department, project, budget, adjusted, executed in chunk
            ],
        )
        count += len(chunk)
    return count


def load_curated_data(
    session: Session, data_dir: Path, log: Callable[[str], None] = print, sample: bool = True
) -> int:
    """Load whatever of ``data/`` is not loaded yet (without the sample resources if *sample* is
    false); returns the number of versions published."""
    return CuratedLoader(session, data_dir, log, sample).load_all()
