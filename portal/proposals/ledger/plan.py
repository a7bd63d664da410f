"""From rows to a plan: each row read cell by cell, rows grouped by item (one per round), and
the steps each item's timeline would need, in the order they are replayed."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from portal.datasets.models import DatasetVersion
from portal.proposals.ledger.cells import (
    Lookups,
    area_list,
    disclosure,
    handling_role,
    item_kind,
    item_number,
    ledger_date,
    meeting_form,
    months,
    names,
    round_number,
    satisfaction,
    session_key,
    year_number,
)
from portal.proposals.ledger.columns import (
    ITEM_KEYS,
    ITEM_REQUIRED,
    REQUIRED,
    documented_header,
    ledger_header,
)
from portal.proposals.models import (
    Disclosure,
    EventKind,
    ItemKind,
    Status,
    Submitter,
    SubmitterKind,
)
from portal.uploads.cells import CellError, is_nil, text_of
from portal.uploads.files import TableFileError, TableSource, inspect_file
from portal.uploads.headers import HeaderMap
from portal.uploads.importing import record_rows
from portal.uploads.problems import Problem, ProblemLog
from portal.uploads.rows import open_rows

STEP_ORDER = {
    EventKind.ASSIGNED: 0,
    EventKind.EXTENDED: 1,
    EventKind.MET: 2,
    EventKind.REPLIED: 3,
    EventKind.PUBLISHED: 4,
    EventKind.FEEDBACK: 5,
    EventKind.CLOSED: 6,
}


ItemKey = tuple[str, ItemKind, str]  # session (normalised), kind, number (see number_key)
Cell = tuple[str, str]  # the column's header as written, the cell as written


@dataclass
class Step:
    """One step the ledger says happened: what, when, in which round, and from which cells."""

    kind: EventKind
    on: date
    round: int
    row: int
    cells: dict[str, Cell]  # column key → (header, text) of the cells it was read from
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def date_cell(self) -> Cell:
        return next(iter(self.cells.values()))

    def problem(self, message: LazyString | str, key: str | None = None) -> Problem:
        header, text = self.cells[key] if key else self.date_cell
        return Problem(message, self.row, header, text)

    def sort_key(self) -> tuple[bool, date, int, int]:
        return (self.kind != EventKind.ASSIGNED, self.on, self.round, STEP_ORDER[self.kind])


@dataclass
class ItemPlan:
    """One item of the ledger: its facts (from its first row), its steps in date order, and —
    once compared with the database — the item on record and the steps it does not have yet."""

    key: ItemKey
    first_row: int
    rows: list[int]
    facts: dict[str, Any]
    cells: dict[str, Cell]  # of the first row
    steps: list[Step]
    item_id: int | None = None
    new_steps: list[Step] = field(default_factory=list)
    status_before: Status | None = None
    status_after: Status | None = None
    #: False once a problem was found in it: its steps are then not replayed.
    ok: bool = True

    @property
    def is_new(self) -> bool:
        return self.item_id is None


@dataclass
class LedgerPlan:
    rows: int = 0
    items: list[ItemPlan] = field(default_factory=list)

    @property
    def new_items(self) -> list[ItemPlan]:
        return [p for p in self.items if p.is_new]

    @property
    def updated_items(self) -> list[ItemPlan]:
        return [p for p in self.items if not p.is_new and p.new_steps]

    @property
    def new_steps(self) -> int:
        return sum(len(p.new_steps) for p in self.items)

    @property
    def unchanged_rows(self) -> int:
        """Rows of items on record of which every step is already on the timeline."""
        return sum(len(p.rows) for p in self.items if not p.is_new and not p.new_steps)


@dataclass
class _Row:
    number: int
    values: dict[str, Any]
    cells: dict[str, Cell]
    ok: bool = True


class LedgerReader:
    """Reads the rows, groups them by item and builds the steps, reporting into *log*."""

    def __init__(
        self, header: HeaderMap, lookups: Lookups, log: ProblemLog, year: int | None
    ) -> None:
        self.header, self.lookups, self.log, self.year = header, lookups, log, year
        self.parsers: dict[str, Callable[[str], Any]] = {
            "session": text_of(100),
            "session_en": text_of(200),
            "kind": item_kind,
            "number": item_number,
            "year": year_number,
            "title": text_of(300),
            "title_en": text_of(400),
            "body": text_of(20_000),
            "lead": lookups.submitter,
            "cosigners": names,
            "areas": area_list,
            "role": handling_role,
            "other_units": text_of(300),
            "round": round_number,
            "assigned_on": ledger_date,
            "extended_months": months,
            "extension_reason": text_of(2000),
            "extended_on": ledger_date,
            "met_on": ledger_date,
            "meeting_form": meeting_form,
            "replied_on": ledger_date,
            "document_number": text_of(100),
            "reply_class": lookups.reply_class,
            "summary": text_of(20_000),
            "summary_en": text_of(20_000),
            "text": text_of(200_000),
            "text_en": text_of(200_000),
            "disclosure": disclosure,
            "withheld_reason": text_of(2000),
            "published_on": ledger_date,
            "handling": satisfaction,
            "result": satisfaction,
            "feedback_on": ledger_date,
            "feedback_comment": text_of(5000),
            "closed_on": ledger_date,
        }

    def column(self, key: str) -> str:
        """The column's header as written in the file (or as documented, if it is missing)."""
        if key in self.header.positions:
            return self.header.written(key)
        return documented_header(key, self.header.lang)

    def read_row(self, number: int, cells: list[str]) -> _Row:
        row = _Row(number, {}, {})
        for key, at in self.header.positions.items():
            text = cells[at].strip() if at < len(cells) else ""
            if is_nil(text):
                text = ""  # "-" or 无: nothing, as a blank is (a date too: no such step)
            row.cells[key] = (self.header.headers[at], text)
            if not text:
                continue
            try:
                row.values[key] = self.parsers[key](text)
            except CellError as error:
                self.error(row, key, error.message)
        for key in ("session", "kind", "number"):
            if key in row.cells and not row.cells[key][1]:
                self.error(row, key, _l("This cell must be filled in."))
        if self.year is not None and row.values.get("year", self.year) != self.year:
            self.error(
                row,
                "year",
                _l("This row is not for %(year)s, the year of this upload.", year=self.year),
            )
        return row

    def error(self, row: _Row, key: str, message: LazyString | str) -> None:
        header, text = row.cells.get(key, (self.column(key), ""))
        self.log.add(Problem(message, row.number, header, text))
        row.ok = False

    # -- items ------------------------------------------------------------------------------------

    def items(self, rows: Iterable[_Row]) -> list[ItemPlan]:
        grouped: dict[ItemKey, list[_Row]] = {}
        for row in rows:
            values = row.values
            if not all(k in values for k in ("session", "kind", "number")):
                continue  # reported: the row names no item
            key = (session_key(values["session"]), values["kind"], values["number"])
            values.setdefault("round", 1)
            grouped.setdefault(key, []).append(row)
        plans = []
        for key, item_rows in grouped.items():
            plan = self.item(key, item_rows)
            if plan is not None:
                plans.append(plan)
        return plans

    def item(self, key: ItemKey, rows: list[_Row]) -> ItemPlan | None:
        rounds: dict[int, _Row] = {}
        for row in rows:
            earlier = rounds.get(row.values["round"])
            if earlier is not None:
                self.error(
                    row,
                    "number",
                    _l(
                        "Duplicate row: the same item and round as row %(row)s. A second round needs 轮次 2.",
                        row=earlier.number,
                    ),
                )
            else:
                rounds[row.values["round"]] = row
        ordered = [rounds[n] for n in sorted(rounds)]
        first = ordered[0]
        for name in ITEM_REQUIRED:
            if name not in first.values and not first.cells.get(name, ("", ""))[1]:
                self.error(first, name, _l("This cell must be filled in on the item's first row."))
        for row in ordered[1:]:
            for name in ITEM_KEYS:
                if name in row.values and not self.same(name, row, first):
                    self.error(
                        row,
                        name,
                        _l(
                            "This differs from row %(row)s, the item's first row: an item's own columns say the same on each of its rows.",
                            row=first.number,
                        ),
                    )
        facts = dict(first.values)
        self.check_submitters(first, facts)
        steps = [step for row in ordered for step in self.steps(row, first is row)]
        if not all(row.ok for row in rows):
            return None  # its timeline cannot be checked with cells missing
        steps.sort(key=Step.sort_key)
        return ItemPlan(key, first.number, [r.number for r in rows], facts, first.cells, steps)

    def same(self, key: str, row: _Row, first: _Row) -> bool:
        """Whether an item's column says the same on *row* as on its first row (co-signers
        and areas in any order, a submitter by name or key)."""
        value, first_value = row.values.get(key), first.values.get(key)
        if key == "cosigners":

            def who(name: str) -> object:
                try:
                    return self.lookups.submitter(name).id
                except CellError:
                    return name

            return {who(n) for n in value or ()} == {who(n) for n in first_value or ()}
        if key == "areas":
            return set(value or ()) == set(first_value or ())
        return bool(value == first_value)

    def check_submitters(self, row: _Row, facts: dict[str, Any]) -> None:
        """Co-signers resolved, and every submitter of the item's kind (deputies sign
        suggestions, CPPCC members sign proposals)."""
        wanted = (
            SubmitterKind.DEPUTY if facts["kind"] == ItemKind.SUGGESTION else SubmitterKind.MEMBER
        )
        cosigners: list[int] = []
        for name in facts.get("cosigners", []):
            try:
                submitter = self.lookups.submitter(name)
            except CellError as error:
                self.log.add(Problem(error.message, row.number, self.column("cosigners"), name))
                row.ok = False
                continue
            if submitter.kind != wanted:
                self.log.add(
                    Problem(
                        _wrong_kind(submitter, wanted), row.number, self.column("cosigners"), name
                    )
                )
                row.ok = False
            lead = facts.get("lead")
            if submitter.id not in cosigners and (lead is None or submitter.id != lead.id):
                cosigners.append(submitter.id)
        facts["cosigner_ids"] = cosigners
        lead = facts.get("lead")
        if lead is not None and lead.kind != wanted:
            self.error(row, "lead", _wrong_kind(lead, wanted))

    def steps(self, row: _Row, first: bool) -> list[Step]:
        """The steps of one row, each once all the cells it needs are there."""
        values, n = row.values, row.values["round"]
        steps: list[Step] = []

        def step(kind: EventKind, keys: tuple[str, ...], **facts: Any) -> None:
            if keys[0] not in values:
                return  # its date could not be read (reported)
            cells = {k: row.cells.get(k, (self.column(k), "")) for k in keys}
            steps.append(Step(kind, values[keys[0]], n, row.number, cells, facts))

        def together(keys: tuple[str, ...]) -> bool:
            """All of *keys* filled in, or none; report each missing one if some are."""
            filled = [k for k in keys if k in values or row.cells.get(k, ("", ""))[1]]
            if not filled:
                return False
            for key in keys:
                if key not in filled:
                    self.error(
                        row,
                        key,
                        _l(
                            "This cell must be filled in when “%(other)s” is.",
                            other=self.column(filled[0]),
                        ),
                    )
            return len(filled) == len(keys)

        if first and "assigned_on" in values:
            step(EventKind.ASSIGNED, ("assigned_on",))
        if together(("extended_on", "extended_months", "extension_reason")):
            step(
                EventKind.EXTENDED,
                ("extended_on", "extended_months", "extension_reason"),
                months=values.get("extended_months"),
                reason=values.get("extension_reason", ""),
            )
        if together(("met_on", "meeting_form")):
            step(EventKind.MET, ("met_on", "meeting_form"), form=values.get("meeting_form"))
        reply_keys = ("document_number", "reply_class", "summary", "summary_en", "text", "text_en")
        if "replied_on" in values:
            step(
                EventKind.REPLIED,
                ("replied_on", *reply_keys),
                **{k: values.get(k) for k in reply_keys},
            )
        else:
            for key in reply_keys:
                if key in values:
                    self.error(
                        row,
                        "replied_on",
                        _l(
                            "This cell must be filled in when “%(other)s” is.",
                            other=self.column(key),
                        ),
                    )
                    break
        if together(("published_on", "disclosure")):
            mode = values.get("disclosure")
            reason = values.get("withheld_reason", "")
            if mode == Disclosure.WITHHELD and not reason:
                self.error(row, "withheld_reason", _l("不予公开 needs a stated reason here."))
            elif mode is not None and mode != Disclosure.WITHHELD and reason:
                self.error(row, "withheld_reason", _l("A reason is given only for 不予公开."))
            step(
                EventKind.PUBLISHED,
                ("published_on", "disclosure", "withheld_reason"),
                mode=mode,
                reason=reason,
            )
        if together(("feedback_on", "handling", "result")):
            step(
                EventKind.FEEDBACK,
                ("feedback_on", "handling", "result", "feedback_comment"),
                handling=values.get("handling"),
                result=values.get("result"),
                comment=values.get("feedback_comment", ""),
            )
        elif "feedback_comment" in values:
            self.error(
                row,
                "feedback_on",
                _l(
                    "This cell must be filled in when “%(other)s” is.",
                    other=self.column("feedback_comment"),
                ),
            )
        if "closed_on" in values:
            step(EventKind.CLOSED, ("closed_on",))
        return [s for s in steps if row.ok]


def _wrong_kind(submitter: Submitter, wanted: SubmitterKind) -> LazyString:
    if wanted == SubmitterKind.DEPUTY:
        return _l(
            "%(name)s is not a deputy of the People's Congress: a suggestion (建议) is signed by deputies.",
            name=submitter.name,
        )
    return _l(
        "%(name)s is not a CPPCC member: a proposal (提案) is signed by CPPCC members.",
        name=submitter.name,
    )


def version_source(version: DatasetVersion) -> TableSource:
    """The file a ledger version keeps."""
    return TableSource.from_bytes(version.original_file or b"", version.original_filename or "")


def read_ledger(
    session: Session,
    source: TableSource,
    log: ProblemLog,
    *,
    year: int | None = None,
    progress: Callable[[float], None] | None = None,
) -> tuple[LedgerPlan, LedgerReader] | None:
    """Read the ledger into items and their steps (nothing is compared or written); every
    problem goes to *log*. ``None`` if the file cannot be read as a ledger at all."""
    try:
        table_format = inspect_file(source)
        with open_rows(source, table_format, progress) as rows:
            header = ledger_header(rows, log)
            if header is None:
                return None
            reader = LedgerReader(header, Lookups.load(session), log, year)
            plan = LedgerPlan()
            read: list[_Row] = []
            for number, cells in record_rows(rows):
                plan.rows += 1
                read.append(reader.read_row(number, cells))
    except TableFileError as error:
        log.add(error.problem)
        return None
    if plan.rows == 0:
        log.add(Problem(_l("The file has a header row but no lines.")))
    if header.positions.keys() >= REQUIRED:
        plan.items = reader.items(read)
    # else: reported; the rows cannot be matched to items
    return plan, reader
