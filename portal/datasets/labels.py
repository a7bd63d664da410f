"""What datasets, their stages and their amounts are called, in the reader's language: the one
place for these words, used by views and (as the ``dataset_labels`` global) by templates."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from portal.datasets.models import DatasetKind, Stage

KIND_NAMES: dict[str, LazyString] = {
    DatasetKind.SPENDING: _l("Spending"),
    DatasetKind.INDICATORS: _l("Performance indicators"),
    DatasetKind.PROJECTS: _l("Practical projects"),
    DatasetKind.PROPOSALS: _l("Proposals handling ledger"),
    DatasetKind.CITY: _l("City facts: names, population and total spending"),
    DatasetKind.NATIONAL: _l("National figures"),
    DatasetKind.CLASSIFICATION: _l("Classification of expenditure"),
    DatasetKind.MAPPING: _l("Codes assigned to areas"),
}

#: Each stage: as readers see it, and with the Chinese term of its tables for the clerks who
#: upload them.
_STAGES: tuple[tuple[Stage, LazyString, LazyString], ...] = (
    (Stage.BUDGET, _l("Budget"), _l("Budget (预算)")),
    (Stage.ADJUSTED, _l("Adjusted budget"), _l("Adjusted budget (调整预算)")),
    (Stage.FINAL, _l("Final accounts"), _l("Final accounts (决算)")),
)
STAGE_NAMES: dict[str, LazyString] = {stage: name for stage, name, _term in _STAGES}
STAGE_TERMS: dict[str, LazyString] = {stage: term for stage, _name, term in _STAGES}

#: The amount columns of a spending line (``budget``, ``adjusted``, ``executed``): each is the
#: figure of one stage.
AMOUNT_NAMES: dict[str, LazyString] = {
    "budget": STAGE_NAMES[Stage.BUDGET],
    "adjusted": STAGE_NAMES[Stage.ADJUSTED],
    "executed": STAGE_NAMES[Stage.FINAL],
}


def kind_label(kind: DatasetKind | str) -> str:
    name = KIND_NAMES.get(kind)
    return str(name) if name is not None else str(kind)


def stage_label(stage: Stage | str) -> str:
    """``Budget``, ``Adjusted budget``, ``Final accounts``; anything else as it is given."""
    name = STAGE_NAMES.get(stage)
    return str(name) if name is not None else str(stage)


def stage_term(stage: Stage | str) -> str:
    """``Budget (预算)`` …; the empty string for a dataset without stages."""
    name = STAGE_TERMS.get(stage)
    return str(name) if name is not None else ""


def amount_label(key: str) -> str:
    return str(AMOUNT_NAMES[key])


def amount_labels() -> list[tuple[str, str]]:
    """``(key, label)`` of each amount column, in the order of the stages."""
    return [(key, str(name)) for key, name in AMOUNT_NAMES.items()]


def stage_choices() -> list[tuple[str, LazyString]]:
    """The stages a clerk chooses from when uploading a spending table."""
    return [(str(stage), name) for stage, name in STAGE_TERMS.items()]
