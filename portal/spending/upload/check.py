"""Checking a spending table's lines in one streaming pass, with memory that does not grow with
the file (except for 8 bytes of hash per line, to find duplicates).

Per row: the code (one column, or 类/款/项 columns joined; 3, 5 or 7 digits, a 2xx code of
expenditure), the amounts in the table's unit (exact to the 分), the lengths of department and
project, the year if the file has that column, and the line's key (code, department, project)
against every earlier one. Rows without a code are the table's totals row (kept to be checked),
notes and headings (left out), or an error if they carry amounts. Per code, sums are kept (the
codes are few), so that at the end every 款 and 类 row and the totals row can be held against the
rows below them: a difference within the rounding of the table's last digit is a warning naming
both figures, a larger one an error on the level that is inconsistent. Lines that pass are written
to a :class:`~portal.spending.upload.spool.Spool` for the insert.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from portal.datasets.models import Stage
from portal.spending.aggregation import AreaMapper, leaf_codes, parent_code
from portal.spending.upload.codes import (
    SplitCodeReader,
    code_problem,
    normalise_code,
    split_code_and_name,
)
from portal.spending.upload.layout import SpendingLayout, first_cells_label, is_below_table
from portal.spending.upload.spool import Spool
from portal.spending.upload.vocabulary import (
    AMOUNT_KEYS,
    CODE_WORDS,
    COLUMN_NUMBER_WORDS,
    MAX_DEPARTMENT,
    MAX_NAME,
    MAX_PROJECT,
    SPLIT_CODE_WORDS,
    plain,
)
from portal.uploads.amounts import (
    NIL,
    CellError,
    decimal_places,
    format_amount,
    parse_amount,
    plain_amounts,
)
from portal.uploads.problems import MAX_PROBLEMS, Problem, ProblemLog, Severity
from portal.uploads.rows import Row, TableRows
from portal.uploads.units import Unit

LineKey = tuple[str, str, str]  # code, department, project
#: The sum of one amount column over a whole file may not pass this (in 分): far beyond any real
#: table, and what keeps every sum inside 64-bit integers.
MAX_COLUMN_FEN = 10**18


def stripped(column: Sequence[str]) -> list[str]:
    """The cells without white space around them (``str.strip`` returns a clean cell itself)."""
    return list(map(str.strip, column))


def all_plain_codes(codes: Sequence[str]) -> bool:
    """Whether every code is a non-empty run of ASCII digits, checked in C: ``all`` for the empty
    ones, then one ``isdigit``/``isascii`` over them joined."""
    if not all(codes):
        return False
    joined = "".join(codes)
    return joined.isdigit() and joined.isascii()


@dataclass(frozen=True)
class Classification:
    """What the published classification says for the table's year."""

    #: Codes it lists (``None``: no classification is published).
    codes: frozenset[str] | None
    #: The year whose names are used (the nearest one when the table's year is outside it).
    year: int | None


@dataclass
class SpendingCheck:
    layout: SpendingLayout
    year: int
    stage: Stage
    unit: Unit
    classification: Classification
    mapper: AreaMapper
    log: ProblemLog
    spool: Spool
    rows: int = 0
    #: code → [first row, lines, budget, adjusted, executed, has budget, has adjusted, has executed]
    tallies: dict[str, list[int]] = field(default_factory=dict)
    #: code → the name the file gives it (the first one)
    names: dict[str, str] = field(default_factory=dict)
    #: amount index → the most decimal places a cell of it shows
    places: dict[int, int] = field(default_factory=dict)
    totals_row: int | None = None
    #: The totals row's amounts, in 分 (``None`` where it leaves one empty).
    totals: list[int | None] | None = None
    #: Codes the classification data has no name for, with the row they first appear on.
    unlisted: dict[str, int] = field(default_factory=dict)
    #: (row, key) of lines whose key hash was seen before; confirmed by :meth:`confirm_duplicates`.
    suspected_duplicates: list[tuple[int, LineKey]] = field(default_factory=list)
    more_duplicates: int = 0
    #: (code, amount index) with an unreadable cell: their subtotals are not held to the lines.
    _unreadable: set[tuple[str, int]] = field(default_factory=set)
    _seen: set[int] = field(default_factory=set)
    _bad_codes: dict[str, LazyString] = field(default_factory=dict)
    _split: SplitCodeReader = field(default_factory=SplitCodeReader)
    _column_sums: list[int] = field(default_factory=lambda: [0, 0, 0])
    _below_table: bool = False

    # -- reading ---------------------------------------------------------------------------------

    def check(self, rows: TableRows, first_rows: Sequence[Row] = ()) -> None:
        """Check *first_rows* (read while looking for the header) and then the rest of *rows*."""
        width = self.layout.width
        lines = [r for r in first_rows if r[0] >= self.layout.first_line_row]
        if lines:
            cells = [
                c[:width] if len(c) >= width else c + [""] * (width - len(c)) for _n, c in lines
            ]
            numbers = [n for n, _c in lines]
            self.check_batch(numbers[0], list(zip(*cells, strict=True)), numbers)
        for first, columns in rows.column_batches(width):
            self.check_batch(first, columns)

    def _codes(
        self, columns: list[Sequence[str]], count: int
    ) -> tuple[list[str], list[str] | None]:
        """The code of each row, and names found beside a code in the same cell."""
        layout = self.layout
        if layout.split:
            parts = [
                columns[i] if i is not None else [""] * count
                for i in (layout.of(r) for r in ("lei", "kuan", "xiang"))
            ]
            return [self._split.code(*cells) for cells in zip(*parts, strict=True)], None
        codes = stripped(columns[layout.code_columns[0]])
        names: list[str] | None = None
        if all_plain_codes(codes):
            return (
                codes,
                None,
            )  # the usual batch: every cell a code of ASCII digits (C-level checks)
        for i, code in enumerate(codes):
            if not code or (code.isdigit() and code.isascii()):
                continue
            normal = normalise_code(code)
            if not normal.isdigit():
                pair = split_code_and_name(code)
                if pair is not None:
                    normal = pair[0]
                    names = names or [""] * count
                    names[i] = pair[1]
            codes[i] = normal
        return codes, names

    def check_batch(
        self, first: int, file_columns: list[Sequence[str]], numbers: Sequence[int] | None = None
    ) -> None:
        """Check a batch of rows column by column: the plain case (every code known, every amount
        a plain number, no repeated key) costs a few C-level passes per column; anything else
        falls back to looking at the cells one by one, to say exactly where the problem is."""
        log = self.log
        count = len(file_columns[0]) if file_columns else 0
        if count == 0:
            return
        row_numbers: Sequence[int] = numbers or range(first, first + count)
        codes, found_names = self._codes(file_columns, count)
        keep = self._rows_to_keep(file_columns, codes, row_numbers)
        if len(keep) < count:
            file_columns = [[column[i] for i in keep] for column in file_columns]
            codes = [codes[i] for i in keep]
            row_numbers = [row_numbers[i] for i in keep]
            if found_names is not None:
                found_names = [found_names[i] for i in keep]
        count = len(codes)
        if count == 0:
            return
        self.rows += count

        bad = self._check_codes(codes, row_numbers)
        amounts = self._amounts(file_columns, codes, row_numbers)
        self._keep_names(file_columns, codes, found_names)

        departments, projects = self._texts(file_columns, row_numbers, count)
        self._check_years(file_columns, row_numbers, count)
        self._find_repeats(codes, departments, projects, row_numbers)
        self._tally(codes, amounts, bad)
        if log.errors == 0:
            self.spool.add((codes, departments, projects, *amounts))  # type: ignore[arg-type]

    def _rows_to_keep(
        self, file_columns: list[Sequence[str]], codes: Sequence[str], numbers: Sequence[int]
    ) -> list[int]:
        """Indices of the rows that are lines. Blank rows, notes, headings and repeated header
        rows go silently; the totals row is kept aside; a row with amounts but no code is an
        error."""
        if all_plain_codes(codes):
            return list(range(len(codes)))  # every row a line: nothing to look at
        keep = []
        layout = self.layout
        label_columns = [*layout.code_columns]
        if layout.name_column is not None:
            label_columns.append(layout.name_column)
        label_columns += [0, 1, 2]
        amount_columns = list(layout.amount_columns.values())
        for i, code in enumerate(codes):
            if code and code.isdigit():
                keep.append(i)
                continue
            cells = [column[i] for column in file_columns]
            if not any(c.strip() for c in cells):
                continue
            if is_below_table(cells):
                self._below_table = True
                continue
            label = first_cells_label(cells, label_columns)
            if label is not None:
                self._take_totals(cells, numbers[i], label)
                continue
            if self._below_table or self._is_header_again(cells, code):
                continue
            if code:
                keep.append(i)  # not a code at all: reported as such
                continue
            if any(cells[a].strip() and plain(cells[a]) not in NIL for a in amount_columns):
                self.log.add(
                    Problem(
                        _l(
                            "The code is missing: this row has amounts but no code. Give it its code, or leave the row out if it is a subtotal."
                        ),
                        numbers[i],
                        self._code_header(),
                        "",
                    )
                )
        return keep

    def _is_header_again(self, cells: Sequence[str], code: str) -> bool:
        """A header repeated on every printed page, or the row numbering the columns."""
        word = plain(code)
        if word in CODE_WORDS or word in SPLIT_CODE_WORDS or word in COLUMN_NUMBER_WORDS:
            return True
        first = next((plain(c) for c in cells if c.strip()), "")
        return first in COLUMN_NUMBER_WORDS

    def _take_totals(self, cells: Sequence[str], number: int, label: str) -> None:
        if self.totals is not None:
            self.log.add(
                Problem(
                    _l(
                        "A second totals row was left out: the table's totals row is row %(row)s.",
                        row=self.totals_row,
                    ),
                    number,
                    value=label,
                    severity=Severity.WARNING,
                )
            )
            return
        values: list[int | None] = [None, None, None]
        for index, key in enumerate(AMOUNT_KEYS):
            at = self.layout.amount_columns.get(key)
            if at is None:
                continue
            text = cells[at].strip()
            try:
                values[index] = parse_amount(text, self.unit) or 0
            except CellError as error:
                self.log.add(Problem(error.message, number, self.layout.header_of(at), text))
                continue
            self._note_places(index, decimal_places(text))
        self.totals, self.totals_row = values, number
        self.layout.totals_row = number

    def _check_codes(self, codes: Sequence[str], numbers: Sequence[int]) -> set[str]:
        """Each new code is checked once; a bad one is reported on every row it is on."""
        bad = set()
        for code in set(codes).difference(self.tallies):
            message = self._bad_codes.get(code) or self._first_sight(
                code, numbers[codes.index(code)]
            )
            if message is not None:
                bad.add(code)
        if bad:
            header = self._code_header()
            for i, code in enumerate(codes):
                if code in bad:
                    self.log.add(Problem(self._bad_codes[code], numbers[i], header, code))
        return bad

    def _code_header(self) -> str:
        return " + ".join(self.layout.header_of(i) for i in self.layout.code_columns)

    def _first_sight(self, code: str, row: int) -> LazyString | None:
        """Check a code the first time it appears; remember a bad one, start a tally for a good one."""
        message = code_problem(code)
        if message is not None:
            self._bad_codes[code] = message
            return message
        self.tallies[code] = [row, 0, 0, 0, 0, 0, 0, 0]
        known = self.classification.codes
        if known is not None and code not in known:
            self.unlisted[code] = row
        return None

    def _note_places(self, index: int, places: int) -> None:
        if places > self.places.get(index, -1):
            self.places[index] = places

    def _amounts(
        self, columns: list[Sequence[str]], codes: Sequence[str], numbers: Sequence[int]
    ) -> list[Sequence[int | None]]:
        """The amounts of each kind, in 分 (``None`` for blank or dash)."""
        amounts: list[Sequence[int | None]] = []
        count = len(codes)
        for index, key in enumerate(AMOUNT_KEYS):
            at = self.layout.amount_columns.get(key)
            if at is None:
                amounts.append([None] * count)
                continue
            plain_values = plain_amounts(columns[at], self.unit)
            if plain_values is not None:
                values, places = plain_values
                self._note_places(index, places)
            else:
                values = self._amounts_one_by_one(columns[at], codes, numbers, index, at)
            if None in values:  # in a column of the table, blank and "-" mean nil: zero
                values = [0 if v is None else v for v in values]
            self._column_sums[index] += sum(map(abs, values))  # type: ignore[arg-type]
            amounts.append(values)
        return amounts

    def _amounts_one_by_one(
        self,
        column: Sequence[str],
        codes: Sequence[str],
        numbers: Sequence[int],
        index: int,
        at: int,
    ) -> list[int | None]:
        values: list[int | None] = []
        header = self.layout.header_of(at)
        for i, text in enumerate(column):
            try:
                value = parse_amount(text, self.unit)
            except CellError as error:
                values.append(None)
                self._unreadable.add((codes[i], index))
                self.log.add(Problem(error.message, numbers[i], header, text))
                continue
            if value is not None:
                self._note_places(index, decimal_places(text))
                if value < 0:
                    self.log.add(
                        Problem(
                            _l("A negative amount: check that it is meant."),
                            numbers[i],
                            header,
                            text,
                            Severity.WARNING,
                        )
                    )
            values.append(value)
        return values

    def _keep_names(
        self, columns: list[Sequence[str]], codes: Sequence[str], found: list[str] | None
    ) -> None:
        names = self.names
        at = self.layout.name_column
        if at is None and found is None:
            return
        if names.keys() >= set(codes):
            return  # every code of the batch is named already (the usual case after the first)
        cells = columns[at] if at is not None else [""] * len(codes)
        if found is None and not "".join(cells).strip():
            return  # a batch whose name cells are all empty names nothing
        for i, code in enumerate(codes):
            if code in names:
                continue
            name = cells[i].strip() or (found[i] if found is not None else "")
            if name and code in self.tallies:
                names[code] = " ".join(name.split())[:MAX_NAME]

    def _texts(
        self, columns: list[Sequence[str]], numbers: Sequence[int], count: int
    ) -> tuple[list[str], list[str]]:
        texts = []
        for role, limit in (("department", MAX_DEPARTMENT), ("project", MAX_PROJECT)):
            at = self.layout.of(role)
            if at is None:
                texts.append([""] * count)
                continue
            values = stripped(columns[at])
            if max(map(len, values)) > limit:
                for i, text in enumerate(values):
                    if len(text) > limit:
                        self.log.add(
                            Problem(
                                _l("Too long: at most %(limit)s characters.", limit=limit),
                                numbers[i],
                                self.layout.header_of(at),
                                text,
                            )
                        )
            texts.append(values)
        return texts[0], texts[1]

    def _check_years(
        self, columns: list[Sequence[str]], numbers: Sequence[int], count: int
    ) -> None:
        at = self.layout.of("year")
        if at is None:
            return
        year_text = str(self.year)
        years = columns[at]
        if years.count(year_text) == count:
            return
        for i, text in enumerate(years):
            if text.strip() != year_text:
                self.log.add(
                    Problem(
                        _l(
                            "This row is not for %(year)s, the year of this upload.", year=self.year
                        ),
                        numbers[i],
                        self.layout.header_of(at),
                        text,
                    )
                )

    def _find_repeats(
        self,
        codes: Sequence[str],
        departments: Sequence[str],
        projects: Sequence[str],
        numbers: Sequence[int],
    ) -> None:
        """Keep an 8-byte hash of every key; a hash seen before makes the line a suspect."""
        seen = self._seen
        hashes = list(map(hash, zip(codes, departments, projects, strict=True)))
        suspects: list[int] = []
        if seen.isdisjoint(hashes):
            before = len(seen)
            seen.update(hashes)
            if len(seen) - before != len(hashes):  # a key repeated within the batch
                local: set[int] = set()
                for i, value in enumerate(hashes):
                    if value in local:
                        suspects.append(i)
                    local.add(value)
        else:
            for i, value in enumerate(hashes):
                before = len(seen)
                seen.add(value)
                if len(seen) == before:
                    suspects.append(i)
        for i in suspects:
            if len(self.suspected_duplicates) < MAX_PROBLEMS:
                self.suspected_duplicates.append(
                    (numbers[i], (codes[i], departments[i], projects[i]))
                )
            else:
                self.more_duplicates += 1

    def _tally(
        self, codes: Sequence[str], amounts: list[Sequence[int | None]], bad: set[str]
    ) -> None:
        """Lines and sums per code (for the subtotals and the mapping). The usual batch (every code
        good, no empty amount) is summed per code by sorting the rows by code once and adding up
        slices, in C; otherwise row by row."""
        tallies = self.tallies
        counts = Counter(codes)
        for code, lines in counts.items():
            if code not in bad:
                tallies[code][1] += lines
        plain_indices = [i for i, values in enumerate(amounts) if not bad and None not in values]
        if plain_indices:
            order = sorted(range(len(codes)), key=codes.__getitem__)
            regroup: Any = itemgetter(*order) if len(order) > 1 else (lambda values: tuple(values))
            grouped = {i: regroup(amounts[i]) for i in plain_indices}
            start = 0
            for code in sorted(counts):
                end = start + counts[code]
                tally = tallies[code]
                for i, values in grouped.items():
                    tally[2 + i] += sum(values[start:end])
                    tally[5 + i] = 1
                start = end
        for index, values in enumerate(amounts):
            if index in plain_indices:
                continue
            for code, value in zip(codes, values, strict=True):
                if value is not None and code not in bad:
                    tally = tallies[code]
                    tally[2 + index] += value
                    tally[5 + index] = 1

    def confirm_duplicates(self, rows: Iterable[Row]) -> None:
        """Read the file once more for the keys suspected of repeating: report each repeat with the
        row it repeats (and drop a suspect whose hash merely collided with another key's)."""
        wanted = {key for _row, key in self.suspected_duplicates}
        first: dict[LineKey, int] = {}
        layout = self.layout
        department_at = layout.of("department")
        project_at = layout.of("project")
        width = layout.width
        reader = SplitCodeReader()
        code_at = layout.code_columns
        for number, cells in rows:
            if number < layout.first_line_row:
                continue
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            if layout.split:
                parts = [
                    cells[i] if i is not None else ""
                    for i in (layout.of(r) for r in ("lei", "kuan", "xiang"))
                ]
                code = reader.code(*parts)
            else:
                code = cells[code_at[0]].strip()
                if code and not code.isdigit():
                    pair = split_code_and_name(code)
                    code = pair[0] if pair else normalise_code(code)
            key = (
                code,
                cells[department_at].strip() if department_at is not None else "",
                cells[project_at].strip() if project_at is not None else "",
            )
            if key in wanted and key not in first:
                first[key] = number
        column = self._code_header()
        for number, key in self.suspected_duplicates:
            origin = first.get(key)
            if origin is None or origin == number:
                continue
            self.log.add(
                Problem(
                    _l(
                        "Duplicate line: the same code, department and project as row %(row)s.",
                        row=origin,
                    ),
                    number,
                    column,
                    " / ".join(part for part in key if part),
                )
            )
        self.log.count_more(errors=self.more_duplicates)

    # -- the checks that need the whole file ------------------------------------------------------

    def finish(self) -> None:
        if self.rows == 0:
            if not self.log.has_errors:
                self.log.add(Problem(_l("The table has a header but no lines with a code.")))
            return
        for index, key in enumerate(AMOUNT_KEYS):
            if self._column_sums[index] > MAX_COLUMN_FEN:
                self.log.add(
                    Problem(
                        _l(
                            "The amounts of this column add up to more than any government's spending: check the unit (%(unit)s).",
                            unit=self.unit.label,
                        ),
                        column=self.layout.header_of(self.layout.amount_columns[key]),
                    )
                )
                return
        self._check_subtotals()
        self._report_unlisted()
        self._report_unmapped()

    def _report_unlisted(self) -> None:
        year = self.classification.year
        for code, row in sorted(self.unlisted.items()):
            name = self.names.get(code, "")
            if name:
                message = _l(
                    "The portal's classification data has no name for code %(code)s (names of %(year)s). The code is accepted and shown with the name the file gives it: “%(name)s”.",
                    code=code,
                    year=year,
                    name=name,
                )
            else:
                message = _l(
                    "The portal's classification data has no name for code %(code)s (names of %(year)s), and the file gives it none. The code is accepted and shown by its code.",
                    code=code,
                    year=year,
                )
            self.log.add(Problem(message, row, self._code_header(), code, Severity.WARNING))

    def _report_unmapped(self) -> None:
        """Lines in a livelihood class that no area claims (a class with no rule at all is simply
        not livelihood spending)."""
        for code in sorted(leaf_codes(self.tallies)):
            if self.mapper.rule_for(code) is not None or not self.mapper.covers_class(code[:3]):
                continue
            tally = self.tallies[code]
            self.log.add(
                Problem(
                    _l(
                        "No area is assigned to code %(code)s, so its %(lines)s line(s) will count as not livelihood spending.",
                        code=code,
                        lines=tally[1],
                    ),
                    tally[0],
                    self._code_header(),
                    code,
                    Severity.WARNING,
                )
            )

    def parent_of(self, code: str) -> str | None:
        """The nearest code above *code* that the table has a row for."""
        return parent_code(code, self.tallies)

    def tolerance(self, index: int, summands: int) -> int:
        """How far a subtotal may be from the sum of *summands* rows by rounding alone: one unit
        of the table's last digit, or half a unit per row summed when that is more."""
        places = max(self.places.get(index, 0), 0)
        unit = 10 ** max(self.unit.exponent - places, 0)
        return unit * max(1, summands // 2)

    def _own(self, code: str, index: int) -> int | None:
        tally = self.tallies[code]
        return tally[2 + index] if tally[5 + index] else None

    def _check_subtotals(self) -> None:
        codes = self.tallies
        children: dict[str, list[str]] = defaultdict(list)
        tops: list[str] = []
        for code in codes:
            parent = self.parent_of(code)
            if parent is None:
                tops.append(code)
            else:
                children[parent].append(code)
        for index, key in enumerate(AMOUNT_KEYS):
            if key not in self.layout.amount_columns:
                continue
            reliable: dict[str, int] = {}
            for code in sorted(codes, key=len, reverse=True):
                own = self._own(code, index)
                below = children.get(code)
                if not below:
                    reliable[code] = own or 0
                    continue
                derived = sum(reliable[c] for c in below)
                if own is None or any((c, index) in self._unreadable for c in (code, *below)):
                    reliable[code] = derived if own is None else own
                    continue
                listed = sum(self._own(c, index) or 0 for c in below)
                reliable[code] = self._hold(code, index, own, listed, derived, len(below))
            if self.totals is not None and self.totals[index] is not None:
                self._hold_totals(index, tops, reliable)

    def _hold(self, code: str, index: int, own: int, listed: int, derived: int, rows: int) -> int:
        """Hold a 类 or 款 row against the rows directly below it; returns what the levels above
        are held against."""
        consistent = self._compare(index, self.tallies[code][0], code, own, listed, derived, rows)
        return own if consistent else derived

    def _hold_totals(self, index: int, tops: list[str], reliable: dict[str, int]) -> None:
        total = self.totals[index] if self.totals is not None else None
        assert total is not None and self.totals_row is not None
        listed = sum(self._own(c, index) or 0 for c in tops)
        derived = sum(reliable[c] for c in tops)
        self._compare(index, self.totals_row, None, total, listed, derived, len(tops))

    def _compare(
        self,
        index: int,
        row: int,
        code: str | None,
        own: int,
        listed: int,
        derived: int,
        rows: int,
    ) -> bool:
        """Hold a subtotal (of *code*, or the totals row) against the *listed* sum of the *rows*
        below it: equal, or within rounding (a warning), is consistent. Beyond rounding it is
        still consistent when it agrees with what the rows below add up to once their own
        inconsistencies are set aside (*derived*): those are reported where they are."""
        difference = own - listed
        if difference == 0:
            return True
        tolerance = self.tolerance(index, rows)
        figures = {
            "code": code,
            "row": row,
            "total": self._show(own),
            "sum": self._show(listed),
            "difference": self._show(abs(difference)),
        }
        rounding = abs(difference) <= tolerance
        if not rounding and abs(own - derived) <= tolerance:
            return True
        message = _subtotal_message(code, rounding, figures)
        header = self.layout.header_of(self.layout.amount_columns[AMOUNT_KEYS[index]])
        severity = Severity.WARNING if rounding else Severity.ERROR
        self.log.add(Problem(message, row, header, self._show(own), severity))
        return rounding

    def _show(self, fen: int) -> str:
        return f"{format_amount(fen, self.unit)} {self.unit.zh}"

    # -- what is kept with the version ----------------------------------------------------------

    def file_totals(self) -> dict[str, int]:
        """The totals row's amounts, in 分."""
        if self.totals is None:
            return {}
        return {k: v for k, v in zip(AMOUNT_KEYS, self.totals, strict=True) if v is not None}

    def computed_totals(self) -> dict[str, int]:
        """The sums of the table's top rows (its classes, or whatever has no row above it)."""
        result = {}
        for index, key in enumerate(AMOUNT_KEYS):
            if key not in self.layout.amount_columns:
                continue
            result[key] = sum(
                self._own(code, index) or 0 for code in self.tallies if self.parent_of(code) is None
            )
        return result

    def classes(self) -> list[str]:
        return sorted({code[:3] for code in self.tallies})


def _subtotal_message(code: str | None, rounding: bool, figures: dict[str, Any]) -> LazyString:
    if rounding and code is None:
        return _l(
            "Rounding: the totals row shows %(total)s, the classes add up to %(sum)s — a difference of %(difference)s, within the rounding of the table's last digit. The table's own total is kept.",
            **figures,
        )
    if rounding:
        return _l(
            "Rounding: row %(row)s (%(code)s) shows %(total)s, the rows below it add up to %(sum)s — a difference of %(difference)s, within the rounding of the table's last digit. The table's own figure is kept.",
            **figures,
        )
    if code is None:
        return _l(
            "The totals row shows %(total)s, but the classes add up to %(sum)s (a difference of %(difference)s).",
            **figures,
        )
    if len(code) == 3:
        return _l(
            "Class %(code)s totals %(total)s, but the sections and items below it add up to %(sum)s (a difference of %(difference)s).",
            **figures,
        )
    return _l(
        "Section %(code)s totals %(total)s, but the items below it add up to %(sum)s (a difference of %(difference)s).",
        **figures,
    )
