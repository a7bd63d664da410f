"""Reading a spending table as it was published: where its header is, what each column holds, and
what unit it is in.

A published table starts with title rows (表名, 编制单位, 公开07表), a unit row (单位：万元), then a
header of one to several rows with merged cells (项目 over 科目编码 / 科目名称; 科目编码 over
类 / 款 / 项; 本年预算 over 合计 / 基本支出 / 项目支出), sometimes a row numbering the columns (栏次),
then its lines. :func:`find_layout` looks at the first rows for all of that: each column's header
is read top to bottom through the merged cells, and its role (code, 类/款/项, name, the amount of a
stage, a part of an amount, a comparison) follows from its words. What it decides is a
:class:`SpendingLayout`, shown to the clerk, who can correct the columns and the unit on the form.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from portal.datasets.models import Stage
from portal.spending.upload.codes import normalise_code, split_code_and_name
from portal.spending.upload.vocabulary import (
    AMOUNT_KEYS,
    CODE_WORDS,
    COLUMN_NUMBER_WORDS,
    DEPARTMENT_WORDS,
    NAME_WORDS,
    PART_WORDS,
    PROJECT_WORDS,
    SPLIT_CODE_WORDS,
    STAGE_COLUMN,
    TOTAL_WORDS,
    YEAR_WORDS,
    amount_name,
    is_comparison,
    is_footer,
    is_totals_label,
    plain,
    stage_name,
    stage_of,
    years_in,
)
from portal.uploads.problems import Problem
from portal.uploads.rows import Row
from portal.uploads.units import Unit, unit_of_word, units_in_text

#: How many rows at the top are looked at for the title, unit and header.
LAYOUT_ROWS = 40
#: A header has at most this many rows.
MAX_HEADER_ROWS = 6
#: Longest cell taken for a header word.
MAX_HEADER_CELL = 60
#: A merged range: first row, first column, last row, last column (1-based, as a sheet counts).
Merge = tuple[int, int, int, int]

SPLIT_ROLES = ("lei", "kuan", "xiang")


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA (as a spreadsheet names its columns)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letter: str) -> int | None:
    """The inverse of :func:`column_letter`; ``None`` for anything else."""
    letter = letter.strip().upper()
    if not letter or not letter.isascii() or not letter.isalpha() or len(letter) > 3:
        return None
    index = 0
    for char in letter:
        index = index * 26 + ord(char) - 64
    return index - 1


@dataclass
class Column:
    """One column of the table as read: its header (top to bottom) and what it holds."""

    index: int
    header: str
    role: str = "ignored"  # code | lei | kuan | xiang | name | department | project | year | budget | adjusted | executed | ignored
    note: str = ""  # why an amount-like column is not used: part | comparison | other-year | second | unknown

    @property
    def letter(self) -> str:
        return column_letter(self.index)


@dataclass
class SpendingLayout:
    header_rows: tuple[int, ...]
    first_line_row: int
    width: int
    columns: list[Column]
    unit: Unit | None = None
    unit_from_file: bool = False
    #: Where the file states its unit: (row, text).
    unit_found: list[tuple[int, str]] = field(default_factory=list)
    totals_row: int | None = None
    corrected: tuple[str, ...] = ()  # roles set on the form rather than read from the file

    def of(self, role: str) -> int | None:
        return next((c.index for c in self.columns if c.role == role), None)

    @property
    def code_columns(self) -> tuple[int, ...]:
        code = self.of("code")
        if code is not None:
            return (code,)
        return tuple(i for i in (self.of(r) for r in SPLIT_ROLES) if i is not None)

    @property
    def split(self) -> bool:
        return self.of("code") is None and bool(self.code_columns)

    @property
    def name_column(self) -> int | None:
        return self.of("name")

    @property
    def amount_columns(self) -> dict[str, int]:
        return {key: i for key in AMOUNT_KEYS if (i := self.of(key)) is not None}

    def header_of(self, index: int) -> str:
        return next((c.header for c in self.columns if c.index == index), column_letter(index))

    def to_dict(self) -> dict[str, Any]:
        """For the version's record of how its file was read."""
        return {
            "header_rows": list(self.header_rows),
            "first_line_row": self.first_line_row,
            "columns": [
                {"letter": c.letter, "header": c.header, "role": c.role, "note": c.note}
                for c in self.columns
            ],
            "unit": self.unit.value if self.unit else None,
            "unit_from_file": self.unit_from_file,
            "unit_found": [list(u) for u in self.unit_found],
            "totals_row": self.totals_row,
            "corrected": list(self.corrected),
        }


@dataclass(frozen=True)
class LayoutRequest:
    """What the form says about the file: the stage, the unit (when the file does not say it),
    and corrections of what the columns hold (role → 0-based column)."""

    stage: Stage
    unit: Unit | None = None
    columns: dict[str, int] = field(default_factory=dict)
    header_row: int | None = None


# -- finding the header ----------------------------------------------------------------------------


def _is_header_word(text: str) -> bool:
    if not text or len(text) > MAX_HEADER_CELL:
        return False
    return (
        text in CODE_WORDS
        or text in NAME_WORDS
        or text in SPLIT_CODE_WORDS
        or text in DEPARTMENT_WORDS
        or text in TOTAL_WORDS
        or text in PART_WORDS
        or text in PROJECT_WORDS
        or stage_of(text) is not None
    )


def looks_like_code(text: str) -> bool:
    code = normalise_code(text)
    if code.isdigit() and code.isascii() and len(code) in (3, 5, 7) and code.startswith("2"):
        return True
    return split_code_and_name(text) is not None


def _is_number(text: str) -> bool:
    plain_text = plain(text).replace(",", "").lstrip("-")
    return bool(plain_text) and plain_text.replace(".", "", 1).isdigit()


def _is_column_numbers(cells: Sequence[str]) -> bool:
    """栏次 1 2 3 …, or only small consecutive integers."""
    filled = [plain(c) for c in cells if c.strip()]
    if not filled:
        return False
    if filled[0] in COLUMN_NUMBER_WORDS:
        return True
    numbers = [f for f in filled if f.isdigit()]
    return len(numbers) >= 2 and numbers == [str(i) for i in range(1, len(numbers) + 1)]


def _is_line(cells: Sequence[str]) -> bool:
    """A row of the table's body (a line or the totals row): it holds a number (a code or an
    amount), where header rows hold words (合计 among them) and the row numbering the columns
    is not a line."""
    filled = [c for c in cells if c.strip()]
    if not filled or _is_column_numbers(cells):
        return False
    return any(looks_like_code(c) or _is_number(c) for c in filled)


def _header_start(rows: Sequence[Row]) -> int | None:
    """Index (in *rows*) of the first row of the header."""
    for position, (_number, cells) in enumerate(rows):
        words = [plain(c) for c in cells if c.strip()]
        header_words = [w for w in words if _is_header_word(w)]
        if any(w in CODE_WORDS or w in SPLIT_CODE_WORDS for w in words) or len(header_words) >= 2:
            if _is_line(cells):
                return None  # lines before any header: there is none
            return position
    return None


def _grid(rows: Sequence[Row], width: int, merges: Sequence[Merge]) -> list[list[str]]:
    """The header rows' cells with every merged range filled with its value."""
    grid = [list(cells) + [""] * (width - len(cells)) for _n, cells in rows]
    numbers = {number: i for i, (number, _c) in enumerate(rows)}
    for first_row, first_col, last_row, last_col in merges:
        if first_row not in numbers or first_col > width:
            continue
        value = grid[numbers[first_row]][first_col - 1]
        for row in range(first_row, last_row + 1):
            if row not in numbers:
                continue
            for col in range(first_col, min(last_col, width) + 1):
                grid[numbers[row]][col - 1] = value
    # Without (or beyond) merge information: an empty cell of an upper header row over a column
    # that has a header further down belongs to the group on its left (本年预算 / 合计 基本 项目).
    for r in range(len(grid) - 1):
        for c in range(1, width):
            if not grid[r][c].strip() and grid[r][c - 1].strip():
                below = any(grid[k][c].strip() for k in range(r + 1, len(grid)))
                left_below = any(
                    grid[k][c - 1].strip() != grid[r][c - 1].strip() and grid[k][c - 1].strip()
                    for k in range(r + 1, len(grid))
                )
                if below and left_below:
                    grid[r][c] = grid[r][c - 1]
    return grid


def _column_headers(grid: list[list[str]], width: int) -> list[tuple[list[str], str]]:
    """Per column: its header words top to bottom (plain) and as written."""
    headers = []
    for c in range(width):
        words: list[str] = []
        written: list[str] = []
        for row in grid:
            cell = row[c].strip()
            if cell and (not written or written[-1] != cell):
                written.append(cell)
                words.append(plain(cell))
        headers.append((words, " / ".join(written)))
    return headers


# -- what each column holds ---------------------------------------------------------------------


def _role(words: list[str], year: int) -> tuple[str, str]:
    """(role, note) of a column from its header words, top to bottom."""
    if not words:
        return "ignored", ""
    lowest = words[-1]
    if lowest in SPLIT_CODE_WORDS:
        return SPLIT_ROLES[SPLIT_CODE_WORDS[lowest]], ""
    if lowest in CODE_WORDS:
        return "code", ""
    if lowest in NAME_WORDS and lowest != "项目":
        return "name", ""
    if lowest in DEPARTMENT_WORDS:
        return "department", ""
    if lowest in YEAR_WORDS:
        return "year", ""
    if lowest in PROJECT_WORDS:
        return "project", ""
    if any(is_comparison(w) for w in words):
        return "ignored", "comparison"
    if any(y != year for w in words for y in years_in(w)):
        return "ignored", "other-year"
    stage = next((s for w in reversed(words) if (s := stage_of(w))), None)
    if lowest in PART_WORDS:
        return "ignored", "part"
    if lowest in TOTAL_WORDS or stage_of(lowest):
        return (stage or "amount"), ""
    if any(w in CODE_WORDS for w in words):
        return "code", ""
    return "ignored", "unknown"


def _assign(columns: list[Column], stage: Stage) -> None:
    """Settle the roles: one column per role, 项目 as name or project, a lone amount to the
    stage of the upload."""
    if not any(c.role == "name" for c in columns):
        for column in columns:
            if column.role == "project" and plain(column.header.split(" / ")[-1]) == "项目":
                column.role = "name"
                break
    seen: set[str] = set()
    for column in columns:
        if column.role in ("ignored", "amount"):
            continue
        if column.role in seen:
            column.role, column.note = "ignored", "second"
        seen.add(column.role)
    wanted = STAGE_COLUMN.get(stage)
    for column in columns:
        if column.role != "amount":
            continue
        if wanted and wanted not in seen:
            column.role = wanted
            seen.add(wanted)
        else:
            column.role, column.note = "ignored", "second"


def find_layout(
    rows: Sequence[Row], merges: Sequence[Merge], request: LayoutRequest, year: int
) -> tuple[SpendingLayout | None, list[Problem]]:
    """Read the title, unit and header of the table from its first rows (at most
    :data:`LAYOUT_ROWS`); the problems are errors that stop the import."""
    problems: list[Problem] = []
    if request.header_row is not None:
        start = next((i for i, (n, _c) in enumerate(rows) if n == request.header_row), None)
    else:
        start = _header_start(rows)
    if start is None:
        return None, [
            Problem(
                _l(
                    "No header row was found in the first %(rows)s rows: the table needs a row naming its columns, such as 科目编码 (or 类/款/项), 科目名称 and 预算数 / 决算数.",
                    rows=LAYOUT_ROWS,
                )
            )
        ]
    end = start + 1
    while end < len(rows) and end - start < MAX_HEADER_ROWS + 2 and not _is_line(rows[end][1]):
        end += 1
    header = [
        (n, cells)
        for n, cells in rows[start:end]
        if any(c.strip() for c in cells) and not _is_column_numbers(cells)
    ][:MAX_HEADER_ROWS]
    width = max((len(cells) for _n, cells in rows), default=0)
    grid = _grid(header, width, merges)
    columns = [
        Column(index, written, *_role(words, year))
        for index, (words, written) in enumerate(_column_headers(grid, width))
        if written
    ]
    _assign(columns, request.stage)
    layout = SpendingLayout(
        header_rows=tuple(n for n, _c in header),
        first_line_row=rows[end][0] if end < len(rows) else (rows[-1][0] + 1 if rows else 1),
        width=width,
        columns=columns,
    )
    _apply_corrections(layout, request)
    _read_unit(layout, rows[:start], request, problems)
    _check_roles(layout, request.stage, problems)
    # The lines are read as far as the last column used: a sheet with stray cells far to the
    # right (or thousands of empty columns) costs nothing more.
    used = [c.index for c in layout.columns if c.role != "ignored"]
    layout.width = max(used) + 1 if used else 1
    return layout, problems


def _apply_corrections(layout: SpendingLayout, request: LayoutRequest) -> None:
    if not request.columns:
        return
    by_index = {c.index: c for c in layout.columns}
    for role, index in request.columns.items():
        for other in layout.columns:
            if other.role == role or (role == "code" and other.role in SPLIT_ROLES):
                other.role, other.note = "ignored", "corrected"
        chosen = by_index.get(index)
        if chosen is None:
            chosen = Column(index, column_letter(index))
            layout.columns.append(chosen)
            layout.columns.sort(key=lambda c: c.index)
            by_index[index] = chosen
        chosen.role, chosen.note = role, ""
        layout.width = max(layout.width, index + 1)
    layout.corrected = tuple(sorted(request.columns))


def _read_unit(
    layout: SpendingLayout, above: Sequence[Row], request: LayoutRequest, problems: list[Problem]
) -> None:
    found: list[tuple[int, str, Unit]] = []
    for number, cells in above:
        for i, cell in enumerate(cells):
            units = units_in_text(cell)
            if not units and plain(cell) in ("单位", "金额单位", "unit") and i + 1 < len(cells):
                unit = unit_of_word(next((c for c in cells[i + 1 :] if c.strip()), ""))
                units = [unit] if unit else []
            found.extend((number, cell.strip(), u) for u in units)
    used = {c.index for c in layout.columns if c.role in AMOUNT_KEYS}
    for column in layout.columns:
        if column.index in used or column.role == "ignored":
            found.extend(
                (layout.header_rows[0], column.header, u) for u in units_in_text(column.header)
            )
    layout.unit_found = [(n, text) for n, text, _u in found]
    stated = list(dict.fromkeys(u for _n, _t, u in found))
    if len(stated) > 1:
        problems.append(
            Problem(
                _l(
                    "The table states two different units: %(units)s. Correct the table's unit row or headers, then upload it again.",
                    units="; ".join(f"{u.zh} ({text})" for _n, text, u in found),
                ),
                found[0][0],
            )
        )
        return
    if stated:
        layout.unit, layout.unit_from_file = stated[0], True
        if request.unit is not None and request.unit != stated[0]:
            problems.append(
                Problem(
                    _l(
                        "The table says its amounts are in %(file)s, but the form says %(form)s. Nothing was imported: choose the unit the table states (or “as the table says”), or correct the table.",
                        file=stated[0].label,
                        form=request.unit.label,
                    ),
                    found[0][0],
                    value=found[0][1],
                )
            )
        return
    if request.unit is None:
        problems.append(
            Problem(
                _l(
                    "The table does not say what unit its amounts are in (no row such as 单位：万元). Choose the unit on the form: 元, 千元, 万元 or 亿元."
                )
            )
        )
        return
    layout.unit = request.unit


def _check_roles(layout: SpendingLayout, stage: Stage, problems: list[Problem]) -> None:
    row = layout.header_rows[0] if layout.header_rows else None
    if not layout.code_columns:
        problems.append(
            Problem(
                _l(
                    "No column of codes was found. The table needs a column such as 科目编码 / 功能分类科目编码, or three columns 类, 款, 项. Headers read: %(headers)s.",
                    headers="; ".join(f"{c.letter} {c.header}" for c in layout.columns) or "—",
                ),
                row,
            )
        )
    elif layout.split and layout.of("lei") is None:
        problems.append(
            Problem(
                _l("The code is split into columns, but the 类 (class) column is missing."), row
            )
        )
    wanted = STAGE_COLUMN[stage]
    if wanted not in layout.amount_columns:
        other = [k for k in layout.amount_columns if k != wanted]
        if other:
            message: LazyString = _l(
                "This table holds %(found)s, not the %(wanted)s of the stage chosen (%(stage)s). Choose the stage the table is for, or name the column on the form.",
                found=", ".join(str(amount_name(k)) for k in other),
                wanted=amount_name(wanted),
                stage=stage_name(stage),
            )
        else:
            message = _l(
                "No column of amounts was found (such as 预算数, 决算数, 金额 or 合计). Headers read: %(headers)s.",
                headers="; ".join(f"{c.letter} {c.header}" for c in layout.columns) or "—",
            )
        problems.append(Problem(message, row))


def is_below_table(cells: Sequence[str]) -> bool:
    """A note or signature row (注：…, 填报人 …)."""
    first = next((c for c in cells if c.strip()), "")
    return bool(first) and is_footer(first)


def first_cells_label(cells: Sequence[str], columns: Sequence[int]) -> str | None:
    """The totals label of a row, in any of *columns* (merged cells put it anywhere there)."""
    for index in columns:
        if index < len(cells) and cells[index].strip() and is_totals_label(cells[index]):
            return cells[index].strip()
    return None


def role_names() -> dict[str, LazyString]:
    return {
        "code": _l("Code"),
        "lei": _l("Code: class (类)"),
        "kuan": _l("Code: section (款)"),
        "xiang": _l("Code: item (项)"),
        "name": _l("Name"),
        "department": _l("Department"),
        "project": _l("Project"),
        "year": _l("Year"),
        "budget": _l("Budget (预算数)"),
        "adjusted": _l("Adjusted budget (调整预算数)"),
        "executed": _l("Final accounts (决算数)"),
        "ignored": _l("Not used"),
    }


def note_names() -> dict[str, LazyString]:
    return {
        "part": _l("a part of the total beside it"),
        "comparison": _l("a comparison or an earlier year"),
        "other-year": _l("another year's figures"),
        "second": _l("a second column for the same thing"),
        "unknown": _l("not a column the portal reads"),
        "corrected": _l("replaced by the column chosen on the form"),
    }
