"""Checking a spending table in one streaming pass, with memory that does not grow with the file
(except for 8 bytes of hash per line, to find duplicates).

Per row: the code (3, 5 or 7 digits, a class the classification knows), the amounts (numbers in
万元, not negative, at most four places, the stage's column filled in), the lengths of department
and project, the year if the file has that column, and the line's key (code, department, project)
against every earlier one. Per code, sums are kept (the codes are few), so that at the end every
class (类) and section (款) can be held against the lines below it, and every leaf code against the
area mapping. Lines that pass are written to a :class:`Spool` for the insert.
"""

from __future__ import annotations

import marshal
import re
import struct
import tempfile
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain
from operator import itemgetter
from typing import cast

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from portal.datasets.models import Stage
from portal.db import from_scaled
from portal.spending.aggregation import AreaMapper, leaf_codes
from portal.staff.formats import (
    AMOUNT_KEYS,
    CODE_LENGTHS,
    MAX_DEPARTMENT,
    MAX_PROJECT,
    STAGE_COLUMN,
    TOTAL_LABELS,
    CellError,
    stage_name,
    to_yuan,
)
from portal.staff.reading import HeaderMap, Row, TableRows
from portal.staff.validation import MAX_PROBLEMS, Problem, ProblemLog, Severity

LineKey = tuple[str, str, str]  # code, department, project


def normalise_label(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(" ", "").lower()


class Spool:
    """Checked lines, written batch by batch (as columns) to an anonymous temporary file between
    the check and the insert, so the insert neither parses the file again nor holds it in memory.

    The three text columns go as one NUL-separated UTF-8 string (much cheaper both ways than
    marshalling a million small strings), the amounts marshalled; a batch whose text holds a NUL
    itself is marshalled whole."""

    SEPARATOR = "\x00"

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile()  # noqa: SIM115  (closed by close() / the with block)
        self.lines = 0

    def add(self, columns: LineColumns) -> None:
        count = len(columns[0])
        texts = self.SEPARATOR.join(chain(columns[0], columns[1], columns[2]))
        # A NUL inside a cell (possible only in odd files): marshal the whole batch instead.
        text_bytes = texts.encode("utf-8") if texts.count(self.SEPARATOR) == 3 * count - 1 else b""
        rest = marshal.dumps(columns[3:] if text_bytes else columns)  # type: ignore[arg-type]
        self.file.write(struct.pack("<QQQ", count, len(text_bytes), len(rest)))
        self.file.write(text_bytes)
        self.file.write(rest)
        self.lines += count

    def batches(self) -> Iterator[LineColumns]:
        """Each batch: code, department, project, budget, adjusted, executed — one list each."""
        self.file.seek(0)
        while header := self.file.read(24):
            count, text_size, rest_size = struct.unpack("<QQQ", header)
            if text_size:
                texts = self.file.read(text_size).decode("utf-8").split(self.SEPARATOR)
                amounts = marshal.loads(self.file.read(rest_size))
                yield (texts[:count], texts[count : 2 * count], texts[2 * count :], *amounts)
            else:
                yield marshal.loads(self.file.read(rest_size))

    def close(self) -> None:
        self.file.close()

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


LineColumns = tuple[
    Sequence[str],
    Sequence[str],
    Sequence[str],
    Sequence[int | None],
    Sequence[int | None],
    Sequence[int | None],
]

#: A column of amounts that are all plain (joined by newlines, with one more at the end): two
#: decimal places (the usual), or all whole 万元; at most 8 digits before the point (MAX_YUAN).
_TWO_PLACES = re.compile(r"(?:[0-9]{1,8}\.[0-9][0-9]\n)*")
_WHOLE = re.compile(r"(?:[0-9]{1,8}\n)*")


def plain_amounts(column: Sequence[str]) -> list[int | None] | None:
    """Whole yuan for a column of plain cells, converted by C code (``str.replace``, ``int``)
    rather than one Python call per cell; ``None`` if any cell needs a closer look."""
    joined = "\n".join(column) + "\n"
    if _TWO_PLACES.fullmatch(joined):
        values = list(map(int, joined.replace(".", "").replace("\n", "00\n").split()))
    elif _WHOLE.fullmatch(joined):
        values = list(map(int, joined.replace("\n", "0000\n").split()))
    elif not joined.replace("\n", ""):
        return [None] * len(column)
    else:
        return None
    if len(values) != len(column):
        return None  # a cell with a line break in it: look closer
    return cast("list[int | None]", values)


def stripped(column: Sequence[str]) -> list[str]:
    """The cells without white space around them (``str.strip`` returns a clean cell itself)."""
    return list(map(str.strip, column))


def format_wan(yuan: int) -> str:
    """Whole yuan as 万元 for a message: 12345600 → ``1234.56``."""
    value: Decimal = from_scaled(yuan, 4)
    return f"{value:f}"


@dataclass
class SpendingCheck:
    header: HeaderMap
    year: int
    stage: Stage
    #: 3-digit classes of the published classification; ``None``: no classification to check against.
    known_classes: set[str] | None
    mapper: AreaMapper
    log: ProblemLog
    spool: Spool
    rows: int = 0
    #: code → [first row, lines, budget, adjusted, executed, has budget, has adjusted, has executed]
    tallies: dict[str, list[int]] = field(default_factory=dict)
    #: (row, key) of lines whose key hash was seen before; confirmed by :meth:`confirm_duplicates`.
    suspected_duplicates: list[tuple[int, LineKey]] = field(default_factory=list)
    more_duplicates: int = 0
    #: (code, amount index) with an unreadable cell: their subtotals are not held to the lines.
    _unreadable: set[tuple[str, int]] = field(default_factory=set)
    _seen: set[int] = field(default_factory=set)
    _bad_codes: dict[str, LazyString] = field(default_factory=dict)

    def check(self, rows: TableRows) -> None:
        for first, columns in rows.column_batches(len(self.header.headers)):
            self.check_batch(first, columns)

    def check_batch(self, first: int, file_columns: list[Sequence[str]]) -> None:
        """Check a batch of rows column by column: the plain case (every code known, every amount
        a plain number, no repeated key) costs a few C-level passes per column; anything else
        falls back to looking at the cells one by one, to say exactly where the problem is."""
        positions, headers, log = self.header.positions, self.header.headers, self.log
        columns = {key: file_columns[at] for key, at in positions.items()}
        numbers: Sequence[int] = range(first, first + len(file_columns[0]))

        codes = stripped(columns["code"])
        if "" in codes:  # blank rows, total rows, lines without a code
            keep = self._rows_to_keep(file_columns, codes, numbers)
            if len(keep) < len(codes):
                columns = {k: [v[i] for i in keep] for k, v in columns.items()}
                codes = [codes[i] for i in keep]
                numbers = [numbers[i] for i in keep]
        count = len(codes)
        if count == 0:
            return
        self.rows += count

        # Codes: each new one is checked once; a bad one is reported on every row it is on.
        bad = set()
        for code in set(codes).difference(self.tallies):
            message = self._bad_codes.get(code) or self._first_sight(
                code, numbers[codes.index(code)]
            )
            if message is not None:
                bad.add(code)
        if bad:
            code_header = headers[positions["code"]]
            for i, code in enumerate(codes):
                if code in bad:
                    log.add(Problem(self._bad_codes[code], numbers[i], code_header, code))

        # Amounts, in whole yuan.
        amounts: list[Sequence[int | None]] = []
        required = AMOUNT_KEYS.index(STAGE_COLUMN[self.stage])
        unreadable: set[int] = set()
        for index, name in enumerate(AMOUNT_KEYS):
            if name not in columns:
                amounts.append([None] * count)
                continue
            values = plain_amounts(columns[name])
            if values is None:
                values, failed = self._amounts_one_by_one(
                    columns[name], numbers, headers[positions[name]]
                )
                self._unreadable.update((codes[i], index) for i in failed)
                if index == required:
                    unreadable = failed
            amounts.append(values)
        required_name = AMOUNT_KEYS[required]
        if required_name in columns and None in amounts[required]:
            for i, value in enumerate(amounts[required]):
                if value is None and i not in unreadable:
                    log.add(
                        Problem(
                            _l(
                                "This amount must be filled in on every line of a table for the stage “%(stage)s”.",
                                stage=stage_name(self.stage),
                            ),
                            numbers[i],
                            headers[positions[required_name]],
                            columns[required_name][i],
                        )
                    )

        departments = stripped(columns["department"]) if "department" in columns else [""] * count
        projects = stripped(columns["project"]) if "project" in columns else [""] * count
        for name, texts, limit in (
            ("department", departments, MAX_DEPARTMENT),
            ("project", projects, MAX_PROJECT),
        ):
            if name in columns and max(map(len, texts)) > limit:
                for i, text in enumerate(texts):
                    if len(text) > limit:
                        log.add(
                            Problem(
                                _l("Too long: at most %(limit)s characters.", limit=limit),
                                numbers[i],
                                headers[positions[name]],
                                text,
                            )
                        )
        if "year" in columns:
            year_text = str(self.year)
            years = columns["year"]
            if years.count(year_text) != count:
                for i, text in enumerate(years):
                    if text.strip() != year_text:
                        log.add(
                            Problem(
                                _l(
                                    "This row is not for %(year)s, the year of this upload.",
                                    year=self.year,
                                ),
                                numbers[i],
                                headers[positions["year"]],
                                text,
                            )
                        )

        self._find_repeats(codes, departments, projects, numbers)
        self._tally(codes, amounts, bad)
        if log.errors == 0:
            self.spool.add((codes, departments, projects, *amounts))  # type: ignore[arg-type]

    def _rows_to_keep(
        self, file_columns: list[Sequence[str]], codes: Sequence[str], numbers: Sequence[int]
    ) -> list[int]:
        """Indices of the rows to check: blank rows go silently, a total row with a warning."""
        keep = []
        name_at = self.header.positions.get("name")
        for i, code in enumerate(codes):
            if code:
                keep.append(i)
            elif not any(column[i].strip() for column in file_columns):
                continue
            elif name_at is not None and normalise_label(file_columns[name_at][i]) in TOTAL_LABELS:
                self.log.add(
                    Problem(
                        _l("A total row was left out: totals are computed from the lines."),
                        numbers[i],
                        severity=Severity.WARNING,
                    )
                )
            else:
                keep.append(i)  # a line without a code: reported as such
        return keep

    def _amounts_one_by_one(
        self, column: Sequence[str], numbers: Sequence[int], header: str
    ) -> tuple[list[int | None], set[int]]:
        values: list[int | None] = []
        failed: set[int] = set()
        for i, text in enumerate(column):
            try:
                values.append(to_yuan(text))
            except CellError as error:
                values.append(None)
                failed.add(i)
                self.log.add(Problem(error.message, numbers[i], header, text))
        return values, failed

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
        plain = [i for i, values in enumerate(amounts) if not bad and None not in values]
        if plain:
            order = sorted(range(len(codes)), key=codes.__getitem__)
            regroup = itemgetter(*order) if len(order) > 1 else (lambda values: tuple(values))
            grouped = {i: regroup(amounts[i]) for i in plain}
            start = 0
            for code in sorted(counts):
                end = start + counts[code]
                tally = tallies[code]
                for i, values in grouped.items():
                    tally[2 + i] += sum(values[start:end])
                    tally[5 + i] = 1
                start = end
        for index, values in enumerate(amounts):
            if index in plain:
                continue
            for code, value in zip(codes, values, strict=True):
                if value is not None and code not in bad:
                    tally = tallies[code]
                    tally[2 + index] += value
                    tally[5 + index] = 1

    def _first_sight(self, code: str, row: int) -> LazyString | None:
        """Check a code the first time it appears; remember a bad one, start a tally for a good one."""
        message: LazyString | None = None
        if not code:
            message = _l("The code is missing.")
        elif not (len(code) in CODE_LENGTHS and code.isdigit() and code.isascii()):
            message = _l("A code has 3, 5 or 7 digits (class, section, item).")
        elif self.known_classes is not None and code[:3] not in self.known_classes:
            message = _l(
                "Class %(code)s is not in the classification of government expenditure.",
                code=code[:3],
            )
        if message is not None:
            self._bad_codes[code] = message
            return message
        self.tallies[code] = [row, 0, 0, 0, 0, 0, 0, 0]
        return None

    def confirm_duplicates(self, rows: Iterable[Row]) -> None:
        """Read the file once more for the keys suspected of repeating: report each repeat with the
        row it repeats (and drop a suspect whose hash merely collided with another key's)."""
        wanted = {key for _row, key in self.suspected_duplicates}
        first: dict[LineKey, int] = {}
        positions = self.header.positions
        code_at = positions["code"]
        department_at = positions.get("department", -1)
        project_at = positions.get("project", -1)
        width = max(positions.values()) + 1
        for number, cells in rows:
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            key = (
                cells[code_at].strip(),
                cells[department_at].strip() if department_at >= 0 else "",
                cells[project_at].strip() if project_at >= 0 else "",
            )
            if key in wanted and key not in first:
                first[key] = number
        column = self.header.headers[code_at]
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

    def finish(self) -> None:
        """The checks that need the whole file: empty table, subtotals, the area mapping."""
        if self.rows == 0:
            self.log.add(Problem(_l("The file has a header row but no lines.")))
            return
        self._check_subtotals()
        for code in sorted(leaf_codes(self.tallies)):
            if self.mapper.rule_for(code) is None:
                tally = self.tallies[code]
                self.log.add(
                    Problem(
                        _l(
                            "No area is assigned to code %(code)s, so its %(lines)s line(s) will count as not livelihood spending.",
                            code=code,
                            lines=tally[1],
                        ),
                        tally[0],
                        self.header.headers[self.header.positions["code"]],
                        code,
                        Severity.WARNING,
                    )
                )

    def _check_subtotals(self) -> None:
        """Each class and section row must equal the sum of the lines directly below it (a class
        with items but no section rows is held against the items)."""
        codes = self.tallies
        children: dict[str, list[str]] = defaultdict(list)
        for code in codes:
            if len(code) == 7:
                section = code[:5]
                children[section if section in codes else code[:3]].append(code)
            elif len(code) == 5:
                children[code[:3]].append(code)
        for parent in sorted(children):
            if parent not in codes:
                continue
            tally = codes[parent]
            for index, name in enumerate(AMOUNT_KEYS):
                if tally[5 + index] == 0 or name not in self.header.positions:
                    continue  # the subtotal row leaves this amount empty: nothing to hold it to
                if any((c, index) in self._unreadable for c in (parent, *children[parent])):
                    continue  # a cell could not be read; that error is reported, not its echo
                total = tally[2 + index]
                below = sum(codes[child][2 + index] for child in children[parent])
                if total == below:
                    continue
                if len(parent) == 3:
                    message = _l(
                        "Class %(code)s totals %(total)s, but the sections and items below it add up to %(sum)s.",
                        code=parent,
                        total=format_wan(total),
                        sum=format_wan(below),
                    )
                else:
                    message = _l(
                        "Section %(code)s totals %(total)s, but the items below it add up to %(sum)s.",
                        code=parent,
                        total=format_wan(total),
                        sum=format_wan(below),
                    )
                self.log.add(
                    Problem(
                        message,
                        tally[0],
                        self.header.written(name),
                        format_wan(total),
                    )
                )
