"""Header rows: the documented columns of an upload format and where a file puts them."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import LazyString

from portal.uploads.rows import Row

#: How many rows at the top may hold a title or a unit line before the header row.
HEADER_SEARCH_ROWS = 10

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


def template_csv(columns: tuple[ColumnSpec, ...], lang: str) -> bytes:
    """A template: the headers in *lang* and one example row, UTF-8 with a BOM (Excel opens it)."""
    shown = [c for c in columns if c.in_template]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.header(lang) for c in shown])
    writer.writerow([c.example_zh if lang == "zh" else c.example_en for c in shown])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
