"""Reading the rows of a table file, streaming: CSV split by the csv module or, when nothing is quoted, by ``str.split`` a megabyte at a time; XLSX through openpyxl's read-only reader. Cells come as text, as a spreadsheet shows them."""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from itertools import islice
from operator import methodcaller
from typing import IO

from flask_babel import lazy_gettext as _l

from portal.uploads.files import Progress, TableFileError, TableFormat, TableSource, file_problem

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
    ) -> None:
        self._cells = cells
        self._errors = errors
        self._fraction = fraction
        self._progress = progress
        self.number = 0
        #: Merged ranges near the top of a worksheet (first row, first column, last row, last
        #: column; 1-based), for reading headers over several rows. CSV has none.
        self.merges: list[tuple[int, int, int, int]] = []

    def _unreadable(self, error: BaseException) -> TableFileError:
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
            self.number += 1
            yield self.number, cells

    def batches(self, size: int = BATCH_ROWS) -> Iterator[Batch]:
        while True:
            try:
                batch = list(islice(self._cells, size))
            except self._errors as error:
                raise self._unreadable(error) from error
            if not batch:
                break
            first = self.number + 1
            self.number += len(batch)
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
    ) -> None:
        super().__init__(
            csv.reader(text, delimiter=delimiter),
            (csv.Error, UnicodeDecodeError),
            lambda _number: handle.tell() / size,
            progress,
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
                buffer = rest + data
                cut = buffer.rfind("\n")
                if cut < 0:
                    rest = buffer
                    continue
                chunk, rest = buffer[: cut + 1], buffer[cut + 1 :]
            elif rest:
                chunk, rest = rest + "\n", ""
            else:
                break
            if "\r" in chunk:
                chunk = chunk.replace("\r\n", "\n")
            chunk = chunk[:-1]
            lines = chunk.split("\n")
            first = self.number + 1
            self.number += len(lines)
            if set(map(separators, lines)) == {width - 1}:
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


@contextmanager
def open_rows(
    source: TableSource, table_format: TableFormat, progress: Progress | None = None
) -> Iterator[TableRows]:
    """The rows of the table; cells as text (not stripped)."""
    with source.open() as handle:
        if table_format.kind == "xlsx":
            with _xlsx_rows(handle, progress) as rows:
                yield rows
            return
        assert table_format.encoding is not None
        first_line = handle.readline(65536).decode(table_format.encoding, errors="ignore")
        delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
        handle.seek(0)
        text = io.TextIOWrapper(handle, encoding=table_format.encoding, newline="")
        try:
            yield CsvTableRows(
                text, delimiter, table_format.quoted, max(source.size, 1), handle, progress
            )
        finally:
            text.detach()  # the binary handle is the caller's (an upload's stream stays open)


@contextmanager
def _xlsx_rows(handle: IO[bytes], progress: Progress | None) -> Iterator[TableRows]:
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it does not read; they do not matter here.
            warnings.simplefilter("ignore")
            workbook = load_workbook(handle, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as error:
        raise file_problem(
            _l(
                "This file is not an Excel workbook (.xlsx) that can be read. Save it again from Excel, or as CSV."
            )
        ) from error
    try:
        if not workbook.worksheets:
            raise file_problem(_l("The workbook has no worksheet."))
        sheet = workbook.worksheets[0]
        expected = max(sheet.max_row or 0, 1)
        sheet.reset_dimensions()  # some writers record wrong dimensions; read every row there is

        def cells() -> Iterator[list[str]]:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for values in sheet.iter_rows(values_only=True):
                    yield [cell_text(v) for v in values]

        rows = TableRows(
            cells(),
            (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, SyntaxError),
            lambda number: number / expected,
            progress,
        )
        rows.merges = merged_ranges(workbook._archive, sheet._worksheet_path)
        yield rows
    finally:
        workbook.close()


#: Merged ranges are read for the rows a header can be in, and at most this many of them.
MERGE_ROWS = 60
MAX_MERGES = 2_000
#: Decompressed sheet XML scanned for merged ranges at most (a bigger sheet is read without them).
MAX_MERGE_SCAN = 512 << 20
_MERGE = re.compile(
    rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]{1,3})([0-9]{1,7}):([A-Z]{1,3})([0-9]{1,7})"'
)


def _column_number(letters: bytes) -> int:
    number = 0
    for char in letters:
        number = number * 26 + char - 64
    return number


def merged_ranges(archive: zipfile.ZipFile, path: str) -> list[tuple[int, int, int, int]]:
    """The merged ranges of a worksheet that start in its first :data:`MERGE_ROWS` rows, read by
    scanning its XML a chunk at a time (openpyxl's streaming reader does not report them)."""
    found: list[tuple[int, int, int, int]] = []
    try:
        with archive.open(path.lstrip("/")) as stream:
            tail = b""
            scanned = 0
            while (chunk := stream.read(1 << 20)) and scanned < MAX_MERGE_SCAN:
                scanned += len(chunk)
                data = tail + chunk
                for match in _MERGE.finditer(data):
                    first_row = int(match[2])
                    if first_row <= MERGE_ROWS and len(found) < MAX_MERGES:
                        found.append(
                            (
                                first_row,
                                _column_number(match[1]),
                                int(match[4]),
                                _column_number(match[3]),
                            )
                        )
                tail = data[-200:]
    except (KeyError, OSError, zipfile.BadZipFile, EOFError):
        return []
    return sorted(set(found))


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
