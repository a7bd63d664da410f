"""The documented upload formats: the columns of each kind of table (with the bureau's Chinese
headers and English ones), how a cell is read, and the downloadable CSV templates.

Amounts are in 万元 (10,000 yuan) with up to four decimal places, so that they convert exactly to
the whole yuan the database stores; :func:`to_yuan` does that conversion on the hot path of a
million-line import without going through :class:`~decimal.Decimal`.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import has_app_context
from flask_babel import LazyString, force_locale
from flask_babel import lazy_gettext as _l

from portal.datasets.models import DatasetKind, Stage
from portal.spending.areas import AREAS
from portal.spending.models import Indicator, LivelihoodProject
from portal.staff.reading import ColumnSpec

#: The stages a spending table can be uploaded for, by their command-line / form names.
STAGES: dict[str, Stage] = {
    "budget": Stage.BUDGET,
    "adjusted": Stage.ADJUSTED,
    "final": Stage.FINAL,
}
AMOUNT_KEYS = ("budget", "adjusted", "executed")
#: The amount column every line of a table of that stage must fill in.
STAGE_COLUMN = {Stage.BUDGET: "budget", Stage.ADJUSTED: "adjusted", Stage.FINAL: "executed"}
CODE_LENGTHS = (3, 5, 7)  # class (类), section (款), item (项)
MAX_DEPARTMENT = 200  # the column widths of budget_line
MAX_PROJECT = 300
TOTAL_LABELS = {"合计", "总计", "小计", "total", "grandtotal", "subtotal"}
#: The largest amount accepted, in whole yuan (one trillion yuan): sums of a million of them still
#: fit the database's 64-bit integers.
MAX_YUAN = 10**12


def stage_name(stage: Stage) -> LazyString:
    return {
        Stage.BUDGET: _l("Budget"),
        Stage.ADJUSTED: _l("Adjusted budget"),
        Stage.FINAL: _l("Final accounts"),
    }.get(stage, _l("None"))


# -- amounts -------------------------------------------------------------------------------------

_SCALE = (10_000, 1_000, 100, 10, 1)
_NUMBER = re.compile(r"([+-]?)(\d*)(?:\.(\d*))?")
_NIL = {"", "-", "—", "–", "--", "——"}


class CellError(ValueError):
    """A cell that cannot be read; the message says why, in the reader's language."""

    def __init__(self, message: LazyString) -> None:
        super().__init__(str(message))
        self.message = message


def not_a_number() -> CellError:
    return CellError(_l("Not a number. Amounts are in 10,000 yuan (万元), e.g. 1250.5."))


def to_yuan(text: str) -> int | None:
    """An amount in 万元 as whole yuan; ``None`` for an empty cell. Raises :class:`CellError`.

    The usual cell (``1234.56``) takes the fast path; anything else (thousands separators,
    full-width digits, a dash for nil, a sign) goes through :func:`_to_yuan_slow`."""
    if not text:
        return None
    dot = text.find(".")
    if dot < 0:
        if text.isdigit() and text.isascii() and len(text) < 9:
            return int(text) * 10_000
    else:
        places = len(text) - dot - 1
        digits = text[:dot] + text[dot + 1 :]
        if places <= 4 and digits.isdigit() and digits.isascii() and dot < 9:
            return int(digits) * _SCALE[places]
    return _to_yuan_slow(text)


def _to_yuan_slow(text: str) -> int | None:
    plain = unicodedata.normalize("NFKC", text).strip().replace(",", "").replace(" ", "")
    if plain in _NIL:
        return None
    negative = plain.startswith("(") and plain.endswith(")")
    if negative:
        plain = plain[1:-1]
    plain = plain.replace("−", "-")
    match = _NUMBER.fullmatch(plain)
    if match is None or not (match[2] or match[3]):
        raise not_a_number()
    sign, whole, fraction = match[1], match[2] or "0", (match[3] or "").rstrip("0")
    if len(fraction) > 4:
        raise CellError(
            _l(
                "More than four decimal places: amounts are in 10,000 yuan (万元), so four places are whole yuan."
            )
        )
    yuan = int(whole) * 10_000 + int((fraction + "0000")[:4])
    if (negative or sign == "-") and yuan != 0:
        raise CellError(_l("An amount cannot be negative."))
    if yuan > MAX_YUAN:
        raise CellError(_l("Too large: amounts are in 10,000 yuan (万元); check the unit."))
    return yuan


def fixed2(text: str) -> Decimal | None:
    """A value with up to two decimal places (indicator targets and results); may be negative."""
    plain = unicodedata.normalize("NFKC", text).strip().replace(",", "").replace(" ", "")
    if plain in _NIL:
        return None
    plain = plain.rstrip("%")
    match = _NUMBER.fullmatch(plain.replace("−", "-"))
    if match is None or not (match[2] or match[3]):
        raise CellError(_l("Not a number, e.g. 97.5."))
    value = Decimal(plain)
    if value != value.quantize(Decimal("0.01")):
        raise CellError(_l("At most two decimal places."))
    return value


def money(text: str) -> Decimal | None:
    """An amount in 万元 as an exact Decimal (for the small tables)."""
    yuan = to_yuan(text.strip())
    return None if yuan is None else Decimal(yuan).scaleb(-4)


# -- spending --------------------------------------------------------------------------------------

_AMOUNT_HELP = _l("In 10,000 yuan (万元), up to four decimal places; no negative amounts.")

SPENDING_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec(
        "code",
        "科目编码",
        "code",
        _l("Functional classification code: 3 digits (class), 5 (section) or 7 (item)."),
        "2050201",
        "2050201",
        required=True,
        aliases=("科目代码", "功能分类科目编码", "编码"),
    ),
    ColumnSpec(
        "name",
        "科目名称",
        "name",
        _l(
            "Name of the code, for the reader of the file; the portal takes names from the classification."
        ),
        "学前教育",
        "Pre-school education",
    ),
    ColumnSpec(
        "department",
        "部门",
        "department",
        _l("Optional: the department the line belongs to."),
        "市教育局",
        "City Education Bureau",
        aliases=("部门名称", "单位名称", "预算单位"),
    ),
    ColumnSpec(
        "project",
        "项目",
        "project",
        _l("Optional: the project within the department."),
        "公办幼儿园运转经费",
        "Running costs of public kindergartens",
        aliases=("项目名称",),
    ),
    ColumnSpec(
        "budget", "预算数", "budget", _AMOUNT_HELP, "1250.00", "1250.00", aliases=("年初预算数",)
    ),
    ColumnSpec(
        "adjusted",
        "调整预算数",
        "adjusted",
        _AMOUNT_HELP,
        "1300.00",
        "1300.00",
        aliases=("调整后预算数",),
    ),
    ColumnSpec(
        "executed", "决算数", "executed", _AMOUNT_HELP, "1288.45", "1288.45", aliases=("执行数",)
    ),
    ColumnSpec(
        "year",
        "年度",
        "year",
        _l("Optional: when present, every row must hold the year chosen for the upload."),
        "2024",
        "2024",
        aliases=("年份",),
        in_template=False,
    ),
)


# -- indicators and practical projects ----------------------------------------------------------

Parser = Callable[[str], Any]


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


def normalise_value(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower().replace(" ", "")


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


_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,79}")


def key(text: str) -> str:
    text = text.strip()
    if not _KEY.fullmatch(text):
        raise CellError(
            _l("Use up to 80 letters, digits, “-”, “_” or “.”, starting with a letter or digit.")
        )
    return text


def text_of(limit: int, required: bool = False) -> Parser:
    def parse(text: str) -> str:
        text = text.strip()
        if required and not text:
            raise CellError(_l("This cell must be filled in."))
        if len(text) > limit:
            raise CellError(_l("Too long: at most %(limit)s characters.", limit=limit))
        return text

    return parse


_YES = {"是", "对", "true", "yes", "y", "1", "高", "越高越好", "越大越好"}
_NO = {"否", "错", "false", "no", "n", "0", "低", "越低越好", "越小越好"}


def yes_no(text: str) -> bool:
    value = normalise_value(text)
    if value == "" or value in _YES:
        return True
    if value in _NO:
        return False
    raise CellError(_l("Write 是 or 否 (yes or no)."))


def progress_percent(text: str) -> int:
    value = normalise_value(text).rstrip("%")
    if value == "":
        return 0
    if not (value.isdigit() and value.isascii()) or int(value) > 100:
        raise CellError(_l("A whole number from 0 to 100."))
    return int(value)


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


def status(text: str) -> str:
    value = _STATUSES.get(normalise_value(text))
    if value is None:
        raise CellError(
            _l(
                "Unknown status. Use 待实施, 推进中, 已完成 or 进度滞后 (planned, in_progress, completed, delayed)."
            )
        )
    return value


@dataclass(frozen=True)
class RecordFormat:
    """A small table (indicators, practical projects): one row per record, identified by ``key``."""

    name: str
    dataset_kind: DatasetKind
    model: type[Indicator] | type[LivelihoodProject]
    columns: tuple[ColumnSpec, ...]
    parsers: dict[str, Parser]


_YEAR_COLUMN = SPENDING_COLUMNS[-1]

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
        _YEAR_COLUMN,
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
        _YEAR_COLUMN,
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


def template_csv(columns: tuple[ColumnSpec, ...], lang: str) -> bytes:
    """A template: the headers in *lang* and one example row, UTF-8 with a BOM (Excel opens it)."""
    shown = [c for c in columns if c.in_template]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.header(lang) for c in shown])
    writer.writerow([c.example_zh if lang == "zh" else c.example_en for c in shown])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
