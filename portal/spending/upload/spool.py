"""Checked spending lines between the check and the insert: an anonymous temporary file, so the
insert neither parses the file again nor holds it in memory."""

from __future__ import annotations

import marshal
import struct
import tempfile
from collections.abc import Iterator, Sequence
from itertools import chain


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
                # marshal reads back our own anonymous temporary file, written just above.
                amounts = marshal.loads(self.file.read(rest_size))  # nosec B302
                yield (texts[:count], texts[count : 2 * count], texts[2 * count :], *amounts)
            else:
                yield marshal.loads(self.file.read(rest_size))  # nosec B302

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
