"""Problems found in an uploaded table, reported all at once in the reader's language.

A :class:`Problem` carries its message as a lazy string (``_l(msgid, **params)``), so the same list
reads in Chinese on a Chinese page, in English on an English one, and in the language chosen on the
command line. ``row`` is the row as a spreadsheet shows it (the header is usually row 1);
``column`` is the column's header as written in the file.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from flask_babel import LazyString
from flask_babel import gettext as _

#: How many problems are kept in detail; beyond it they are only counted (a million-line file with
#: the wrong unit in every row would otherwise need more memory than the rest of the import).
MAX_PROBLEMS = 10_000
#: Longest value quoted back to the user.
MAX_VALUE_CHARS = 80


class Severity(enum.StrEnum):
    ERROR = "error"  # the file cannot be imported
    WARNING = "warning"  # worth a look; the file can be imported


@dataclass(frozen=True)
class Problem:
    message: LazyString | str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    severity: Severity = Severity.ERROR

    @property
    def is_error(self) -> bool:
        return self.severity == Severity.ERROR

    @property
    def shown_value(self) -> str | None:
        if self.value is None:
            return None
        value = self.value.replace("\r", " ").replace("\n", " ")
        return value if len(value) <= MAX_VALUE_CHARS else value[: MAX_VALUE_CHARS - 1] + "…"

    def describe(self) -> str:
        """One line for the command line: where, what, and the message, in the current language."""
        parts = []
        if self.row is not None:
            parts.append(_("row %(row)s", row=self.row))
        if self.column:
            parts.append(_("column “%(column)s”", column=self.column))
        if self.shown_value is not None:
            parts.append(_("value “%(value)s”", value=self.shown_value))
        label = _("Error") if self.is_error else _("Warning")
        where = _(", ").join(parts)
        if where:
            return _(
                "%(label)s (%(where)s): %(message)s", label=label, where=where, message=self.message
            )
        return _("%(label)s: %(message)s", label=label, message=self.message)


@dataclass
class ProblemLog:
    """Every problem of one file: the first :data:`MAX_PROBLEMS` in detail, the rest counted."""

    limit: int = MAX_PROBLEMS
    problems: list[Problem] = field(default_factory=list)
    errors: int = 0
    warnings: int = 0

    def add(self, problem: Problem) -> None:
        if problem.is_error:
            self.errors += 1
        else:
            self.warnings += 1
        if len(self.problems) < self.limit:
            self.problems.append(problem)

    def count_more(self, errors: int = 0, warnings: int = 0) -> None:
        """Count problems of which no detail is kept (past the limit anyway)."""
        self.errors += errors
        self.warnings += warnings

    def extend(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self.add(problem)

    @property
    def has_errors(self) -> bool:
        return self.errors > 0

    @property
    def total(self) -> int:
        return self.errors + self.warnings

    @property
    def not_shown(self) -> int:
        """Problems counted but not kept in detail."""
        return self.total - len(self.problems)

    def sorted(self) -> list[Problem]:
        """File-level problems first, then by row; errors before warnings on the same row."""
        return sorted(self.problems, key=lambda p: (p.row or 0, not p.is_error))

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.sorted())
