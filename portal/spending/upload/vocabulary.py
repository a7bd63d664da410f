"""The words spending tables use: for their columns (科目编码, 类/款/项, 科目名称, the amounts of
each stage and their parts), for their totals row, and for the rows around the table (notes,
signatures). Headers are compared after :func:`plain`: full-width to half-width, no spaces, lower
case, no unit in brackets, no year (``2024年预算数`` is ``预算数``).
"""

from __future__ import annotations

import re
import unicodedata

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from portal.datasets.models import Stage
from portal.uploads.headers import ColumnSpec

#: The stages a spending table can be uploaded for, by their command-line / form names.
STAGES: dict[str, Stage] = {
    "budget": Stage.BUDGET,
    "adjusted": Stage.ADJUSTED,
    "final": Stage.FINAL,
}
AMOUNT_KEYS = ("budget", "adjusted", "executed")
#: The amount column that gives a table of that stage its meaning.
STAGE_COLUMN = {Stage.BUDGET: "budget", Stage.ADJUSTED: "adjusted", Stage.FINAL: "executed"}
CODE_LENGTHS = (3, 5, 7)  # class (类), section (款), item (项)
MAX_DEPARTMENT = 200  # the column widths of budget_line
MAX_PROJECT = 300
MAX_NAME = 200


def stage_name(stage: Stage) -> LazyString:
    return {
        Stage.BUDGET: _l("Budget"),
        Stage.ADJUSTED: _l("Adjusted budget"),
        Stage.FINAL: _l("Final accounts"),
    }.get(stage, _l("None"))


def amount_name(key: str) -> LazyString:
    return {
        "budget": _l("budget (预算数)"),
        "adjusted": _l("adjusted budget (调整预算数)"),
        "executed": _l("final accounts (决算数)"),
    }[key]


_BRACKETS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_YEAR = re.compile(r"(19|20)[0-9][0-9]年?(度)?")


def plain(text: str) -> str:
    """A header or label as compared: ``2024年 预算数（万元）`` → ``预算数``."""
    text = unicodedata.normalize("NFKC", text).replace("\ufeff", "")
    text = re.sub(r"\s+", "", text).lower()
    text = _BRACKETS.sub("", text)
    return text.strip("*:：")


def years_in(text: str) -> list[int]:
    """The years a header names (``2023年决算数`` → [2023])."""
    return [int(m.group(0)[:4]) for m in _YEAR.finditer(unicodedata.normalize("NFKC", text))]


CODE_WORDS = frozenset(
    {
        "科目编码",
        "科目代码",
        "科目编号",
        "功能分类科目编码",
        "功能分类科目代码",
        "功能科目编码",
        "功能科目代码",
        "支出功能分类科目编码",
        "支出功能分类编码",
        "编码",
        "代码",
        "科目号",
        "code",
        "functionalcode",
        "classificationcode",
    }
)
#: The three columns a split code is written in.
SPLIT_CODE_WORDS = {"类": 0, "款": 1, "项": 2, "class": 0, "section": 1, "item": 2}
NAME_WORDS = frozenset(
    {
        "科目名称",
        "功能科目名称",
        "功能分类科目名称",
        "支出功能分类科目名称",
        "功能分类科目",
        "支出功能分类科目",
        "科目",
        "名称",
        "name",
        "项目",
    }
)
#: "项目" is the row label of many tables (the name column) — unless the table also has a name
#: column, when it is the project a line belongs to (the portal's own template).
PROJECT_WORDS = frozenset({"项目名称", "project", "项目"})
DEPARTMENT_WORDS = frozenset(
    {"部门", "部门名称", "单位名称", "预算单位", "单位", "预算部门", "department"}
)
YEAR_WORDS = frozenset({"年度", "年份", "year"})

#: The amount of a whole column group: 合计 beside 基本支出 / 项目支出, or an amount alone.
TOTAL_WORDS = frozenset(
    {"合计", "小计", "总计", "金额", "合计数", "数额", "total", "amount", "本年合计", "支出合计"}
)
#: Parts of an amount that the portal does not keep (the total beside them is kept).
PART_WORDS = frozenset(
    {
        "基本支出",
        "项目支出",
        "人员经费",
        "公用经费",
        "人员支出",
        "公用支出",
        "上缴上级支出",
        "经营支出",
        "对附属单位补助支出",
        "对个人和家庭的补助",
        "其中",
        "财政拨款",
        "一般公共预算",
        "政府性基金预算",
        "国有资本经营预算",
        "事业收入",
        "其他收入",
        "basic",
        "projects",
    }
)
#: Comparisons and earlier years' figures: never an amount of this table.
COMPARISON_MARKS = (
    "上年",
    "上年度",
    "增减",
    "增长",
    "比上年",
    "为上年",
    "%",
    "百分比",
    "占",
    "变动",
    "差额",
    "增幅",
)

_STAGE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("adjusted", re.compile(r"调整|变动后预算|adjusted")),
    (
        "executed",
        re.compile(r"决算|执行|本年支出|实际支出|实际完成|完成数|支出数|executed|actual|outturn"),
    ),
    ("budget", re.compile(r"预算|预计|budget")),
)


def stage_of(label: str) -> str | None:
    """The amount a header names, if any: "budget", "adjusted" or "executed"."""
    for key, pattern in _STAGE_PATTERNS:
        if pattern.search(label):
            return key
    return None


def is_comparison(label: str) -> bool:
    return any(mark in label for mark in COMPARISON_MARKS)


#: Labels of a table's totals row (after :func:`plain`): 合计, 总计, 支出合计, 本年支出合计 …
_TOTALS = re.compile(
    r"(?:.{0,12}支出)?(?:合计|总计|总合计|合计数)|total|grandtotal|totalexpenditure"
)
#: First words of rows below the table: notes, signatures.
_FOOTER = re.compile(
    r"^(注|备注|说明|附注|注释|资料来源|数据来源|填报|制表|审核|单位负责人|财务负责人|负责人|note|source)"
)
#: A row numbering the columns (栏次 1, 2, 3 …) between the header and the lines.
COLUMN_NUMBER_WORDS = frozenset({"栏次", "行次", "甲", "乙"})


def is_totals_label(text: str) -> bool:
    return bool(_TOTALS.fullmatch(plain(text)))


def is_footer(text: str) -> bool:
    return bool(_FOOTER.match(plain(text)))


# -- the documented columns (the upload page's table and the template) ---------------------------

_AMOUNT_HELP = _l(
    "In the table's unit (元, 千元, 万元 or 亿元: from its unit row, or chosen on the form), exact to the 分."
)

SPENDING_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec(
        "code",
        "科目编码",
        "code",
        _l(
            "Functional classification code: 3 digits (class), 5 (section) or 7 (item); or three columns 类, 款, 项."
        ),
        "2050201",
        "2050201",
        required=True,
        aliases=("科目代码", "功能分类科目编码", "编码"),
    ),
    ColumnSpec(
        "name",
        "科目名称",
        "name",
        _l("Name of the code; kept, and shown where the classification has no name for it."),
        "学前教育",
        "Pre-school education",
        aliases=("功能科目名称", "功能分类科目名称"),
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
        "项目名称",
        "project",
        _l("Optional: the project within the department."),
        "公办幼儿园运转经费",
        "Running costs of public kindergartens",
    ),
    ColumnSpec(
        "budget",
        "预算数",
        "budget",
        _AMOUNT_HELP,
        "1250.00",
        "1250.00",
        aliases=("年初预算数", "本年预算"),
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
        "executed",
        "决算数",
        "executed",
        _AMOUNT_HELP,
        "1288.45",
        "1288.45",
        aliases=("执行数", "支出决算"),
    ),
)
