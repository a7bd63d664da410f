"""The Atom feed of new dataset versions (``/<lang>/feeds/datasets.atom``): every version of the
spending, indicators, projects and proposals datasets as it is published, newest first, the
latest :data:`FEED_LENGTH`. The feed of newly published replies to suggestions and proposals is
the proposals' own (``/<lang>/proposals/feed.atom``).

Identifiers are tag URIs on the configured public host and links come from the public address
(:mod:`portal.urls`), never from the request's ``Host``: the body is cached by data version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Response, g, render_template
from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager

from portal.datasets.labels import kind_label, stage_label
from portal.datasets.models import Dataset, DatasetKind, DatasetVersion, DataState, VersionStatus
from portal.db import get_session
from portal.i18n import in_china
from portal.opendata.files.sources import list_pages
from portal.spending.services import level_name
from portal.urls import public_url_for
from portal.web import cached_by_data_version, language_blueprint

feeds = language_blueprint("feeds", __name__, "/feeds")

#: The most entries a feed holds: a reader polling weekly misses nothing, the body stays small.
FEED_LENGTH = 50
#: The kinds whose versions readers follow (the reference data — classification, mapping, city
#: facts, national figures — changes rarely and is not announced).
FEED_KINDS = (
    DatasetKind.SPENDING,
    DatasetKind.INDICATORS,
    DatasetKind.PROJECTS,
    DatasetKind.PROPOSALS,
)


def atom_time(moment: datetime) -> str:
    """An RFC 3339 timestamp in China's time (a naive value is UTC, as SQLite gives it back)."""
    return in_china(moment).isoformat(timespec="seconds")


def recently_published(session: Session, limit: int = FEED_LENGTH) -> list[DatasetVersion]:
    """Published versions of :data:`FEED_KINDS`, latest publication first (a restored version
    counts as published again, when it was restored)."""
    return list(
        session.scalars(
            select(DatasetVersion)
            .join(DatasetVersion.dataset)
            .options(contains_eager(DatasetVersion.dataset))
            .where(
                DatasetVersion.status == VersionStatus.PUBLISHED,
                DatasetVersion.published_at.is_not(None),
                Dataset.kind.in_(FEED_KINDS),
            )
            .order_by(DatasetVersion.published_at.desc(), DatasetVersion.id.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class FeedEntry:
    version: DatasetVersion
    title: str
    published: str
    live: bool
    url: str


def dataset_name(dataset: Dataset) -> str:
    """E.g. ``Spending 2024, Final accounts, The whole city (全市)``: the kind, then what tells
    one dataset of that kind from another."""
    parts = [kind_label(dataset.kind)]
    if dataset.year:
        parts[0] += f" {dataset.year}"
    if dataset.stage:
        parts.append(stage_label(dataset.stage))
    if dataset.level:
        parts.append(level_name(dataset.level))
    return ", ".join(parts)


def version_url(version: DatasetVersion) -> str:
    """Where a reader finds the version: its row on the downloads page, with its files (the
    proposals ledger: the items it changed, on the list of suggestions and proposals)."""
    if version.dataset.kind == DatasetKind.PROPOSALS:
        return public_url_for("proposals.index")
    return data_page_url(version)


def data_page_url(version: DatasetVersion, lang: str | None = None) -> str:
    """The version's row on the downloads page: on the page of the list that holds it (in the
    request's language, or *lang*)."""
    if "download_pages" not in g:
        g.download_pages = list_pages(get_session())
    page = g.download_pages.get(version.id, 1)
    values: dict[str, Any] = {"lang": lang} if lang else {}
    if page > 1:
        values["page"] = page
    return public_url_for("data.index", _anchor=f"version-{version.id}", **values)


def feed_entries(session: Session) -> list[FeedEntry]:
    return [
        FeedEntry(
            version=v,
            title=dataset_name(v.dataset),
            published=atom_time(v.published_at),
            live=v.dataset.published_version_id == v.id,
            url=version_url(v),
        )
        for v in recently_published(session)
        if v.published_at is not None
    ]


@feeds.get("/datasets.atom")
@cached_by_data_version
def datasets() -> Response:
    session = get_session()
    entries = feed_entries(session)
    changed = session.scalar(select(DataState.changed_at).where(DataState.id == 1))
    updated = entries[0].published if entries else atom_time(changed or datetime(2024, 1, 1))
    body = render_template("opendata/feed_datasets.xml", entries=entries, updated=updated)
    return Response(body, mimetype="application/atom+xml")
