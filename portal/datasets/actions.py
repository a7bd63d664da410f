"""What can be done to a dataset version — publish a draft, restore an earlier version, withdraw a
draft — each audited in the same transaction.

Every action takes the write lock first (see :mod:`portal.datasets.transactions`) and then locks the
version's row, so two people acting at once on the same version or dataset queue rather than mix.
Services flush; the caller commits.

What publishing a kind involves besides switching the pointer — hooks, a version *applied* to live
records once (so it cannot be restored), figures to confirm first — is registered by the kind's
domain (:mod:`portal.datasets.publishing`); publishing a flagged version needs the token of exactly
the flags it names.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.audit import record_audit
from portal.datasets.models import Dataset, DatasetVersion, VersionStatus
from portal.datasets.publishing import Flag, publishing_of
from portal.datasets.services import publish_version, withdraw_version
from portal.datasets.transactions import retry_if_locked, take_write_lock
from portal.roles import Actor


class StaffActionError(ValueError):
    """An action that does not apply to the version as it is now; the message says why."""

    def __init__(self, message: LazyString) -> None:
        super().__init__(str(message))
        self.message = message


def _locked_version(session: Session, version_id: int) -> DatasetVersion:
    """The version and its dataset, read afresh and locked (always in that order) until commit."""
    take_write_lock(session)
    version = session.scalar(
        select(DatasetVersion)
        .where(DatasetVersion.id == version_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if version is None:
        raise StaffActionError(_l("There is no such version."))
    session.execute(
        select(Dataset)
        .where(Dataset.id == version.dataset_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return version


def publish_flags(session: Session, version: DatasetVersion) -> Sequence[Flag]:
    check = publishing_of(version.dataset.kind).check
    return check(session, version) if check is not None else ()


def flags_token(flags: Sequence[Flag]) -> str:
    """What a confirmation carries: a digest of exactly these flags (a different set of figures
    needs a new confirmation)."""
    digest = hashlib.sha256("\n".join(sorted(f.key for f in flags)).encode()).hexdigest()
    return digest[:20]


def describe(version: DatasetVersion) -> str:
    dataset = version.dataset
    label = f"{dataset.kind.value} {dataset.year or ''} {dataset.stage.value}".split()
    return " ".join(label) + f" version {version.number}"


def publish(session: Session, version_id: int, *, actor: Actor, confirm: str | None = None) -> int:
    """Make a draft live, or restore an earlier published version (publishing it again).

    If the version's figures are flagged (a total that changed by more than a factor of five, a
    value implausible for its unit), *confirm* must be :func:`flags_token` of those flags.
    Returns the new data version."""

    def act() -> int:
        version = _locked_version(session, version_id)
        dataset = version.dataset
        if version.status == VersionStatus.WITHDRAWN:
            raise StaffActionError(_l("A withdrawn draft cannot be published."))
        if dataset.published_version_id == version.id:
            raise StaffActionError(_l("This version is already the published one."))
        previous = dataset.published_version
        restoring = version.status == VersionStatus.PUBLISHED
        # A restored version was public before: its figures were checked then.
        flags = [] if restoring else publish_flags(session, version)
        if flags and confirm != flags_token(flags):
            raise StaffActionError(
                _l(
                    "These figures need a confirmation before they are published: %(flags)s",
                    flags="; ".join(str(f.message) for f in flags),
                )
            )
        apply = publishing_of(dataset.kind).apply
        if apply is not None:
            if restoring:
                raise StaffActionError(
                    _l(
                        "This ledger was applied when it was published, and the timelines are append-only: it cannot be published again. Upload a new ledger, or correct an item on its page."
                    )
                )
            apply(session, version, actor)
        data_version = publish_version(session, version, published_by=actor.name)
        record_audit(
            session,
            "dataset.restore" if restoring else "dataset.publish",
            target_type="dataset_version",
            target_id=version.id,
            summary=(
                f"{describe(version)} {'restored' if restoring else 'published'}"
                + (f" (was version {previous.number})" if previous else "")
            ),
            before={"published_version": previous.number if previous else None},
            after={
                "published_version": version.number,
                "data_version": data_version,
                **({"confirmed": [f.key for f in flags]} if flags else {}),
            },
            actor=actor,
        )
        return data_version

    return retry_if_locked(session, act)


def withdraw(session: Session, version_id: int, *, actor: Actor) -> int:
    """Throw a draft away (it is kept, with its file, but can no longer be published)."""

    def act() -> int:
        version = _locked_version(session, version_id)
        if version.status != VersionStatus.DRAFT:
            raise StaffActionError(_l("Only a draft can be withdrawn."))
        data_version = withdraw_version(session, version)
        record_audit(
            session,
            "dataset.withdraw",
            target_type="dataset_version",
            target_id=version.id,
            summary=f"{describe(version)} withdrawn",
            before={"status": VersionStatus.DRAFT.value},
            after={"status": VersionStatus.WITHDRAWN.value},
            actor=actor,
        )
        return data_version

    return retry_if_locked(session, act)
