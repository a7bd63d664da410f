"""What publishing a version of each kind involves, registered on the app by the domain that owns
the kind (in its ``init_app``), never by an import's side effect:

- **hooks** run inside the publishing transaction of every publish and restore (spending computes
  its aggregates there);
- an **apply** step applies a version to live records once (the proposals ledger appends steps to
  timelines), so such a version cannot be restored;
- a **check** names the figures a person must confirm before the version goes public (spending
  whose unit looks wrong).

One mechanism, one place: ``app.extensions["portal.publishing"]``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from flask import Flask, current_app
from flask_babel import LazyString
from sqlalchemy.orm import Session

from portal.datasets.models import DatasetKind, DatasetVersion

if TYPE_CHECKING:
    from portal.roles import Actor

EXTENSION = "portal.publishing"


class Flag(Protocol):
    """Something about a version's figures a person must confirm before it goes public."""

    @property
    def key(self) -> str:
        """Stable text naming the figures (the same for the same figures, in any language)."""

    @property
    def message(self) -> LazyString | str:
        """The flag in the reader's language."""


#: Run inside the publishing transaction of every publish and restore of the kind.
PublishHook = Callable[[Session, DatasetVersion], None]
#: Applies a version to live records, in the publishing transaction, as *actor*; raises
#: ``StaffActionError`` (having changed nothing) if it no longer applies.
PublishAction = Callable[[Session, DatasetVersion, "Actor"], None]
#: The flags of a version as it would be published now.
PublishCheck = Callable[[Session, DatasetVersion], Sequence[Flag]]


@dataclass
class KindPublishing:
    hooks: list[PublishHook] = field(default_factory=list)
    apply: PublishAction | None = None
    check: PublishCheck | None = None


def register_publishing(
    app: Flask,
    kind: DatasetKind,
    *,
    hook: PublishHook | None = None,
    apply: PublishAction | None = None,
    check: PublishCheck | None = None,
) -> None:
    """Say what publishing a version of *kind* involves (called from a domain's ``init_app``)."""
    kinds: dict[DatasetKind, KindPublishing] = app.extensions.setdefault(EXTENSION, {})
    entry = kinds.setdefault(kind, KindPublishing())
    if hook is not None and hook not in entry.hooks:
        entry.hooks.append(hook)
    if apply is not None:
        entry.apply = apply
    if check is not None:
        entry.check = check


def publishing_of(kind: DatasetKind) -> KindPublishing:
    """What publishing *kind* involves in the current app (nothing registered: nothing to do)."""
    kinds: dict[DatasetKind, KindPublishing] = current_app.extensions.get(EXTENSION, {})
    return kinds.get(kind) or KindPublishing()
