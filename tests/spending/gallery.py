"""A gallery of spending tables as finance bureaus publish them, with nothing edited first.

Each table is built in two steps: the figures first, as whole units of the table's last digit
("ticks": 0.01 万元 in a two-decimal 万元 table), then the sheet, written in the table's own way
(title rows, a unit row, merged header cells, split codes, a totals row, notes). The figures a test
expects are therefore exact, and every table adds up except for the rounding differences it is
built with — one tick on a 款 or 类 row or on the totals row, the way a table rounded from 元 does.

A rounding difference is always placed so that the row above it still adds up both ways (to its
own rows as written and to the items under it): two 款 rows of one 类 differ by +1 and −1, two 类
rows by +1 and −1, or the totals row alone. So a table has exactly as many rounding differences as
rows built with one, whichever way an importer compares.

All figures are illustrative, for fictional units (示例市教育局, 示例市本级, 示例区, 示例县), and for
the years 2031–2036, so they never meet the sample data (2021–2025).
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from portal.datasets.models import Stage
from portal.uploads.units import Unit

#: 1 unit in 元.
YUAN_PER_UNIT = {
    Unit.YUAN: Decimal(1),
    Unit.THOUSAND: Decimal(1_000),
    Unit.WAN: Decimal(10_000),
    Unit.YI: Decimal(100_000_000),
}

#: Names of the functional classification (类 and the 款/项 the gallery uses).
NAMES: dict[str, str] = {
    "201": "一般公共服务支出",
    "20101": "人大事务",
    "2010101": "行政运行",
    "20103": "政府办公厅（室）及相关机构事务",
    "2010301": "行政运行",
    "20106": "财政事务",
    "20132": "组织事务",
    "2013202": "一般行政管理事务",
    "202": "外交支出",
    "20204": "国际组织",
    "203": "国防支出",
    "20306": "国防动员",
    "204": "公共安全支出",
    "20402": "公安",
    "2040201": "行政运行",
    "2040202": "一般行政管理事务",
    "2040220": "执法办案",
    "2040299": "其他公安支出",
    "20406": "司法",
    "205": "教育支出",
    "20501": "教育管理事务",
    "2050101": "行政运行",
    "2050199": "其他教育管理事务支出",
    "20502": "普通教育",
    "2050201": "学前教育",
    "2050202": "小学教育",
    "2050203": "初中教育",
    "2050204": "高中教育",
    "20503": "职业教育",
    "2050302": "中等职业教育",
    "20507": "特殊教育",
    "20508": "进修及培训",
    "2050803": "培训支出",
    "206": "科学技术支出",
    "20601": "科学技术管理事务",
    "2060101": "行政运行",
    "20604": "技术研究与开发",
    "2060499": "其他技术研究与开发支出",
    "20607": "科学技术普及",
    "2060702": "科普活动",
    "207": "文化旅游体育与传媒支出",
    "20701": "文化和旅游",
    "20703": "体育",
    "208": "社会保障和就业支出",
    "20801": "人力资源和社会保障管理事务",
    "2080101": "行政运行",
    "2080109": "社会保险经办机构",
    "20802": "民政管理事务",
    "2080201": "行政运行",
    "2080208": "基层政权建设和社区治理",
    "20805": "行政事业单位养老支出",
    "2080501": "行政单位离退休",
    "2080505": "机关事业单位基本养老保险缴费支出",
    "2080506": "机关事业单位职业年金缴费支出",
    "20807": "就业补助",
    "2080705": "公益性岗位补贴",
    "2080799": "其他就业补助支出",
    "20808": "抚恤",
    "20810": "社会福利",
    "2081001": "儿童福利",
    "2081002": "老年福利",
    "2081004": "殡葬",
    "20811": "残疾人事业",
    "2081107": "残疾人生活和护理补贴",
    "20819": "最低生活保障",
    "2081901": "城市最低生活保障金支出",
    "2081902": "农村最低生活保障金支出",
    "20820": "临时救助",
    "20899": "其他社会保障和就业支出",
    "210": "卫生健康支出",
    "21001": "卫生健康管理事务",
    "21003": "基层医疗卫生机构",
    "21004": "公共卫生",
    "2100401": "疾病预防控制机构",
    "2100408": "基本公共卫生服务",
    "21007": "计划生育事务",
    "21011": "行政事业单位医疗",
    "2101101": "行政单位医疗",
    "2101102": "事业单位医疗",
    "211": "节能环保支出",
    "21101": "环境保护管理事务",
    "21103": "污染防治",
    "212": "城乡社区支出",
    "21201": "城乡社区管理事务",
    "2120101": "行政运行",
    "2120104": "城管执法",
    "21203": "城乡社区公共设施",
    "21205": "城乡社区环境卫生",
    "213": "农林水支出",
    "21301": "农业农村",
    "21303": "水利",
    "214": "交通运输支出",
    "21401": "公路水路运输",
    "215": "资源勘探工业信息等支出",
    "21505": "工业和信息产业监管",
    "216": "商业服务业等支出",
    "21602": "商业流通事务",
    "217": "金融支出",
    "21703": "金融发展支出",
    "219": "援助其他地区支出",
    "21901": "一般公共服务",
    "220": "自然资源海洋气象等支出",
    "22001": "自然资源事务",
    "221": "住房保障支出",
    "22101": "保障性安居工程支出",
    "22102": "住房改革支出",
    "2210201": "住房公积金",
    "22103": "城乡社区住宅",
    "222": "粮油物资储备支出",
    "22201": "粮油物资事务",
    "224": "灾害防治及应急管理支出",
    "22401": "应急管理事务",
    "227": "预备费",
    "229": "其他支出",
    "22999": "其他支出",
    "230": "转移性支出",
    "23006": "上解支出",
    "231": "债务还本支出",
    "23103": "地方政府一般债务还本支出",
    "232": "债务付息支出",
    "23203": "地方政府一般债务付息支出",
    "233": "债务发行费用支出",
    "23303": "地方政府一般债务发行费用支出",
}

#: Every functional class of a city's general public budget expenditure table.
ALL_CLASSES = (
    "201", "202", "203", "204", "205", "206", "207", "208", "210", "211", "212", "213", "214",
    "215", "216", "217", "219", "220", "221", "222", "224", "227", "229", "230", "231", "232",
    "233",
)  # fmt: skip


# -- the figures ------------------------------------------------------------------------------------

#: Amounts of one leaf row, one per amount column, in ticks; given the code (to place zeros).
LeafMaker = Callable[[random.Random, str], tuple[int, ...]]


@dataclass(frozen=True)
class Plan:
    """The rows of a table's body (class, its sections, their items, in table order) and how their
    figures are made: leaves at random (seeded), every subtotal the sum of the leaves under it plus
    its *offset* (a rounding difference, or an error)."""

    codes: tuple[str, ...]
    make: LeafMaker
    seed: int
    offsets: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    total_offset: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Figured:
    code: str
    name: str
    amounts: tuple[int, ...]  # as the table states them
    children_sum: tuple[int, ...] | None  # the sum of the rows directly below, as stated
    offset: tuple[int, ...] | None


@dataclass(frozen=True)
class Figures:
    rows: tuple[Figured, ...]
    total: tuple[int, ...]
    total_children_sum: tuple[int, ...]


def _add(*vectors: Sequence[int]) -> tuple[int, ...]:
    return tuple(sum(column) for column in zip(*vectors, strict=True))


def _parent(code: str, codes: Sequence[str]) -> str | None:
    for length in (5, 3):
        if length < len(code) and code[:length] in codes:
            return code[:length]
    return None


def figure(plan: Plan, *, rounding: bool = True) -> Figures:
    """The figures of every row: leaves drawn, each subtotal the sum of the leaves under it plus
    its own offset, the totals row the sum of the classes plus its offset.

    For *rounding* (offsets of one tick) the offsets are checked to cancel out within each parent,
    so that only the rows built with an offset differ from the rows below them. Otherwise (an
    error) the other rows still equal the leaves under them, and only the offset row is wrong."""
    rng = random.Random(plan.seed)
    codes = plan.codes
    assert len(set(codes)) == len(codes), "a code twice"
    parents = {code: _parent(code, codes) for code in codes}
    children = {code: [c for c in codes if parents[c] == code] for code in codes}
    leaves = {code: plan.make(rng, code) for code in codes if not children[code]}
    zero = (0,) * len(next(iter(leaves.values())))

    def true(code: str) -> tuple[int, ...]:
        if code in leaves:
            return leaves[code]
        return _add(*(true(child) for child in children[code]))

    def stated(code: str) -> tuple[int, ...]:
        return _add(true(code), plan.offsets.get(code, zero))

    rows = []
    for code in codes:
        assert code not in leaves or code not in plan.offsets, f"{code}: a leaf has no subtotal"
        below = _add(*(stated(child) for child in children[code])) if children[code] else None
        if rounding and below is not None:
            # The offsets of the rows below cancel out: this row adds up to them as well.
            assert _add(below, plan.offsets.get(code, zero)) == stated(code), code
        rows.append(Figured(code, NAMES[code], stated(code), below, plan.offsets.get(code)))
    classes = [code for code in codes if len(code) == 3]
    class_sum = _add(*(true(code) for code in classes))
    if rounding:
        assert class_sum == _add(*(stated(code) for code in classes)), "class offsets cancel out"
    total = _add(class_sum, plan.total_offset or zero)
    return Figures(tuple(rows), total, _add(*(stated(code) for code in classes)))


def ticks_value(ticks: int, places: int) -> Decimal:
    """*ticks* of the last digit as a number in the table's unit: 12345 with 2 places → 123.45."""
    return Decimal(ticks).scaleb(-places)


# -- writing cells ----------------------------------------------------------------------------------


class Styled(NamedTuple):
    """An XLSX cell with a number format (``00`` shows 5 as 05)."""

    value: object
    number_format: str


@dataclass(frozen=True)
class Money:
    """How a table writes its amounts."""

    places: int = 2
    separators: bool = False
    zero: str = "0.00"  # "" (blank), "-" or "—" for nothing
    cells: str = "text"  # XLSX: "number", or "mixed" (numbers, every third row as text)

    def text(self, ticks: int) -> str:
        value = ticks_value(ticks, self.places)
        return f"{value:,.{self.places}f}" if self.separators else f"{value:.{self.places}f}"

    def write(self, ticks: int, row: int) -> object:
        if ticks == 0 and self.zero != "0.00":
            return self.zero
        if self.cells == "number" or (self.cells == "mixed" and row % 3):
            value = ticks_value(ticks, self.places)
            number = int(value) if self.places == 0 else float(value)
            shown = "#,##0" if self.separators else "0"
            return Styled(number, shown + ("." + "0" * self.places if self.places else ""))
        return self.text(ticks)


FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def code_cells(code: str, style: str) -> list[object]:
    """The code as one cell, or as three (类, 款, 项), in the table's style."""
    groups = [code[:3], code[3:5], code[5:7]]
    if style == "plain":
        return [code]
    if style == "number":
        return [int(code)]
    if style == "spaced":
        return [" ".join(g for g in groups if g)]
    if style == "full-width":
        return [code.translate(FULL_WIDTH)]
    if style == "split":
        return list(groups)
    if style == "split-inherited":  # 类 written on the class row only
        return [groups[0] if len(code) == 3 else "", groups[1], groups[2]]
    if style == "split-number":
        return [int(groups[0])] + [Styled(int(g), "00") if g else "" for g in groups[1:]]
    raise ValueError(style)


# -- the sheet --------------------------------------------------------------------------------------


@dataclass
class Sheet:
    """Rows of cells as a spreadsheet shows them (row 1 first), merged ranges and right-aligned
    cells; written as XLSX or CSV."""

    width: int
    rows: list[list[object]] = field(default_factory=list)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # rows and cols 1-based
    right: set[tuple[int, int]] = field(default_factory=set)

    def add(self, *cells: object) -> int:
        row = list(cells) + [""] * (self.width - len(cells))
        assert len(row) == self.width
        self.rows.append(row)
        return len(self.rows)

    def wide(self, text: str) -> int:
        """A row with one text across the whole table (a title, a note)."""
        row = self.add(text)
        self.merge(row, 0, row, self.width - 1)
        return row

    def merge(self, row1: int, col1: int, row2: int, col2: int) -> None:
        """Merge the cells from (row1, col1) to (row2, col2); rows 1-based, columns 0-based."""
        for r in range(row1, row2 + 1):
            for c in range(col1, col2 + 1):
                if (r, c) != (row1, col1):
                    assert self.rows[r - 1][c] in ("", None), f"merged cell ({r}, {c}) has a value"
        self.merges.append((row1, col1 + 1, row2, col2 + 1))

    def xlsx(self) -> bytes:
        from openpyxl import Workbook
        from openpyxl.styles import Alignment

        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.title = "Sheet1"
        for r, row in enumerate(self.rows, start=1):
            for c, value in enumerate(row, start=1):
                if value in ("", None):
                    continue
                cell = sheet.cell(row=r, column=c)
                if isinstance(value, Styled):
                    cell.value = value.value
                    cell.number_format = value.number_format
                else:
                    cell.value = value
                if (r, c - 1) in self.right:
                    cell.alignment = Alignment(horizontal="right")
        for row1, col1, row2, col2 in self.merges:
            sheet.merge_cells(start_row=row1, start_column=col1, end_row=row2, end_column=col2)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    def csv(self, encoding: str) -> bytes:
        """As Excel saves it: a merged cell's text in its first cell, the others empty."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        for row in self.rows:
            writer.writerow(["" if v is None else str(v) for v in row])
        return buffer.getvalue().encode(encoding)


# -- the gallery entry ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundingDifference:
    """A row whose figure differs from the sum of the rows below it by one tick."""

    row: int  # spreadsheet row
    key: str  # the amount ("budget", …)
    stated: Decimal  # in the table's unit, as the row states it
    summed: Decimal  # in the table's unit, the sum of the rows below it


@dataclass(frozen=True)
class GalleryTable:
    name: str
    filename: str
    content: bytes
    stage: Stage
    unit_on_form: Unit | None
    expected_unit: Unit
    #: The table's own totals row, in 元, per amount ("budget", "adjusted", "executed").
    expected_totals: dict[str, Decimal]
    #: Each 类 row's figures, in 元.
    expected_classes: dict[str, dict[str, Decimal]]
    header_rows: tuple[int, ...]
    totals_row: int
    code_is_split: bool
    rounding_warnings: int
    # What else a test can hold the reading to:
    year: int = 2031
    level: str = ""
    code_columns: tuple[int, ...] = ()
    name_column: int | None = None
    amount_columns: dict[str, int] = field(default_factory=dict)
    rounding: tuple[RoundingDifference, ...] = ()
    description: str = ""

    @property
    def title(self) -> str:
        return f"{self.year}年{self.level}支出表（{self.name}）"


@dataclass(frozen=True)
class Columns:
    """Where things go in a body row (0-based)."""

    code: tuple[int, ...]
    name: int
    amounts: tuple[int, ...]  # one per figure of a leaf, in the plan's order
    keys: dict[str, int]  # amount key → index into the plan's figures


def write_body(
    sheet: Sheet,
    figures: Figures,
    columns: Columns,
    *,
    code_style: str,
    money: Money,
    totals_at: str,  # "top" | "bottom"
    totals_label: str,
    totals_in: str,  # "code" | "name" | "merged" (across the code and name columns)
) -> tuple[int, dict[str, int], list[RoundingDifference]]:
    """The totals row and the body; returns the totals row, each class's row and the rounding
    differences written."""
    rounding: list[RoundingDifference] = []
    by_index = {index: key for key, index in columns.keys.items()}

    def amounts_into(cells: list[object], amounts: tuple[int, ...], row: int) -> None:
        for column, ticks in zip(columns.amounts, amounts, strict=True):
            cells[column] = money.write(ticks, row)

    def note_rounding(row: int, stated: tuple[int, ...], below: tuple[int, ...]) -> None:
        for index, (a, b) in enumerate(zip(stated, below, strict=True)):
            if a != b:
                assert abs(a - b) == 1, "a rounding difference is one tick"
                assert index in by_index, "rounding differences only in imported columns"
                rounding.append(
                    RoundingDifference(
                        row,
                        by_index[index],
                        ticks_value(a, money.places),
                        ticks_value(b, money.places),
                    )
                )

    def totals() -> int:
        cells: list[object] = [""] * sheet.width
        first = min(*columns.code, columns.name)
        last = max(*columns.code, columns.name)
        if totals_in == "code":
            cells[columns.code[0]] = totals_label
        elif totals_in == "name":
            cells[columns.name] = totals_label
        else:
            cells[first] = totals_label
        row = len(sheet.rows) + 1
        amounts_into(cells, figures.total, row)
        sheet.add(*cells)
        if totals_in == "merged":
            sheet.merge(row, first, row, last)
        note_rounding(row, figures.total, figures.total_children_sum)
        return row

    totals_row = totals() if totals_at == "top" else 0
    class_rows = {}
    for line in figures.rows:
        cells: list[object] = [""] * sheet.width
        for column, value in zip(columns.code, code_cells(line.code, code_style), strict=True):
            cells[column] = value
        cells[columns.name] = line.name
        row = len(sheet.rows) + 1
        amounts_into(cells, line.amounts, row)
        sheet.add(*cells)
        if len(line.code) == 3:
            class_rows[line.code] = row
        if line.offset is not None:
            assert line.children_sum is not None
            note_rounding(row, line.amounts, line.children_sum)
    if totals_at == "bottom":
        totals_row = totals()
    return totals_row, class_rows, rounding


def entry(
    name: str,
    *,
    filename: str,
    content: bytes,
    year: int,
    level: str,
    stage: Stage,
    unit: Unit,
    unit_on_form: Unit | None,
    figures: Figures,
    columns: Columns,
    money: Money,
    header_rows: tuple[int, ...],
    totals_row: int,
    rounding: Sequence[RoundingDifference],
    description: str,
) -> GalleryTable:
    def yuan(ticks: int) -> Decimal:
        return ticks_value(ticks, money.places) * YUAN_PER_UNIT[unit]

    def keyed(amounts: tuple[int, ...]) -> dict[str, Decimal]:
        return {key: yuan(amounts[index]) for key, index in columns.keys.items()}

    return GalleryTable(
        name=name,
        filename=filename,
        content=content,
        stage=stage,
        unit_on_form=unit_on_form,
        expected_unit=unit,
        expected_totals=keyed(figures.total),
        expected_classes={
            row.code: keyed(row.amounts) for row in figures.rows if len(row.code) == 3
        },
        header_rows=header_rows,
        totals_row=totals_row,
        code_is_split=len(columns.code) == 3,
        rounding_warnings=len(rounding),
        year=year,
        level=level,
        code_columns=columns.code,
        name_column=columns.name,
        amount_columns={key: columns.amounts[index] for key, index in columns.keys.items()},
        rounding=tuple(rounding),
        description=description,
    )


# -- leaf figures -----------------------------------------------------------------------------------


def single(low: int, high: int, zeros: Sequence[str] = ()) -> LeafMaker:
    """One amount per row, between *low* and *high* ticks (0 for the codes in *zeros*)."""

    def make(rng: random.Random, code: str) -> tuple[int, ...]:
        return (0,) if code in zeros else (rng.randrange(low, high),)

    return make


def basic_and_project(low: int, high: int, project_only: Sequence[str] = ()) -> LeafMaker:
    """合计, 基本支出, 项目支出: the total is the sum of its two parts on every row."""

    def make(rng: random.Random, code: str) -> tuple[int, ...]:
        basic = 0 if code in project_only else rng.randrange(low, high)
        project = rng.randrange(low, high) if rng.random() < 0.7 or not basic else 0
        return (basic + project, basic, project)

    return make


def budget_adjusted_final(low: int, high: int, unspent: Sequence[str] = ()) -> LeafMaker:
    """年初预算数, 调整预算数, 决算数 (nothing spent on the codes in *unspent*)."""

    def make(rng: random.Random, code: str) -> tuple[int, ...]:
        budget = rng.randrange(low, high)
        adjusted = budget + rng.randrange(-budget // 10, budget // 5)
        executed = 0 if code in unspent else adjusted - rng.randrange(0, adjusted // 20 + 1)
        return (budget, adjusted, executed)

    return make


def adjusted_and_final(low: int, high: int, nil: Sequence[str] = ()) -> LeafMaker:
    """调整后预算数 and 支出决算 (both nothing on the codes in *nil*)."""

    def make(rng: random.Random, code: str) -> tuple[int, ...]:
        if code in nil:
            return (0, 0)
        adjusted = rng.randrange(low, high)
        return (adjusted, adjusted - rng.randrange(0, adjusted // 10 + 1))

    return make


def tree(*groups: str) -> tuple[str, ...]:
    """Codes in table order from space-separated groups: ``"205 20502 2050201 2050202"``."""
    return tuple(code for group in groups for code in group.split())


# -- the tables -------------------------------------------------------------------------------------


def education_bureau_budget() -> GalleryTable:
    """A departmental table as 公开07表: table number, title, 编制单位 with the unit on the right,
    项目 over 科目编码/科目名称, 合计/基本支出/项目支出, totals merged at the top, codes as numbers."""
    plan = Plan(
        tree(
            "205 20501 2050101 2050199 20502 2050201 2050202 2050203 2050204",
            "20503 2050302 20508 2050803",
            "208 20805 2080501 2080505 2080506",
            "210 21011 2101101 2101102",
            "221 22102 2210201",
        ),
        basic_and_project(5_000_000, 900_000_000, project_only=("2050199", "2050803")),
        seed=2031_07,
    )
    figures = figure(plan)
    sheet = Sheet(width=5)
    sheet.add("", "", "", "", "公开07表")
    sheet.right.add((1, 4))
    sheet.wide("示例市教育局2031年部门一般公共预算支出表")
    sheet.add("编制单位：示例市教育局", "", "", "", "单位：元")
    sheet.right.add((3, 4))
    h1 = sheet.add("项目", "", "合计", "基本支出", "项目支出")
    h2 = sheet.add("科目编码", "科目名称")
    sheet.merge(h1, 0, h1, 1)
    for column in (2, 3, 4):
        sheet.merge(h1, column, h2, column)
    columns = Columns(code=(0,), name=1, amounts=(2, 3, 4), keys={"budget": 0})
    money = Money(places=2, separators=False, zero="", cells="number")
    totals_row, _, rounding = write_body(
        sheet, figures, columns, code_style="number", money=money,
        totals_at="top", totals_label="合计", totals_in="merged",
    )  # fmt: skip
    sheet.wide("注：本表反映示例市教育局2031年一般公共预算财政拨款支出情况，数据均为示例。")
    sheet.add()
    return entry(
        "education-bureau-budget-xlsx",
        filename="示例市教育局2031年部门预算公开07表.xlsx",
        content=sheet.xlsx(),
        year=2031,
        level="示例市教育局",
        stage=Stage.BUDGET,
        unit=Unit.YUAN,
        unit_on_form=None,
        figures=figures,
        columns=columns,
        money=money,
        header_rows=(h1, h2),
        totals_row=totals_row,
        rounding=rounding,
        description="公开07表, 元 to the 分, numbers in cells, 合计/基本支出/项目支出",
    )


def municipal_every_class_budget() -> GalleryTable:
    """A city's general public budget table, every class 201–233 with its 款 (and 项 for some):
    GB18030, a unit row on its own, totals "支出合计" at the bottom in the code column, two 类 rows
    off by 0.01 万元 (one up, one down)."""
    sections = {
        "201": "20101 2010101 20103 2010301 20106 20132",
        "202": "20204",
        "203": "20306",
        "204": "20402 20406",
        "205": "20501 20502 2050201 2050202 2050203 2050204 20503 20507 20508",
        "206": "20601 20604 20607",
        "207": "20701 20703",
        "208": "20801 20802 20805 20807 20808 20810 20811 20819 20820 20899",
        "210": "21001 21003 21004 2100401 2100408 21007 21011",
        "211": "21101 21103",
        "212": "21201 21203 21205",
        "213": "21301 21303",
        "214": "21401",
        "215": "21505",
        "216": "21602",
        "217": "21703",
        "219": "21901",
        "220": "22001",
        "221": "22101 22102 22103",
        "222": "22201",
        "224": "22401",
        "227": "",
        "229": "22999",
        "230": "23006",
        "231": "23103",
        "232": "23203",
        "233": "23303",
    }
    assert tuple(sections) == ALL_CLASSES
    plan = Plan(
        tree(*(f"{c} {sections[c]}" for c in ALL_CLASSES)),
        single(2_000, 9_000_000),
        seed=2032_01,
        offsets={"206": (1,), "213": (-1,)},
    )
    figures = figure(plan)
    sheet = Sheet(width=3)
    sheet.add("示例市本级2032年一般公共预算支出表")
    sheet.add("", "", "单位：万元")
    header = sheet.add("科目编码", "科目名称", "预算数")
    columns = Columns(code=(0,), name=1, amounts=(2,), keys={"budget": 0})
    money = Money(places=2)
    totals_row, _, rounding = write_body(
        sheet, figures, columns, code_style="plain", money=money,
        totals_at="bottom", totals_label="支出合计", totals_in="code",
    )  # fmt: skip
    sheet.add("注：1.本表数据均为示例；2.部分合计数与分项之和因四舍五入存在尾差。")
    sheet.add()
    sheet.add()
    return entry(
        "municipal-every-class-budget-gb18030",
        filename="2032年示例市本级一般公共预算支出表.csv",
        content=sheet.csv("gb18030"),
        year=2032,
        level="示例市本级",
        stage=Stage.BUDGET,
        unit=Unit.WAN,
        unit_on_form=None,
        figures=figures,
        columns=columns,
        money=money,
        header_rows=(header,),
        totals_row=totals_row,
        rounding=rounding,
        description="every class 201–233, 万元, two 类 rows off by 0.01",
    )


def district_final_split_codes() -> GalleryTable:
    """A district's final accounts: 科目编码 merged over 类/款/项 (款 and 项 as "05"), 年初预算数 /
    调整预算数 / 决算数, unit row, totals merged at the bottom and off by 0.01 万元 in 决算数."""
    plan = Plan(
        tree(
            "201 20101 2010101 20103 2010301",
            "205 20502 2050201 2050202 2050203 20503 2050302",
            "208 20805 2080505 20807 2080705 2080799 20819 2081901 2081902",
            "210 21004 2100401 2100408 21011 2101101",
            "212 21203 21205",
            "213 21301",
            "214 21401",
            "221 22101 22102 2210201",
        ),
        budget_adjusted_final(5_000, 3_000_000, unspent=("2080799",)),
        seed=2033_03,
        total_offset=(0, 0, 1),
    )
    figures = figure(plan)
    sheet = Sheet(width=7)
    sheet.wide("示例区2033年一般公共预算支出决算表")
    sheet.add("", "", "", "", "", "", "单位：万元")
    sheet.right.add((2, 6))
    h1 = sheet.add("科目编码", "", "", "科目名称", "年初预算数", "调整预算数", "决算数")
    h2 = sheet.add("类", "款", "项")
    sheet.merge(h1, 0, h1, 2)
    for column in range(3, 7):
        sheet.merge(h1, column, h2, column)
    columns = Columns(
        code=(0, 1, 2),
        name=3,
        amounts=(4, 5, 6),
        keys={"budget": 0, "adjusted": 1, "executed": 2},
    )
    money = Money(places=2, separators=True, zero="0.00", cells="number")
    totals_row, _, rounding = write_body(
        sheet, figures, columns, code_style="split", money=money,
        totals_at="bottom", totals_label="合计", totals_in="merged",
    )  # fmt: skip
    sheet.wide("注：决算数为示例数据。")
    return entry(
        "district-final-split-codes-xlsx",
        filename="示例区2033年决算.xlsx",
        content=sheet.xlsx(),
        year=2033,
        level="示例区",
        stage=Stage.FINAL,
        unit=Unit.WAN,
        unit_on_form=None,
        figures=figures,
        columns=columns,
        money=money,
        header_rows=(h1, h2),
        totals_row=totals_row,
        rounding=rounding,
        description="split codes, three stages, totals off by 0.01 万元",
    )


def science_bureau_inherited_class() -> GalleryTable:
    """A departmental CSV in UTF-8 with BOM: a two-row header (科目编码 over 类/款/项), the 类 cell
    blank on 款 and 项 rows, 本年预算 in 元 with thousands separators and blanks for nothing,
    "合 计" at the top in the name column, two 款 rows off by 0.01 元."""
    plan = Plan(
        tree(
            "206 20601 2060101 20604 2060499 20607 2060702",
            "208 20805 2080505 2080506",
            "210 21011 2101101",
            "221 22102 2210201",
        ),
        single(100_000, 2_000_000_000, zeros=("2060702",)),
        seed=2034_02,
        offsets={"20601": (1,), "20604": (-1,)},
    )
    figures = figure(plan)
    sheet = Sheet(width=5)
    sheet.add("示例市科学技术局2034年一般公共预算支出表")
    sheet.add("单位：元")
    h1 = sheet.add("科目编码", "", "", "科目名称", "本年预算")
    h2 = sheet.add("类", "款", "项")
    columns = Columns(code=(0, 1, 2), name=3, amounts=(4,), keys={"budget": 0})
    money = Money(places=2, separators=True, zero="")
    totals_row, _, rounding = write_body(
        sheet, figures, columns, code_style="split-inherited", money=money,
        totals_at="top", totals_label="合 计", totals_in="name",
    )  # fmt: skip
    sheet.add()
    sheet.add("注：空白表示无此项支出。")
    return entry(
        "science-bureau-inherited-class-utf8-bom",
        filename="科学技术局2034预算.csv",
        content=sheet.csv("utf-8-sig"),
        year=2034,
        level="示例市科学技术局",
        stage=Stage.BUDGET,
        unit=Unit.YUAN,
        unit_on_form=None,
        figures=figures,
        columns=columns,
        money=money,
        header_rows=(h1, h2),
        totals_row=totals_row,
        rounding=rounding,
        description="类 blank on lower rows, 元 with separators, two 款 rows off by 0.01",
    )


def municipal_spaced_codes_unit_in_title() -> GalleryTable:
    """Plain UTF-8 CSV with the unit inside the title ("（单位：万元）"), codes written "208 05 05",
    功能分类 headers, 年初预算数 with "-" for nothing, "总计" at the top in the name column."""
    plan = Plan(
        tree(
            "205 20502 2050202 2050203 20507",
            "208 20807 2080705 2080799 20810 2081001 2081002 2081004",
            "210 21003 21004 2100401",
            "211 21103",
            "212 21201 2120101 2120104",
            "213 21303",
            "224 22401",
            "229 22999",
        ),
        single(1_000, 5_000_000, zeros=("2081004", "22999")),
        seed=2035_05,
    )
    figures = figure(plan)
    sheet = Sheet(width=3)
    sheet.add("示例市本级2035年一般公共预算支出预算表（单位：万元）")
    header = sheet.add("功能分类科目编码", "功能分类科目名称", "年初预算数")
    columns = Columns(code=(0,), name=1, amounts=(2,), keys={"budget": 0})
    money = Money(places=2, zero="-")
    totals_row, _, rounding = write_body(
        sheet, figures, columns, code_style="spaced", money=money,
        totals_at="top", totals_label="总计", totals_in="name",
    )  # fmt: skip
    sheet.add("注：“-”表示该科目无预算安排。")
    return entry(
        "municipal-spaced-codes-unit-in-title-utf8",
        filename="2035-municipal-budget.csv",
        content=sheet.csv("utf-8"),
        year=2035,
        level="示例市本级",
        stage=Stage.BUDGET,
        unit=Unit.WAN,
        unit_on_form=None,
        figures=figures,
        columns=columns,
        money=money,
        header_rows=(header,),
        totals_row=totals_row,
        rounding=rounding,
        description="unit in the title, codes with spaces, '-' for nothing",
    )


def district_adjusted_no_unit_row() -> GalleryTable:
    """No unit anywhere (the clerk says 万元 on the form): GB18030, full-width codes, 科目代码 and
    one amount column 金额 meaning the stage uploaded (adjusted), totals at the bottom in the code
    column, two 款 rows off by 0.01 万元."""
    plan = Plan(
        tree(
            "201 20103 20106",
            "204 20402 20406",
            "205 20501 20502 20503",
            "207 20701 20703",
            "208 20801 20805 2080505 2080506 20807 20819 2081901 2081902",
            "210 21004 21007 21011",
            "212 21203",
            "213 21301 21303",
            "221 22101 22102",
            "224 22401",
        ),
        single(1_000, 2_000_000),
        seed=2036_06,
        offsets={"20805": (1,), "20819": (-1,)},
    )
    figures = figure(plan)
    sheet = Sheet(width=3)
    sheet.add("示例区2036年一般公共预算支出调整预算表")
    header = sheet.add("科目代码", "科目名称", "金额")
    columns = Columns(code=(0,), name=1, amounts=(2,), keys={"adjusted": 0})
    money = Money(places=2)
    totals_row, _, rounding = write_body(
        sheet, figures, columns, code_style="full-width", money=money,
        totals_at="bottom", totals_label="合计", totals_in="code",
    )  # fmt: skip
    sheet.add()
    return entry(
        "district-adjusted-no-unit-row-gb18030",
        filename="示例区2036调整预算.csv",
        content=sheet.csv("gb18030"),
        year=2036,
        level="示例区",
        stage=Stage.ADJUSTED,
        unit=Unit.WAN,
        unit_on_form=Unit.WAN,
        figures=figures,
        columns=columns,
        money=money,
        header_rows=(header,),
        totals_row=totals_row,
        rounding=rounding,
        description="no unit row (万元 on the form), full-width codes, 金额 = the stage's amount",
    )


def police_final_no_unit_xlsx() -> GalleryTable:
    """No unit row (元 on the form), XLSX: 编码 / 项目 / 执行数, codes "204 02 01" as text, amounts
    as numbers and, every third row, as text with separators; "合计" at the top."""
    plan = Plan(
        tree(
            "204 20402 2040201 2040202 2040220 2040299",
            "208 20805 2080505 2080506 20808",
            "210 21011 2101101",
            "221 22102 2210201",
        ),
        single(1_000_000, 3_000_000_000),
        seed=2032_09,
    )
    figures = figure(plan)
    sheet = Sheet(width=3)
    sheet.wide("示例市公安局2032年一般公共预算支出执行情况表")
    header = sheet.add("编码", "项目", "执行数")
    columns = Columns(code=(0,), name=1, amounts=(2,), keys={"executed": 0})
    money = Money(places=2, separators=True, cells="mixed")
    totals_row, _, rounding = write_body(
        sheet, figures, columns, code_style="spaced", money=money,
        totals_at="top", totals_label="合计", totals_in="code",
    )  # fmt: skip
    return entry(
        "police-final-no-unit-xlsx",
        filename="gonganju-2032.xlsx",
        content=sheet.xlsx(),
        year=2032,
        level="示例市公安局",
        stage=Stage.FINAL,
        unit=Unit.YUAN,
        unit_on_form=Unit.YUAN,
        figures=figures,
        columns=columns,
        money=money,
        header_rows=(header,),
        totals_row=totals_row,
        rounding=rounding,
        description="no unit row (元 on the form), 项目 as the name, amounts as numbers and text",
    )


def district_thousands_budget() -> GalleryTable:
    """A table in 千元 (whole 千元, thousands separators), UTF-8 with BOM, two 款 rows off by one
    千元, totals "合计" at the bottom in the name column."""
    plan = Plan(
        tree(
            "201 20101 20103 20106",
            "203 20306",
            "204 20402",
            "205 20501 20502 2050201 2050202 20503 2050302",
            "206 20601",
            "208 20802 20810 20811 20819",
            "210 21001 21003 21004",
            "211 21101",
            "212 21201 21205",
            "213 21301",
            "214 21401",
            "216 21602",
            "220 22001",
            "221 22101 22103",
            "222 22201",
            "224 22401",
            "227",
            "229 22999",
            "232 23203",
        ),
        single(50, 900_000),
        seed=2032_10,
        offsets={"20502": (1,), "20503": (-1,)},
    )
    figures = figure(plan)
    sheet = Sheet(width=3)
    sheet.add("示例区2032年一般公共预算支出表")
    sheet.add("", "", "单位：千元")
    header = sheet.add("科目编码", "科目名称", "预算数")
    columns = Columns(code=(0,), name=1, amounts=(2,), keys={"budget": 0})
    money = Money(places=0, separators=True, zero="0")
    totals_row, _, rounding = write_body(
        sheet, figures, columns, code_style="plain", money=money,
        totals_at="bottom", totals_label="合计", totals_in="name",
    )  # fmt: skip
    sheet.add("注：本表以千元为单位，合计数与分项之和的差额为四舍五入所致。")
    return entry(
        "district-thousands-budget-utf8-bom",
        filename="2032示例区预算（千元）.csv",
        content=sheet.csv("utf-8-sig"),
        year=2032,
        level="示例区",
        stage=Stage.BUDGET,
        unit=Unit.THOUSAND,
        unit_on_form=None,
        figures=figures,
        columns=columns,
        money=money,
        header_rows=(header,),
        totals_row=totals_row,
        rounding=rounding,
        description="千元, whole numbers, two 款 rows off by one 千元",
    )


def county_hundred_millions() -> GalleryTable:
    """A county summary in 亿元 with four places: name before code (功能科目名称 / 科目编码), the
    unit on the 编制单位 row on the right, codes as numbers, "合计" at the bottom."""
    plan = Plan(
        tree(
            "201 20101 20103 20106",
            "204 20402",
            "205 20501 20502",
            "206 20604",
            "208 20805 20807 20810",
            "210 21004 21011",
            "212 21203",
            "213 21301",
            "221 22101",
        ),
        single(100, 30_000),
        seed=2034_11,
    )
    figures = figure(plan)
    sheet = Sheet(width=3)
    sheet.wide("示例县2034年一般公共预算支出表")
    sheet.add("编制单位：示例县财政局", "", "单位：亿元")
    sheet.right.add((2, 2))
    header = sheet.add("功能科目名称", "科目编码", "预算数")
    columns = Columns(code=(1,), name=0, amounts=(2,), keys={"budget": 0})
    money = Money(places=4, cells="number")
    totals_row, _, rounding = write_body(
        sheet, figures, columns, code_style="number", money=money,
        totals_at="bottom", totals_label="合计", totals_in="name",
    )  # fmt: skip
    return entry(
        "county-hundred-millions-xlsx",
        filename="示例县2034.xlsx",
        content=sheet.xlsx(),
        year=2034,
        level="示例县",
        stage=Stage.BUDGET,
        unit=Unit.YI,
        unit_on_form=None,
        figures=figures,
        columns=columns,
        money=money,
        header_rows=(header,),
        totals_row=totals_row,
        rounding=rounding,
        description="亿元 with four places, name column first",
    )


def civil_affairs_stage_over_groups() -> GalleryTable:
    """公开08表: a stage word spanning the amount groups ("2031年预算数" over 合计/基本支出/项目
    支出), 项目 over 科目编码/科目名称, 万元 on the 编制单位 row, blanks for nothing, amounts as
    numbers and some as text."""
    plan = Plan(
        tree(
            "208 20802 2080201 2080208 20805 2080505 2080506 20810 2081001 2081002 2081004",
            "20811 2081107 20819 2081901 2081902 20820",
            "210 21011 2101101 2101102",
            "221 22102 2210201",
        ),
        basic_and_project(100, 500_000, project_only=("2081107", "20820", "2081901")),
        seed=2031_08,
    )
    figures = figure(plan)
    sheet = Sheet(width=5)
    sheet.add("", "", "", "", "公开08表")
    sheet.right.add((1, 4))
    sheet.wide("示例市民政局2031年一般公共预算支出表")
    sheet.add("编制单位：示例市民政局", "", "", "", "单位：万元")
    sheet.right.add((3, 4))
    h1 = sheet.add("项目", "", "2031年预算数")
    h2 = sheet.add("科目编码", "科目名称", "合计", "基本支出", "项目支出")
    sheet.merge(h1, 0, h1, 1)
    sheet.merge(h1, 2, h1, 4)
    columns = Columns(code=(0,), name=1, amounts=(2, 3, 4), keys={"budget": 0})
    money = Money(places=2, zero="", cells="mixed")
    totals_row, _, rounding = write_body(
        sheet, figures, columns, code_style="plain", money=money,
        totals_at="top", totals_label="合计", totals_in="merged",
    )  # fmt: skip
    sheet.wide("注：本表为示例数据。")
    sheet.add()
    return entry(
        "civil-affairs-stage-over-groups-xlsx",
        filename="示例市民政局2031年部门预算公开08表.xlsx",
        content=sheet.xlsx(),
        year=2031,
        level="示例市民政局",
        stage=Stage.BUDGET,
        unit=Unit.WAN,
        unit_on_form=None,
        figures=figures,
        columns=columns,
        money=money,
        header_rows=(h1, h2),
        totals_row=totals_row,
        rounding=rounding,
        description="'2031年预算数' over 合计/基本支出/项目支出",
    )


def urban_management_final() -> GalleryTable:
    """Final accounts in 元 (GB18030): 调整后预算数 / 支出决算, "—" and blanks for nothing, a unit
    row, totals at the bottom in the code column and off by 0.01 元 in 支出决算."""
    plan = Plan(
        tree(
            "201 20132 2013202",
            "208 20805 2080505 2080506",
            "212 21201 2120101 2120104 21205",
            "221 22102 2210201",
        ),
        adjusted_and_final(100_000, 5_000_000_000, nil=("2013202",)),
        seed=2033_12,
        total_offset=(0, -1),
    )
    figures = figure(plan)
    sheet = Sheet(width=4)
    sheet.add("示例市城市管理局2033年一般公共预算支出决算表")
    sheet.add("单位：元")
    header = sheet.add("科目编码", "科目名称", "调整后预算数", "支出决算")
    columns = Columns(code=(0,), name=1, amounts=(2, 3), keys={"adjusted": 0, "executed": 1})
    money = Money(places=2, separators=True, zero="—")
    totals_row, _, rounding = write_body(
        sheet, figures, columns, code_style="plain", money=money,
        totals_at="bottom", totals_label="合计", totals_in="code",
    )  # fmt: skip
    sheet.add("注：“—”表示无数据。")
    sheet.add()
    return entry(
        "urban-management-final-gb18030",
        filename="城市管理局2033决算.csv",
        content=sheet.csv("gb18030"),
        year=2033,
        level="示例市城市管理局",
        stage=Stage.FINAL,
        unit=Unit.YUAN,
        unit_on_form=None,
        figures=figures,
        columns=columns,
        money=money,
        header_rows=(header,),
        totals_row=totals_row,
        rounding=rounding,
        description="元, 调整后预算数/支出决算, '—' for nothing, totals off by 0.01",
    )


def labour_bureau_three_header_rows() -> GalleryTable:
    """Three header rows: 项目 over 功能分类科目编码 (over 类/款/项) and 科目名称; 本年预算 over
    合计/基本支出/项目支出; 类/款/项 as numbers (款 5 shown as 05); totals merged at the top."""
    plan = Plan(
        tree(
            "208 20801 2080101 2080109 20805 2080505 2080506 20807 2080705 2080799",
            "210 21011 2101101 2101102",
            "221 22102 2210201",
        ),
        basic_and_project(1_000_000, 800_000_000, project_only=("2080705", "2080799")),
        seed=2035_04,
    )
    figures = figure(plan)
    sheet = Sheet(width=7)
    sheet.wide("示例市人力资源和社会保障局2035年一般公共预算支出表")
    sheet.add("编制单位：示例市人力资源和社会保障局", "", "", "", "", "", "单位：元")
    sheet.right.add((2, 6))
    h1 = sheet.add("项目", "", "", "", "本年预算")
    h2 = sheet.add("功能分类科目编码", "", "", "科目名称", "合计", "基本支出", "项目支出")
    h3 = sheet.add("类", "款", "项")
    sheet.merge(h1, 0, h1, 3)
    sheet.merge(h1, 4, h1, 6)
    sheet.merge(h2, 0, h2, 2)
    sheet.merge(h2, 3, h3, 3)
    for column in (4, 5, 6):
        sheet.merge(h2, column, h3, column)
    columns = Columns(code=(0, 1, 2), name=3, amounts=(4, 5, 6), keys={"budget": 0})
    money = Money(places=2, separators=True, zero="", cells="number")
    totals_row, _, rounding = write_body(
        sheet, figures, columns, code_style="split-number", money=money,
        totals_at="top", totals_label="合计", totals_in="merged",
    )  # fmt: skip
    sheet.wide("注：本表数据为示例。")
    return entry(
        "labour-bureau-three-header-rows-xlsx",
        filename="人社局2035一般公共预算支出表.xlsx",
        content=sheet.xlsx(),
        year=2035,
        level="示例市人力资源和社会保障局",
        stage=Stage.BUDGET,
        unit=Unit.YUAN,
        unit_on_form=None,
        figures=figures,
        columns=columns,
        money=money,
        header_rows=(h1, h2, h3),
        totals_row=totals_row,
        rounding=rounding,
        description="three header rows, split codes as numbers",
    )


def health_commission_rounded_wan() -> GalleryTable:
    """A 万元 table with the unit in the amount header (预算数（万元）), two decimals, a 款 pair
    and a 类 pair off by 0.01 and the totals row off by 0.01: five rounding differences."""
    plan = Plan(
        tree(
            "208 20805 2080505 2080506 20808",
            "210 21001 21003 21004 2100401 2100408 21007 21011 2101101 2101102",
            "221 22101 22102 2210201",
        ),
        single(10, 800_000),
        seed=2036_02,
        offsets={"21004": (1,), "21011": (-1,), "208": (-1,), "221": (1,)},
        total_offset=(1,),
    )
    figures = figure(plan)
    sheet = Sheet(width=3)
    sheet.add("示例市卫生健康委员会2036年一般公共预算支出表")
    header = sheet.add("科目编码", "科目名称", "预算数（万元）")
    columns = Columns(code=(0,), name=1, amounts=(2,), keys={"budget": 0})
    money = Money(places=2, separators=True)
    totals_row, _, rounding = write_body(
        sheet, figures, columns, code_style="plain", money=money,
        totals_at="bottom", totals_label="合计", totals_in="name",
    )  # fmt: skip
    return entry(
        "health-commission-rounded-wan-utf8",
        filename="卫健委2036.csv",
        content=sheet.csv("utf-8"),
        year=2036,
        level="示例市卫生健康委员会",
        stage=Stage.BUDGET,
        unit=Unit.WAN,
        unit_on_form=None,
        figures=figures,
        columns=columns,
        money=money,
        header_rows=(header,),
        totals_row=totals_row,
        rounding=rounding,
        description="unit in the header, 款, 类 and totals rounding differences",
    )


def build_gallery() -> tuple[GalleryTable, ...]:
    return (
        education_bureau_budget(),
        municipal_every_class_budget(),
        district_final_split_codes(),
        science_bureau_inherited_class(),
        municipal_spaced_codes_unit_in_title(),
        district_adjusted_no_unit_row(),
        police_final_no_unit_xlsx(),
        district_thousands_budget(),
        county_hundred_millions(),
        civil_affairs_stage_over_groups(),
        urban_management_final(),
        labour_bureau_three_header_rows(),
        health_commission_rounded_wan(),
    )


GALLERY: tuple[GalleryTable, ...] = build_gallery()
BY_NAME: dict[str, GalleryTable] = {table.name: table for table in GALLERY}


# -- tables for one point each ----------------------------------------------------------------------


@dataclass(frozen=True)
class PointTable:
    """A table made to show one thing; *rows* names the rows that matter (code or role → row)."""

    filename: str
    content: bytes
    rows: dict[str, int]
    figures: Figures | None = None


def livelihood_budget(year: int, *, unit_row: bool) -> PointTable:
    """A small 万元 budget table spread over several areas (education, employment, health care,
    housing, support for vulnerable groups); without the unit row it is the same table with
    nothing to say its unit."""
    plan = Plan(
        tree(
            "205 20502 2050202 2050203",
            "208 20807 2080705 20819 2081901",
            "210 21004 2100401",
            "221 22101",
        ),
        single(100_000, 5_000_000),
        seed=4242,
    )
    figures = figure(plan)
    sheet = Sheet(width=3)
    sheet.add(f"示例市本级{year}年一般公共预算民生支出表")
    if unit_row:
        sheet.add("", "", "单位：万元")
    sheet.add("科目编码", "科目名称", "预算数")
    columns = Columns(code=(0,), name=1, amounts=(2,), keys={"budget": 0})
    totals_row, class_rows, _ = write_body(
        sheet, figures, columns, code_style="plain", money=Money(places=2),
        totals_at="bottom", totals_label="合计", totals_in="name",
    )  # fmt: skip
    return PointTable(
        f"民生支出{year}.csv", sheet.csv("gb18030"), {"totals": totals_row, **class_rows}, figures
    )


def inconsistent_subtotal(where: str) -> PointTable:
    """A 万元 table where one row is off by 12.00 万元 — far more than rounding: the 款 20502
    ("section": its 类 still equals the items under it), the 类 205 ("class": its 款 rows are
    right, and so is the totals row) or the totals row ("totals")."""
    wrong = (1_200,)
    plan = Plan(
        tree("205 20501 20502 2050201 2050202", "208 20805 20807"),
        single(10_000, 900_000),
        seed=77,
        offsets={code: wrong for code in {"section": ["20502"], "class": ["205"]}.get(where, [])},
        total_offset=wrong if where == "totals" else None,
    )
    figures = figure(plan, rounding=False)
    sheet = Sheet(width=3)
    sheet.add("示例区2031年一般公共预算支出表")
    sheet.add("单位：万元")
    sheet.add("科目编码", "科目名称", "预算数")
    rows: dict[str, int] = {}
    for line in figures.rows:
        rows[line.code] = sheet.add(line.code, line.name, Money().text(line.amounts[0]))
    rows["totals"] = sheet.add("合计", "", Money().text(figures.total[0]))
    return PointTable("inconsistent.csv", sheet.csv("utf-8"), rows, figures)


def unlisted_code() -> PointTable:
    """A valid code the classification does not list (2089999, 示例新增项目) under 20899."""
    sheet = Sheet(width=3)
    sheet.add("示例区2033年一般公共预算支出表")
    sheet.add("单位：万元")
    sheet.add("科目编码", "科目名称", "预算数")
    rows = {
        "208": sheet.add("208", "社会保障和就业支出", "150.00"),
        "20899": sheet.add("20899", "其他社会保障和就业支出", "150.00"),
        "2089999": sheet.add("2089999", "示例新增项目", "150.00"),
    }
    rows["totals"] = sheet.add("合计", "", "150.00")
    return PointTable("新增科目.csv", sheet.csv("utf-8"), rows)


#: Codes that cannot be functional classification codes of expenditure.
NOT_CODES = ("1010101", "20", "ABC")


def invalid_codes() -> PointTable:
    """A table whose code column holds a revenue code, a two-digit code and letters."""
    sheet = Sheet(width=3)
    sheet.add("单位：万元")
    sheet.add("科目编码", "科目名称", "预算数")
    rows = {
        "205": sheet.add("205", "教育支出", "10.00"),
        "20502": sheet.add("20502", "普通教育", "10.00"),
    }
    for code in NOT_CODES:
        rows[code] = sheet.add(code, "示例科目", "1.00")
    return PointTable("bad-codes.csv", sheet.csv("utf-8"), rows)


def png_bytes() -> bytes:
    """A real (tiny, 1×1) PNG image."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


LETTER = (
    "关于报送示例市2031年部门预算的函\r\n"
    "\r\n"
    "市财政局：\r\n"
    "    根据工作安排，现将我局2031年部门预算草案报送你局，请予审核。\r\n"
    "    特此函告。\r\n"
    "\r\n"
    "示例市教育局\r\n"
    "2030年12月1日\r\n"
)


def bad_inputs() -> dict[str, PointTable]:
    """Files that cannot be imported, each with the rows its problems are on (if any)."""
    no_code = Sheet(width=3)
    no_code.add("单位：万元")
    no_code.add("序号", "科目名称", "预算数")
    no_code.add("1", "教育支出", "100.00")
    no_code.add("2", "卫生健康支出", "80.00")

    no_amount = Sheet(width=3)
    no_amount.add("单位：万元")
    no_amount.add("科目编码", "科目名称", "备注")
    no_amount.add("205", "教育支出", "含市属学校")
    no_amount.add("20502", "普通教育", "")

    text_amounts = Sheet(width=3)
    text_amounts.add("单位：万元")
    text_amounts.add("科目编码", "科目名称", "预算数")
    text_amounts.add("205", "教育支出", "待定")
    text_amounts.add("20502", "普通教育", "约100万")
    text_amounts.add("2050202", "小学教育", "1.2.3")
    text_amounts.add("2050203", "初中教育", "见附表")

    return {
        "png-renamed-xlsx": PointTable("预算表.xlsx", png_bytes(), {}),
        "random-bytes-csv": PointTable("预算表.csv", random.Random(5).randbytes(4_000), {}),
        "letter-csv": PointTable("报送函.csv", LETTER.encode("gb18030"), {}),
        "no-code-column": PointTable("no-code.csv", no_code.csv("utf-8"), {}),
        "no-amount-column": PointTable("no-amount.csv", no_amount.csv("utf-8"), {}),
        "text-amounts": PointTable(
            "text-amounts.csv",
            text_amounts.csv("utf-8"),
            {"待定": 3, "约100万": 4, "1.2.3": 5, "见附表": 6},
        ),
    }
