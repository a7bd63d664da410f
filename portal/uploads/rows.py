"""Reading the rows of a table file, streaming: CSV split by the csv module or, when nothing is quoted, by ``str.split`` a megabyte at a time; XLSX through openpyxl's read-only reader. Cells come as text, as a spreadsheet shows them."""

from __future__ import annotations

import csv
import io
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from itertools import islice
from operator import methodcaller
from typing import IO

from flask_babel import lazy_gettext as _l

from portal.uploads.files import Progress, TableFileError, TableFormat, TableSource, file_problem
from portal.uploads.limits import LIMITS, UploadLimits, over_limit

# -- rows ----------------------------------------------------------------------------------------

Row = tuple[int, list[str]]  # (row number as a spreadsheet shows it, cells as text)
Batch = tuple[int, list[list[str]]]  # (number of the first row, the rows)
ColumnBatch = tuple[int, list[Sequence[str]]]  # (number of the first row, the columns)
BATCH_ROWS = 5_000
SPLIT_CHUNK_CHARS = 1 << 18


class TableRows:
    """The rows of an open table, numbered as a spreadsheet numbers them: one at a time (to find
    the header) and then in batches (the lines: C-level ``islice``, no Python per row here)."""

    def __init__(
        self,
        cells: Iterator[list[str]],
        errors: tuple[type[BaseException], ...],
        fraction: Callable[[int], float],
        progress: Progress | None,
        limits: UploadLimits = LIMITS,
    ) -> None:
        self._cells = cells
        self._limits = limits
        self._errors = errors
        self._fraction = fraction
        self._progress = progress
        self.number = 0
        #: Merged ranges near the top of a worksheet (first row, first column, last row, last
        #: column; 1-based), for reading headers over several rows. CSV has none.
        self.merges: list[tuple[int, int, int, int]] = []

    def _unreadable(self, error: BaseException) -> TableFileError:
        if isinstance(error, csv.Error) and "field larger" in str(error):
            return over_limit("cell_chars", csv.field_size_limit())
        return file_problem(
            _l(
                "The file cannot be read after row %(row)s: %(detail)s",
                row=self.number,
                detail=str(error)[:200],
            )
        )

    def __iter__(self) -> Iterator[Row]:
        while True:
            try:
                cells = next(self._cells)
            except StopIteration:
                return
            except self._errors as error:
                raise self._unreadable(error) from error
            if len(cells) > self._limits.columns:
                raise over_limit("columns", self._limits.columns)
            self.number += 1
            if self.number > self._limits.rows:
                raise over_limit("rows", self._limits.rows)
            yield self.number, cells

    def batches(self, size: int = BATCH_ROWS) -> Iterator[Batch]:
        while True:
            try:
                batch = list(islice(self._cells, size))
            except self._errors as error:
                raise self._unreadable(error) from error
            if not batch:
                break
            if max(map(len, batch)) > self._limits.columns:
                raise over_limit("columns", self._limits.columns)
            first = self.number + 1
            self.number += len(batch)
            if self.number > self._limits.rows:
                raise over_limit("rows", self._limits.rows)
            if self._progress is not None:
                self._progress(min(self._fraction(self.number), 1.0))
            yield first, batch
        if self._progress is not None:
            self._progress(1.0)

    def column_batches(self, width: int) -> Iterator[ColumnBatch]:
        """The remaining rows in batches, as *width* columns (cells past *width* are dropped,
        missing ones are empty)."""
        for first, rows in self.batches():
            if set(map(len, rows)) != {width}:
                rows = [r[:width] if len(r) >= width else r + [""] * (width - len(r)) for r in rows]
            yield first, list(zip(*rows, strict=True))


class CsvTableRows(TableRows):
    """CSV rows; a file without a single quote character is split by ``str.split`` a megabyte at
    a time (every line checked to have the same number of cells), several times faster than
    the csv module."""

    def __init__(
        self,
        text: IO[str],
        delimiter: str,
        quoted: bool,
        size: int,
        handle: IO[bytes],
        progress: Progress | None,
        limits: UploadLimits = LIMITS,
    ) -> None:
        super().__init__(
            _csv_records(text, delimiter, limits),
            (csv.Error, UnicodeDecodeError),
            lambda _number: handle.tell() / size,
            progress,
            limits,
        )
        self._text, self._delimiter, self._quoted = text, delimiter, quoted

    def column_batches(self, width: int) -> Iterator[ColumnBatch]:
        if self._quoted:
            yield from super().column_batches(width)
            return
        separators = methodcaller("count", self._delimiter)
        rest = ""
        while True:
            try:
                data = self._text.read(SPLIT_CHUNK_CHARS)
            except UnicodeDecodeError as error:
                raise self._unreadable(error) from error
            if data:
                buffer = _one_line_end(rest + data)
                cut = buffer.rfind("\n")
                if cut < 0:
                    rest = buffer
                    if len(rest) > self._limits.row_chars:
                        raise over_limit("row_chars", self._limits.row_chars)
                    continue
                chunk, rest = buffer[: cut + 1], buffer[cut + 1 :]
            elif rest:
                chunk, rest = rest + "\n", ""
            else:
                break
            chunk = _one_line_end(chunk)[:-1]
            lines = chunk.split("\n")
            first = self.number + 1
            self.number += len(lines)
            if self.number > self._limits.rows:
                raise over_limit("rows", self._limits.rows)
            counts = set(map(separators, lines))
            if max(counts) >= self._limits.columns:
                raise over_limit("columns", self._limits.columns)
            if counts == {width - 1}:
                cells = chunk.replace("\n", self._delimiter).split(self._delimiter)
                columns: list[Sequence[str]] = [cells[i::width] for i in range(width)]
            else:  # blank lines, short or long rows: the general way, for this chunk
                rows = [
                    r[:width] if len(r) >= width else r + [""] * (width - len(r))
                    for r in csv.reader(lines, delimiter=self._delimiter)
                ]
                columns = list(zip(*rows, strict=True)) if rows else [[] for _ in range(width)]
            if self._progress is not None:
                self._progress(min(self._fraction(self.number), 1.0))
            yield first, columns
        if self._progress is not None:
            self._progress(1.0)


class _RecordLines:
    """The lines of a CSV file for the csv module, refusing a record (one line, or several inside
    quotes) longer than ``row_chars`` before the csv module builds it: a quote left open, or a
    row of millions of cells."""

    def __init__(self, text: IO[str], limit: int) -> None:
        self._lines = iter(text)
        self._limit = limit
        self.used = 0

    def __iter__(self) -> _RecordLines:
        return self

    def __next__(self) -> str:
        line = self._lines.__next__()
        self.used += len(line)
        if self.used > self._limit:
            raise over_limit("row_chars", self._limit)
        return line


def _csv_records(text: IO[str], delimiter: str, limits: UploadLimits) -> Iterator[list[str]]:
    lines = _RecordLines(text, limits.row_chars)
    for record in csv.reader(lines, delimiter=delimiter):
        lines.used = 0
        yield record


def _one_line_end(text: str) -> str:
    """Every line end as ``\n``: ``\r\n`` and a lone ``\r`` too (old Mac files, or a mix), as
    the csv module reads them. A ``\r`` at the very end is kept: its ``\n`` may follow."""
    if "\r" not in text:
        return text
    kept = "\r" if text.endswith("\r") else ""
    return text[: len(text) - len(kept)].replace("\r\n", "\n").replace("\r", "\n") + kept


@contextmanager
def open_rows(
    source: TableSource,
    table_format: TableFormat,
    progress: Progress | None = None,
    limits: UploadLimits = LIMITS,
) -> Iterator[TableRows]:
    """The rows of the table; cells as text (not stripped). A file beyond *limits* (see
    :mod:`portal.uploads.limits`) ends the reading with a :class:`TableFileError`."""
    with source.open() as handle:
        if table_format.kind == "xlsx":
            with _xlsx_rows(handle, progress, limits) as rows:
                yield rows
            return
        assert table_format.encoding is not None
        first_line = handle.readline(65536).decode(table_format.encoding, errors="ignore")
        delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
        handle.seek(0)
        text = io.TextIOWrapper(handle, encoding=table_format.encoding, newline="")
        try:
            yield CsvTableRows(
                text, delimiter, table_format.quoted, max(source.size, 1), handle, progress, limits
            )
        finally:
            text.detach()  # the binary handle is the caller's (an upload's stream stays open)


@contextmanager
def _xlsx_rows(
    handle: IO[bytes], progress: Progress | None, limits: UploadLimits
) -> Iterator[TableRows]:
    # openpyxl is imported when a workbook is read, not at start (a CSV import never needs it)
    from portal.uploads.xlsx import open_workbook, workbook_error

    with open_workbook(handle, limits) as workbook:

        def cells() -> Iterator[list[str]]:
            longest = limits.cell_chars
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                values = workbook.rows()
                while True:
                    try:
                        row = next(values)
                    except StopIteration:
                        return
                    except Exception as error:  # whatever openpyxl meets in a damaged sheet
                        raise workbook_error(error, rows.number) from error
                    texts = [cell_text(v) for v in row]
                    if texts and max(map(len, texts)) > longest:
                        raise over_limit("cell_chars", longest)
                    yield texts

        rows = TableRows(cells(), (), lambda _number: workbook.fraction, progress, limits)
        rows.merges = workbook.merges
        yield rows


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a clerk sees: 2050201 not 2050201.0, 12.3 not 12.300000001."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        text = f"{value:.15g}"  # what Excel itself shows: no binary noise
        return f"{Decimal(text):f}" if "e" in text else text
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value).strip()
