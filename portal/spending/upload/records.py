"""The small tables of the spending domain — performance indicators and practical livelihood
projects (民生实事): their documented columns, how their cells are read, and their import (one row
per record, identified by a key, checked in full before anything is written)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import has_app_context
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert
from sqlalchemy.orm import Session

from portal.datasets.models import DatasetKind, DatasetVersion
from portal.spending.areas import AREAS
from portal.spending.models import Indicator, LivelihoodProject
from portal.uploads.amounts import parse_amount
from portal.uploads.cells import (
    CellError,
    Parser,
    choices,
    fixed2,
    key,
    normalise_value,
    progress_percent,
    text_of,
    yes_no,
)
from portal.uploads.files import TableFileError, TableFormat, TableSource, inspect_file
from portal.uploads.headers import ColumnSpec, find_header
from portal.uploads.importing import (
    ImportProgress,
    ImportRequest,
    ImportResult,
    check_header,
    phase,
    record_rows,
    table_source,
    write_version,
)
from portal.uploads.problems import Problem, ProblemLog
from portal.uploads.rows import open_rows
from portal.uploads.units import Unit

_AMOUNT_HELP = _l("In 10,000 yuan (万元), up to six decimal places (to the 分).")
#: The optional year column of every small table.
YEAR_COLUMN = ColumnSpec(
    "year",
    "年度",
    "year",
    _l("Optional: when present, every row must hold the year chosen for the upload."),
    "2024",
    "2024",
    aliases=("年份",),
    in_template=False,
)


def money(text: str) -> Decimal | None:
    """An amount in 万元 as an exact Decimal."""
    fen = parse_amount(text.strip(), Unit.WAN)
    if fen is not None and fen < 0:
        raise CellError(_l("An amount cannot be negative."))
    return None if fen is None else Decimal(fen).scaleb(-Unit.WAN.exponent)


_area_name_cache: dict[str, str] = {}


def _area_names() -> dict[str, str]:
    """Slug, Chinese and English name of each area → slug (the catalogs do not change at run time)."""
    if not _area_name_cache:
        names = {}
        for item in AREAS:
            names[item.slug] = item.slug
            for locale in ("zh_CN", "en"):
                with force_locale(locale):
                    names[normalise_value(str(item.name))] = item.slug
        if not has_app_context():
            return names  # no catalogs to read: do not remember the English-only answer
        _area_name_cache.update(names)
    return _area_name_cache


def area(text: str) -> str:
    slug = _area_names().get(normalise_value(text))
    if slug is None:
        raise CellError(
            _l(
                "Unknown area. Use one of: %(names)s.",
                names=", ".join(f"{a.slug}" for a in AREAS),
            )
        )
    return slug


_STATUSES = {
    "planned": "planned",
    "待实施": "planned",
    "计划中": "planned",
    "未开始": "planned",
    "in_progress": "in_progress",
    "inprogress": "in_progress",
    "推进中": "in_progress",
    "进行中": "in_progress",
    "实施中": "in_progress",
    "completed": "completed",
    "已完成": "completed",
    "完成": "completed",
    "delayed": "delayed",
    "进度滞后": "delayed",
    "滞后": "delayed",
    "延期": "delayed",
}


status = choices(
    _STATUSES,
    _l(
        "Unknown status. Use 待实施, 推进中, 已完成 or 进度滞后 (planned, in_progress, completed, delayed)."
    ),
)


@dataclass(frozen=True)
class RecordFormat:
    """A small table (indicators, practical projects): one row per record, identified by ``key``."""

    name: str
    dataset_kind: DatasetKind
    model: type[Indicator] | type[LivelihoodProject]
    columns: tuple[ColumnSpec, ...]
    parsers: dict[str, Parser]

    def import_table(
        self,
        session: Session,
        source: TableSource | str | Path,
        request: ImportRequest,
        *,
        progress: ImportProgress | None = None,
    ) -> ImportResult:
        """Import a table of this format (see :func:`import_records`)."""
        return import_records(session, source, self, request, progress=progress)


INDICATORS = RecordFormat(
    name="indicators",
    dataset_kind=DatasetKind.INDICATORS,
    model=Indicator,
    columns=(
        ColumnSpec(
            "area",
            "领域",
            "area",
            _l("One of the seven areas, by name or slug."),
            "幼有所育",
            "childcare",
            required=True,
        ),
        ColumnSpec(
            "key",
            "指标代码",
            "key",
            _l("A short identifier, unique in the file (letters, digits, - and _)."),
            "childcare_places_per_1000",
            "childcare_places_per_1000",
            required=True,
        ),
        ColumnSpec(
            "name_zh",
            "指标名称",
            "name_zh",
            _l("Name in Chinese."),
            "每千人口拥有3岁以下婴幼儿托位数",
            "每千人口拥有3岁以下婴幼儿托位数",
            required=True,
        ),
        ColumnSpec(
            "name_en",
            "英文名称",
            "name_en",
            _l("Name in English (optional)."),
            "Childcare places for children under 3 per 1,000 people",
            "Childcare places for children under 3 per 1,000 people",
        ),
        ColumnSpec("unit_zh", "单位", "unit_zh", _l("Unit in Chinese."), "个", "个", required=True),
        ColumnSpec(
            "unit_en", "英文单位", "unit_en", _l("Unit in English (optional)."), "places", "places"
        ),
        ColumnSpec(
            "target",
            "目标值",
            "target",
            _l("Target, up to two decimal places (optional)."),
            "4.50",
            "4.50",
        ),
        ColumnSpec(
            "actual",
            "实际值",
            "actual",
            _l("Result, up to two decimal places (optional)."),
            "4.62",
            "4.62",
        ),
        ColumnSpec(
            "higher_is_better",
            "越大越好",
            "higher_is_better",
            _l("是 (yes) if a higher value is better, 否 (no) if lower is better; yes when empty."),
            "是",
            "yes",
        ),
        YEAR_COLUMN,
    ),
    parsers={
        "area": area,
        "key": key,
        "name_zh": text_of(200, required=True),
        "name_en": text_of(200),
        "unit_zh": text_of(40, required=True),
        "unit_en": text_of(60),
        "target": fixed2,
        "actual": fixed2,
        "higher_is_better": yes_no,
    },
)

PROJECTS = RecordFormat(
    name="projects",
    dataset_kind=DatasetKind.PROJECTS,
    model=LivelihoodProject,
    columns=(
        ColumnSpec(
            "area",
            "领域",
            "area",
            _l("One of the seven areas, by name or slug."),
            "学有所教",
            "education",
            required=True,
        ),
        ColumnSpec(
            "key",
            "项目代码",
            "key",
            _l("A short identifier, unique in the file (letters, digits, - and _)."),
            "school-construction",
            "school-construction",
            required=True,
        ),
        ColumnSpec(
            "title_zh",
            "项目名称",
            "title_zh",
            _l("Title in Chinese."),
            "新建改扩建中小学",
            "新建改扩建中小学",
            required=True,
        ),
        ColumnSpec(
            "title_en",
            "英文名称",
            "title_en",
            _l("Title in English (optional)."),
            "New and expanded schools",
            "New and expanded schools",
        ),
        ColumnSpec(
            "description_zh",
            "项目内容",
            "description_zh",
            _l("What the project does, in Chinese (optional)."),
            "新建改扩建中小学12所",
            "新建改扩建中小学12所",
        ),
        ColumnSpec(
            "description_en",
            "英文内容",
            "description_en",
            _l("The same in English (optional)."),
            "12 schools built or expanded",
            "12 schools built or expanded",
        ),
        ColumnSpec(
            "budget",
            "预算数",
            "budget",
            _AMOUNT_HELP,
            "68000.00",
            "68000.00",
            aliases=("预算", "预算金额"),
        ),
        ColumnSpec(
            "progress",
            "进度",
            "progress",
            _l("Progress in per cent, 0 to 100 (optional)."),
            "60",
            "60",
            aliases=("完成进度",),
        ),
        ColumnSpec(
            "status",
            "状态",
            "status",
            _l("待实施, 推进中, 已完成 or 进度滞后 (planned, in_progress, completed, delayed)."),
            "推进中",
            "in_progress",
            required=True,
        ),
        YEAR_COLUMN,
    ),
    parsers={
        "area": area,
        "key": key,
        "title_zh": text_of(300, required=True),
        "title_en": text_of(300),
        "description_zh": text_of(5000),
        "description_en": text_of(5000),
        "budget": money,
        "progress": progress_percent,
        "status": status,
    },
)


# -- the import ---------------------------------------------------------------------------------------


def import_records(
    session: Session,
    source: TableSource | str | Path,
    spec: RecordFormat,
    request: ImportRequest,
    *,
    progress: ImportProgress | None = None,
) -> ImportResult:
    """Check a small table (one row per record with a unique key) and add it as a draft version
    of the year (published if asked). Nothing is written when there is an error."""
    year = request.table_year()
    table = table_source(source)
    result = ImportResult(spec.name)
    log = result.problems
    try:
        table_format = inspect_file(table)
        result.sha256 = table_format.sha256
        records = _check_records(table, table_format, spec, year, log, result, progress)
    except TableFileError as error:
        log.add(error.problem)
        return result
    if log.has_errors:
        return result

    def fill(version: DatasetVersion) -> int:
        rows = [{"version_id": version.id, "year": year, **record} for record in records]
        if rows:
            session.execute(insert(spec.model), rows)
        return len(rows)

    write_version(session, table, request, spec.dataset_kind, len(records), fill, result)
    return result


def _check_records(
    table: TableSource,
    table_format: TableFormat,
    spec: RecordFormat,
    year: int,
    log: ProblemLog,
    result: ImportResult,
    progress: ImportProgress | None,
) -> list[dict[str, Any]]:
    required = {c.key for c in spec.columns if c.required}
    records: list[dict[str, Any]] = []
    with open_rows(table, table_format, phase(progress, "check")) as rows:
        header = find_header(rows, spec.columns)
        if not check_header(header, spec.columns, required, log) or header is None:
            return []
        keys: dict[str, int] = {}
        year_at = header.positions.get("year")
        for number, cells in record_rows(rows):
            result.rows += 1
            record: dict[str, Any] = {}
            for column in spec.columns:
                at = header.positions.get(column.key)
                if column.key == "year" or at is None:
                    continue
                raw = cells[at] if at < len(cells) else ""
                try:
                    record[column.key] = spec.parsers[column.key](raw)
                except CellError as error:
                    log.add(Problem(error.message, number, header.headers[at], raw))
            if year_at is not None:
                raw_year = cells[year_at].strip() if year_at < len(cells) else ""
                if raw_year != str(year):
                    log.add(
                        Problem(
                            _l("This row is not for %(year)s, the year of this upload.", year=year),
                            number,
                            header.headers[year_at],
                            raw_year,
                        )
                    )
            record_key = record.get("key")
            if record_key:
                if record_key in keys:
                    log.add(
                        Problem(
                            _l("Duplicate key: the same as row %(row)s.", row=keys[record_key]),
                            number,
                            header.headers[header.positions["key"]],
                            record_key,
                        )
                    )
                else:
                    keys[record_key] = number
            records.append(record)
    if result.rows == 0:
        log.add(Problem(_l("The file has a header row but no lines.")))
    return records


#: Performance indicators of a year (target and result), as a draft version.
import_indicators = INDICATORS.import_table
#: Practical livelihood projects (民生实事) of a year, as a draft version.
import_projects = PROJECTS.import_table
