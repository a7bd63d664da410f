"""One description of each data table, rendered two ways: as an HTML ``<table>`` beside its chart
and as a CSV download with the exact figures. The numbers cannot drift apart."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from portal.downloads import safe_row
from portal.i18n import (
    format_number,
    format_ratio,
    format_yuan,
    large_amount,
    large_unit,
    table_amount,
    table_unit,
)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    #: text | code | code_name (a code and its name: ``(code, name)``, the code set as code) |
    #: money (万元) | money_large (亿元, for national series) | money_change (one amount in 万元,
    #: or ``(before, after)``: "1.00 → 2.00") | ratio | change (a signed ratio: +7.8%) | yuan |
    #: number | int
    kind: str = "text"
    #: Optional key of a row field holding a link for this cell.
    link_key: str | None = None
    #: Shown on a phone. On a narrow screen each row is stacked (every cell under its label); a
    #: column that only adds detail (a level, an adjusted budget) is left to wider screens and to
    #: the CSV. The first column (the row's name) and the figures a table exists for stay.
    phone: bool = True
    #: Part of the row's name (a code's name beside the code): stacked on a phone, it is shown
    #: with the name, without a label of its own.
    names_row: bool = False
    #: Money columns name their unit in the header, unless the table's heading already does.
    unit_in_header: bool = True

    @property
    def numeric(self) -> bool:
        return self.kind not in {"text", "code", "code_name"}

    def header(self) -> str:
        """Header with its unit, for HTML."""
        if self.kind == "money" and self.unit_in_header:
            return _("%(label)s (%(unit)s)", label=self.label, unit=table_unit())
        if self.kind == "money_large":
            return _("%(label)s (%(unit)s)", label=self.label, unit=large_unit())
        return self.label

    def csv_header(self, unit_10k: str) -> str:
        if self.kind == "money":
            return _("%(label)s (%(unit)s)", label=self.label, unit=unit_10k)
        if self.kind == "money_large":
            return _("%(label)s (%(unit)s)", label=self.label, unit=_("100 million yuan"))
        return self.label

    def display(self, value: Any) -> str:
        if value is None or value == "":
            return "—"
        if self.kind == "code_name":
            return " ".join(part for part in value if part)
        if self.kind == "money_change":
            return " → ".join(table_amount(amount) for amount in value)
        if self.kind == "money":
            return table_amount(value)
        if self.kind == "money_large":
            return large_amount(value)
        if self.kind == "ratio":
            return format_ratio(value)
        if self.kind == "change":
            return format_ratio(value, signed=True)
        if self.kind == "yuan":
            return format_yuan(value)
        if self.kind == "number":
            return format_number(value)
        if self.kind == "int":
            return format_number(value, places=0)
        return str(value)

    def raw(self, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, Decimal):
            if self.kind in ("ratio", "change"):
                return f"{value:.4f}"
            if self.kind == "money_large":
                return f"{value.scaleb(-4):f}"
            if self.kind == "yuan":
                return f"{value:.2f}"
            return f"{value:f}"
        return str(value)


@dataclass
class Table:
    name: str
    caption: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    csv_url: str | None = None
    note: str | None = None
    #: Row field naming a CSS class for the row (e.g. the 类/款/项 level of a drill-down).
    row_class_key: str | None = None
    footer: list[dict[str, Any]] = field(default_factory=list)

    def to_csv(self, unit_10k: str) -> bytes:
        """UTF-8 with a byte-order mark, so Excel opens Chinese text correctly."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(safe_row([c.csv_header(unit_10k) for c in self.columns]))
        for row in [*self.rows, *self.footer]:
            writer.writerow(safe_row([c.raw(row.get(c.key)) for c in self.columns]))
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
