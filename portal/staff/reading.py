"""Reading uploaded tables: CSV (UTF-8, UTF-8 with BOM, GB18030 or UTF-16 with BOM, detected) and
XLSX (openpyxl, read-only and streaming), row by row, never the whole file in memory.

A file is looked at before it is read: an empty file, a type outside the allow-list, an old ``.xls``
workbook, a PDF or any other binary file, or text in no known encoding is turned away with one
clear :class:`~portal.staff.validation.Problem` (:class:`TableFileError`).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from itertools import islice
from operator import methodcaller
from pathlib import Path
from typing import IO, Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from portal.staff.validation import Problem

ALLOWED_EXTENSIONS = ("csv", "xlsx")
#: How many rows at the top may hold a title or a unit line before the header row.
HEADER_SEARCH_ROWS = 10
READ_CHUNK = 1 << 20
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls (and .doc)
#: Called with the fraction (0–1) of the file read so far.
Progress = Callable[[float], None]


class TableFileError(ValueError):
    """The file cannot be read as a table at all; nothing of it was looked at further."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem.message))
        self.problem = problem


def file_problem(message: LazyString) -> TableFileError:
    return TableFileError(Problem(message))


@dataclass
class TableSource:
    """A file to import: a path, an open binary stream (an upload) or bytes, with its name."""

    filename: str
    size: int
    _path: Path | None = None
    _stream: IO[bytes] | None = None

    @classmethod
    def from_path(cls, path: str | Path) -> TableSource:
        path = Path(path)
        return cls(filename=path.name, size=path.stat().st_size, _path=path)

    @classmethod
    def from_stream(cls, stream: IO[bytes], filename: str) -> TableSource:
        stream.seek(0, io.SEEK_END)
        size = stream.tell()
        stream.seek(0)
        return cls(filename=filename, size=size, _stream=stream)

    @classmethod
    def from_bytes(cls, content: bytes, filename: str) -> TableSource:
        return cls.from_stream(io.BytesIO(content), filename)

    @property
    def extension(self) -> str:
        return Path(self.filename).suffix.lower().lstrip(".")

    def open(self) -> Any:
        """A context manager giving the file from its start (an upload's stream stays open)."""
        if self._path is not None:
            return self._path.open("rb")
        assert self._stream is not None
        self._stream.seek(0)
        return nullcontext(self._stream)

    def read_bytes(self) -> bytes:
        with self.open() as handle:
            content: bytes = handle.read()
            return content


@dataclass(frozen=True)
class TableFormat:
    kind: str  # "csv" | "xlsx"
    sha256: str
    encoding: str | None = None  # CSV only
    #: CSV only: whether a quote character occurs anywhere (else lines can be split without csv).
    quoted: bool = True


def inspect_file(source: TableSource) -> TableFormat:
    """Decide how to read *source* (and hash it on the way); raise :class:`TableFileError` if it
    is no table we can read."""
    if source.extension not in ALLOWED_EXTENSIONS:
        raise file_problem(
            _l(
                "Files of type “.%(extension)s” cannot be imported. Upload a CSV file (.csv) or an Excel workbook (.xlsx).",
                extension=source.extension or "?",
            )
        )
    if source.size == 0:
        raise file_problem(_l("The file is empty."))
    with source.open() as handle:
        head = handle.read(4096)
        if head.startswith(ZIP_MAGIC):
            return TableFormat("xlsx", _sha256(handle, head))
        if head.startswith(OLE2_MAGIC):
            raise file_problem(
                _l(
                    "This is a workbook in the old Excel format (.xls). Save it as an Excel workbook (.xlsx) or as CSV and upload that."
                )
            )
        if head.startswith(b"%PDF"):
            raise file_problem(
                _l("This is a PDF document, not a table. Upload the table itself as CSV or .xlsx.")
            )
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return TableFormat("csv", _sha256(handle, head), "utf-16")
        if b"\x00" in head:
            raise file_problem(
                _l(
                    "This file is not a table: it holds binary data. Upload a CSV file or an .xlsx workbook."
                )
            )
        digest, utf8, quoted = _hash_and_check(
            handle, head, "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
        )
        if utf8 is not None:
            return TableFormat("csv", digest, utf8, quoted)
        handle.seek(0)
        _, gb18030, quoted = _hash_and_check(handle, b"", "gb18030")
    if gb18030 is None:
        raise file_problem(
            _l(
                "This file is not readable text: it is neither UTF-8 nor GB18030. Save the table as CSV (UTF-8) or as an .xlsx workbook."
            )
        )
    return TableFormat("csv", digest, gb18030, quoted)


def _sha256(handle: IO[bytes], head: bytes) -> str:
    digest = hashlib.sha256(head)
    while chunk := handle.read(READ_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _hash_and_check(handle: IO[bytes], head: bytes, encoding: str) -> tuple[str, str | None, bool]:
    """Hash the file and decode all of it (C speed, a chunk at a time) with *encoding*; return the
    digest, the encoding (``None`` if the text is not valid in it) and whether it has quotes."""
    digest = hashlib.sha256()
    quoted = False
    decoder: codecs.IncrementalDecoder | None = codecs.getincrementaldecoder(encoding)("strict")
    chunk = head or handle.read(READ_CHUNK)
    while chunk:
        digest.update(chunk)
        quoted = quoted or b'"' in chunk
        if decoder is not None:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                decoder = None
        chunk = handle.read(READ_CHUNK)
    if decoder is not None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            decoder = None
    return digest.hexdigest(), (encoding if decoder is not None else None), quoted


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

        yield TableRows(
            cells(),
            (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, SyntaxError),
            lambda number: number / expected,
            progress,
        )
    finally:
        workbook.close()


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


# -- headers ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnSpec:
    """One documented column of an upload format."""

    key: str
    zh: str
    en: str
    description: LazyString
    example_zh: str
    example_en: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    in_template: bool = True

    def header(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def names(self) -> tuple[str, ...]:
        return (self.zh, self.en, *self.aliases)


def normalise_header(text: str) -> str:
    """Full-width to half-width, no BOM or spaces, lower case: ``预算数（万元）`` → ``预算数(万元)``."""
    text = unicodedata.normalize("NFKC", text).replace("\ufeff", "").strip().lower()
    return re.sub(r"\s+", " ", text).strip(" *")


_UNIT_SUFFIX = re.compile(r"\s*\([^()]*\)$")


@dataclass
class HeaderMap:
    """Where each known column sits in the file, and what in the header row is wrong."""

    row: int
    positions: dict[str, int]
    headers: list[str]  # as written in the file
    lang: str  # the language the headers are written in: "zh" or "en"
    unknown: list[tuple[int, str]] = field(default_factory=list)
    duplicated: list[tuple[int, str]] = field(default_factory=list)

    def written(self, key: str) -> str:
        return self.headers[self.positions[key]]


def match_header(cells: list[str], columns: tuple[ColumnSpec, ...], row: int) -> HeaderMap | None:
    """Read *cells* as a header row; ``None`` if not one cell names a known column."""
    names: dict[str, ColumnSpec] = {}
    for spec in columns:
        for name in spec.names():
            names[normalise_header(name)] = spec
    positions: dict[str, int] = {}
    unknown: list[tuple[int, str]] = []
    duplicated: list[tuple[int, str]] = []
    zh = en = 0
    for index, cell in enumerate(cells):
        text = normalise_header(cell)
        if not text:
            continue
        found = names.get(text) or names.get(_UNIT_SUFFIX.sub("", text))
        if found is None:
            unknown.append((index, cell.strip()))
        elif found.key in positions:
            duplicated.append((index, cell.strip()))
        else:
            positions[found.key] = index
            if text.isascii():
                en += 1
            else:
                zh += 1
    if not positions:
        return None
    return HeaderMap(
        row=row,
        positions=positions,
        headers=[c.strip() for c in cells],
        lang="en" if en > zh else "zh",
        unknown=unknown,
        duplicated=duplicated,
    )


def find_header(rows: Iterable[Row], columns: tuple[ColumnSpec, ...]) -> HeaderMap | None:
    """Consume rows up to and including the header row (a title or unit line may come first)."""
    looked = 0
    for number, cells in rows:
        if not any(c.strip() for c in cells):
            continue
        header = match_header(cells, columns, number)
        if header is not None:
            return header
        looked += 1
        if looked >= HEADER_SEARCH_ROWS:
            break
    return None
