"""Reading uploaded tables: CSV (UTF-8, UTF-8 with BOM, GB18030 or UTF-16 with BOM, detected) and
XLSX (openpyxl, read-only and streaming), row by row, never the whole file in memory.

A file is looked at before it is read: an empty file, a type outside the allow-list, an old ``.xls``
workbook, a PDF or any other binary file, or text in no known encoding is turned away with one
clear :class:`~portal.uploads.problems.Problem` (:class:`TableFileError`).
"""

from __future__ import annotations

import codecs
import hashlib
import io
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from portal.uploads.problems import Problem

ALLOWED_EXTENSIONS = ("csv", "xlsx")
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
            digest, utf16, quoted = _hash_and_check(handle, head, "utf-16")
            if utf16 is None:
                raise not_text()
            return TableFormat("csv", digest, utf16, quoted)
        if b"\x00" in head:
            raise binary_data()
        digest, utf8, quoted = _hash_and_check(
            handle, head, "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
        )
        if utf8 is not None:
            return TableFormat("csv", digest, utf8, quoted)
        handle.seek(0)
        _, gb18030, quoted = _hash_and_check(handle, b"", "gb18030")
    if gb18030 is None:
        raise not_text()
    return TableFormat("csv", digest, gb18030, quoted)


def binary_data() -> TableFileError:
    return file_problem(
        _l(
            "This file is not a table: it holds binary data. Upload a CSV file or an .xlsx workbook."
        )
    )


def not_text() -> TableFileError:
    return file_problem(
        _l(
            "This file is not readable text: it is neither UTF-8 nor GB18030. Save the table as CSV (UTF-8) or as an .xlsx workbook."
        )
    )


def _sha256(handle: IO[bytes], head: bytes) -> str:
    digest = hashlib.sha256(head)
    while chunk := handle.read(READ_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _hash_and_check(handle: IO[bytes], head: bytes, encoding: str) -> tuple[str, str | None, bool]:
    """Hash the file and decode all of it (C speed, a chunk at a time) with *encoding*; return the
    digest, the encoding (``None`` if the text is not valid in it) and whether it has quotes. A
    NUL character anywhere (no table has one; the database would refuse it) is binary data."""
    digest = hashlib.sha256()
    quoted = False
    decoder: codecs.IncrementalDecoder | None = codecs.getincrementaldecoder(encoding)("strict")
    chunk = head or handle.read(READ_CHUNK)
    while chunk:
        digest.update(chunk)
        quoted = quoted or b'"' in chunk
        if decoder is not None:
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError:
                decoder = None
            else:
                if "\x00" in text:
                    raise binary_data()
        chunk = handle.read(READ_CHUNK)
    if decoder is not None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            decoder = None
    return digest.hexdigest(), (encoding if decoder is not None else None), quoted
