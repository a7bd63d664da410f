"""Reading the first sheet of an XLSX workbook within :mod:`portal.uploads.limits`: openpyxl reads
the parts and the cells, but the archive, the shared strings and the sheet's rows go through
here, so that nothing in the file can expand beyond its bounds.

* Before reading: the zip's central directory — number of parts, the uncompressed size of each and
  of all, the compression ratio of each.
* While reading: every part is read through a :class:`MeteredPart` that counts the bytes actually
  decompressed (the directory may lie), refuses NUL bytes (no XML Excel writes has them) and any
  run of text longer than a cell can be, and, for the parts parsed whole, counts their elements.
* The shared strings and the sheet are parsed one record (``<si>``, ``<row>``) at a time, each
  removed from the tree once read, with the elements and bytes of one record bounded; rows,
  columns, cells and strings are counted.

Whatever else goes wrong inside the workbook becomes a :class:`TableFileError`.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any
from xml.etree.ElementTree import Element, iterparse

from defusedxml import DefusedXmlException
from flask_babel import lazy_gettext as _l
from openpyxl.cell.text import Text
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.worksheet._reader import ROW_TAG, WorkSheetParser
from openpyxl.xml.constants import SHEET_MAIN_NS

from portal.uploads.files import TableFileError, file_problem
from portal.uploads.limits import LIMITS, UploadLimits, over_limit

STRING_TAG = f"{{{SHEET_MAIN_NS}}}si"
READ_CHUNK = 1 << 16
_ROW_NUMBER = re.compile(r"[0-9]{1,15}")


def not_a_workbook() -> TableFileError:
    return file_problem(
        _l(
            "This file is not an Excel workbook (.xlsx) that can be read. Save it again from Excel, or as CSV."
        )
    )


def forbidden_markup() -> TableFileError:
    return file_problem(
        _l(
            "The workbook contains a document type declaration or entity definitions (DOCTYPE, ENTITY), which Excel never writes and which are refused for safety. Save the table again from Excel, or as CSV."
        )
    )


def damaged_cell(row: int) -> TableFileError:
    return file_problem(
        _l(
            "The workbook cannot be read after row %(row)s: its content is damaged. Save the table again from Excel, or as CSV.",
            row=row,
        )
    )


# -- the archive ----------------------------------------------------------------------------------


class Budget:
    """Bytes decompressed from the whole archive so far."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def spend(self, count: int) -> None:
        self.used += count
        if self.used > self.limit:
            raise over_limit("expanded", self.limit)


class MeteredPart:
    """A part of the archive as it is decompressed, checked chunk by chunk."""

    def __init__(
        self,
        raw: IO[bytes],
        budget: Budget,
        limit: int,
        limits: UploadLimits,
        elements: int | None = None,
    ) -> None:
        self._raw = raw
        self._budget = budget
        self._limit = limit
        self._limits = limits
        self._elements = elements
        self._seen_elements = 0
        self._run = 0  # bytes since the last "<"
        self._tail = b""  # the end of the previous chunk, for markup split between two chunks
        self.position = 0  # bytes decompressed so far

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(READ_CHUNK), b""))
        data = self._raw.read(size)
        self._check(data)
        return data

    def _check(self, data: bytes) -> None:
        self.position += len(data)
        if self.position > self._limit:
            raise over_limit("expanded", self._limit)
        self._budget.spend(len(data))
        if b"\x00" in data:
            raise not_a_workbook()
        # No document type declaration (hence no entity, internal or external) ever reaches a
        # parser: Excel never writes one, and refusing it here is what lets the records be read
        # with the standard library's C parser (defusedxml's checks run in pure Python, ~20%
        # slower on a large sheet) without any entity expansion.
        window = self._tail + data
        if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
            raise forbidden_markup()
        self._tail = data[-16:]
        longest = self._limits.xml_text_bytes
        first = data.find(b"<")
        if first < 0:
            self._run += len(data)
        else:
            last = data.rfind(b"<")
            inner = len(data) > longest and re.search(b"[^<]{%d}" % (longest + 1), data)
            if self._run + first > longest or inner:
                raise over_limit("cell_chars", self._limits.cell_chars)
            self._run = len(data) - last - 1
        if self._run > longest:
            raise over_limit("cell_chars", self._limits.cell_chars)
        if self._elements is not None:
            self._seen_elements += data.count(b"<")
            if self._seen_elements > self._elements:
                raise over_limit("elements", self._elements)

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> MeteredPart:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class BoundedArchive(zipfile.ZipFile):
    """The workbook's zip archive: its directory checked on opening, every part metered when read.
    Parts are small (read whole) unless opened with :meth:`open_streamed`."""

    def __init__(self, handle: IO[bytes], limits: UploadLimits = LIMITS) -> None:
        super().__init__(handle)
        self.limits = limits
        self.budget = Budget(limits.total_bytes)
        check_directory(self.infolist(), limits)

    def open(self, name: Any, mode: Any = "r", pwd: Any = None, **kwargs: Any) -> Any:
        limits = self.limits
        return MeteredPart(
            super().open(name, mode, pwd, **kwargs),
            self.budget,
            limits.small_part_bytes,
            limits,
            limits.small_part_elements,
        )

    def open_streamed(self, name: str) -> MeteredPart:
        """A part read as a stream, one record at a time (the sheet, the shared strings)."""
        raw = super().open(name)
        return MeteredPart(raw, self.budget, self.limits.member_bytes, self.limits)

    def open_scanned(self, name: str) -> MeteredPart:
        """A part read as a stream to be scanned before it is parsed (it is decompressed twice:
        the scan has a budget of its own)."""
        raw = super().open(name)
        return MeteredPart(
            raw, Budget(self.limits.total_bytes), self.limits.member_bytes, self.limits
        )


def check_directory(infos: list[zipfile.ZipInfo], limits: UploadLimits) -> None:
    """Refuse an archive whose directory announces more than a table can be."""
    if len(infos) > limits.zip_members:
        raise over_limit("members", limits.zip_members)
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > limits.member_bytes:
            raise over_limit("expanded", limits.member_bytes)
        if (
            info.file_size > limits.ratio_floor_bytes
            and info.file_size > limits.compression_ratio * max(info.compress_size, 1)
        ):
            raise over_limit("ratio", limits.compression_ratio)
    if total > limits.total_bytes:
        raise over_limit("expanded", limits.total_bytes)


# -- scanning: counting what a part holds before parsing it ------------------------------------------

#: Merged ranges are read for the rows a header can be in, and at most this many of them.
MERGE_ROWS = 60
MAX_MERGES = 2_000
_MERGE = re.compile(
    rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]{1,3})([0-9]{1,7}):([A-Z]{1,3})([0-9]{1,7})"'
)
SCAN_CHUNK = 1 << 20


def _column_number(letters: bytes) -> int:
    number = 0
    for char in letters:
        number = number * 26 + char - 64
    return number


def count_tags(chunks: Iterator[bytes], name: bytes, limit: int, what: str) -> int:
    """How many elements *name* the XML in *chunks* opens (as Excel writes them, without a
    namespace prefix), refusing more than *limit*: at C speed, so that a file of too many rows or
    strings is refused in seconds, before the slow parse. The parse counts again, exactly."""
    patterns = [b"<" + name + end for end in (b" ", b">", b"/")]
    count = 0
    tail = b""
    for chunk in chunks:
        data = tail + chunk
        count += sum(data.count(p) - tail.count(p) for p in patterns)
        if count > limit:
            raise over_limit(what, limit)
        tail = data[-len(patterns[0]) :]
    return count


def _chunks(stream: MeteredPart) -> Iterator[bytes]:
    while chunk := stream.read(SCAN_CHUNK):
        yield chunk


def merged_ranges(data: bytes, found: set[tuple[int, int, int, int]]) -> None:
    """The merged ranges in *data* that start in the first :data:`MERGE_ROWS` rows (openpyxl's
    streaming reader does not report them), added to *found*."""
    if b"mergeCell" not in data:
        return
    for match in _MERGE.finditer(data):
        first_row = int(match[2])
        if first_row <= MERGE_ROWS and len(found) < MAX_MERGES:
            found.add(
                (first_row, _column_number(match[1]), int(match[4]), _column_number(match[3]))
            )


def scan_sheet(
    archive: BoundedArchive, path: str, limits: UploadLimits
) -> list[tuple[int, int, int, int]]:
    """Count the sheet's rows (refusing too many) and find its merged ranges, in one pass."""
    found: set[tuple[int, int, int, int]] = set()

    def chunks() -> Iterator[bytes]:
        tail = b""
        elements = 0
        with archive.open_scanned(path) as stream:
            while chunk := stream.read(SCAN_CHUNK):
                merged_ranges(tail + chunk, found)
                tail = chunk[-200:]
                elements += chunk.count(b"<") - chunk.count(b"</")
                if elements > limits.sheet_elements:
                    raise over_limit("elements", limits.sheet_elements)
                yield chunk

    count_tags(chunks(), b"row", limits.rows, "rows")
    return sorted(found)


# -- records: one element at a time ---------------------------------------------------------------


def records(part: MeteredPart, depth: int, limits: UploadLimits) -> Iterator[tuple[int, Element]]:
    """Each element ending at *depth* or above (the root is 1), with that depth; once the caller
    has looked at it, it is removed from the tree, so nothing read stays in memory. The elements
    and bytes inside one such record are bounded."""
    stack: list[Element] = []
    inside = 0
    mark = 0
    # The standard library's parser, safely: *part* refuses any DOCTYPE or ENTITY before the
    # parser sees it (MeteredPart._check), so there is nothing to expand.
    for event, element in iterparse(part, events=("start", "end")):  # nosec B314
        if event == "start":
            stack.append(element)
            if len(stack) > depth:
                inside += 1
                if inside > limits.row_elements:
                    raise over_limit("elements", limits.row_elements)
                if part.position - mark > limits.row_bytes:
                    raise over_limit("row_bytes", limits.row_bytes)
            continue
        stack.pop()
        if len(stack) >= depth:
            continue
        yield len(stack) + 1, element
        inside, mark = 0, part.position
        if stack:
            stack[-1].remove(element)


def shared_strings(archive: BoundedArchive, path: str, limits: UploadLimits) -> list[str]:
    with archive.open_scanned(path) as stream:
        count_tags(_chunks(stream), b"si", limits.shared_strings, "shared_strings")
    strings: list[str] = []
    chars = 0
    with archive.open_streamed(path) as part:
        for depth, element in records(part, 2, limits):
            if depth != 2 or element.tag != STRING_TAG:
                continue
            text = Text.from_tree(element).content.replace("x005F_", "")
            if len(text) > limits.cell_chars:
                raise over_limit("cell_chars", limits.cell_chars)
            chars += len(text)
            if chars > limits.shared_string_chars or len(strings) >= limits.shared_strings:
                raise over_limit("shared_strings", limits.shared_strings)
            strings.append(text)
    return strings


class SheetParser(WorkSheetParser):
    """openpyxl's reading of cells; rows one at a time through :func:`records`, numbered
    strictly (a row number is ASCII digits and at most the rows a sheet has)."""

    def __init__(self, part: MeteredPart, strings: list[str], workbook: Any, limits: UploadLimits):
        super().__init__(
            part,
            strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        self.limits = limits
        self.row_counter: int = 0

    def parse(self) -> Iterator[tuple[int, list[dict[str, Any]]]]:
        for depth, element in records(self.source, 3, self.limits):
            if depth == 3 and element.tag == ROW_TAG:
                yield self.parse_row(element)

    def parse_row(self, row: Element) -> tuple[int, list[dict[str, Any]]]:
        number = row.get("r")
        if number is None:
            self.row_counter += 1
        elif _ROW_NUMBER.fullmatch(number):
            self.row_counter = int(number)
        else:
            raise damaged_cell(self.row_counter)
        if self.row_counter > self.limits.rows:
            raise over_limit("rows", self.limits.rows)
        self.col_counter = 0
        return self.row_counter, [self.parse_cell(cell) for cell in row]


# -- the workbook ---------------------------------------------------------------------------------


class BoundedWorkbook:
    """The first worksheet of a workbook, its values row by row (see :meth:`rows`)."""

    def __init__(self, handle: IO[bytes], limits: UploadLimits = LIMITS) -> None:
        self.limits = limits
        # openpyxl's reader, given our archive instead of the plain ZipFile its __init__ opens;
        # of its steps only those that read no sheet (the sheet is read by rows() below).
        reader = ExcelReader.__new__(ExcelReader)
        self.archive = BoundedArchive(handle, limits)
        reader.archive = self.archive
        reader.valid_files = self.archive.namelist()
        reader.read_only, reader.keep_vba, reader.data_only = True, False, True
        reader.keep_links, reader.rich_text = False, False
        reader.read_manifest()
        strings = reader.package.find(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
        )
        self.strings = shared_strings(self.archive, strings.PartName[1:], limits) if strings else []
        reader.read_workbook()
        apply_stylesheet(self.archive, reader.wb)
        self.workbook = reader.wb
        self.sheet_path = next(
            (
                rel.target
                for _sheet, rel in reader.parser.find_sheets()
                if rel.target in reader.valid_files and "chartsheet" not in rel.Type
            ),
            None,
        )
        self.sheet_bytes = self.archive.getinfo(self.sheet_path).file_size if self.sheet_path else 0
        #: Merged ranges near the top (first row, first column, last row, last column; 1-based).
        self.merges = scan_sheet(self.archive, self.sheet_path, limits) if self.sheet_path else []
        self.part: MeteredPart | None = None

    def rows(self) -> Iterator[list[object]]:
        """The values of each row, numbered from 1 without gaps (a missing row is empty), as far
        as the row's last cell."""
        assert self.sheet_path is not None
        limits = self.limits
        cells = 0
        expected = 1
        with self.archive.open_streamed(self.sheet_path) as part:
            self.part = part
            parser = SheetParser(part, self.strings, self.workbook, limits)
            for number, found in parser.parse():
                if number < expected:
                    continue  # a row out of order: as openpyxl, it is not read
                while expected < number:
                    expected += 1
                    yield []
                expected += 1
                width = max((c["column"] for c in found), default=0)
                if width > limits.columns:
                    raise over_limit("columns", limits.columns)
                cells += width
                if cells > limits.cells:
                    raise over_limit("cells", limits.cells)
                values: list[object] = [None] * width
                for cell in found:
                    values[cell["column"] - 1] = cell["value"]
                yield values

    @property
    def fraction(self) -> float:
        """How much of the sheet has been read."""
        if self.part is None or not self.sheet_bytes:
            return 0.0
        return self.part.position / self.sheet_bytes

    def close(self) -> None:
        self.archive.close()


@contextmanager
def open_workbook(handle: IO[bytes], limits: UploadLimits = LIMITS) -> Iterator[BoundedWorkbook]:
    """The workbook in *handle*, or a :class:`TableFileError` saying why it cannot be read."""
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it does not read; they do not matter here.
            warnings.simplefilter("ignore")
            workbook = BoundedWorkbook(handle, limits)
    except Exception as error:
        raise workbook_error(error) from error
    try:
        if workbook.sheet_path is None:
            raise file_problem(_l("The workbook has no worksheet."))
        yield workbook
    finally:
        workbook.close()


def workbook_error(error: BaseException, row: int | None = None) -> TableFileError:
    """What to tell the clerk about an error raised while reading a workbook."""
    cause: BaseException | None = error
    while cause is not None:  # openpyxl wraps what it could not read in a ValueError
        if isinstance(cause, TableFileError):
            return cause
        if isinstance(cause, DefusedXmlException):
            return forbidden_markup()
        cause = cause.__cause__ or cause.__context__
    return not_a_workbook() if row is None else damaged_cell(row)
