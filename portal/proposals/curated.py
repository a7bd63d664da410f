"""Loading the curated sample proposals in ``data/proposals/`` (called by ``flask setup``).

A real deployment (``setup --no-sample``) loads only the reply classes, which are not sample data;
so does a data folder whose sample items are missing or empty.

The timelines are replayed through the same services the portal uses for live steps, so the
derived columns are computed exactly as they would be. Loading is idempotent: the files' combined
SHA-256 is recorded, and once curated proposals are loaded they are never loaded again or
rewritten (timelines are append-only). The data version is raised once for the whole load.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.datasets.services import bump_data_version
from portal.proposals import services
from portal.proposals.models import (
    Disclosure,
    HandlingRole,
    ItemArea,
    ItemKind,
    MeetingForm,
    ProposalImport,
    ProposalItem,
    ReplyClass,
    Satisfaction,
    Submitter,
    SubmitterKind,
)
from portal.spending.areas import AREA_SLUGS
from portal.spending.curated import CuratedDataError, read_package

CURATED = services.Actor("curated data (data/proposals)")
#: datapackage.json resource name → file, in loading order.
RESOURCES = (
    "proposal_reply_classes",
    "proposal_submitters",
    "proposal_items",
    "proposal_events",
)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def load_curated_proposals(
    session: Session, data_dir: Path, log: Callable[[str], None], sample: bool = True
) -> int:
    """Load the curated proposals if they are not loaded yet (only the reply classes if *sample*
    is false and the items are sample data); returns how many items were added."""
    package = read_package(data_dir)
    missing = [name for name in RESOURCES if name not in package]
    if missing:
        log(f"proposals: data/datapackage.json has no {', '.join(missing)}; nothing loaded")
        return 0
    paths = {name: package[name].path for name in RESOURCES}
    if paths["proposal_reply_classes"].is_file():
        _load_reply_classes(session, _rows(paths["proposal_reply_classes"]))
    if not sample and any(package[name].sample for name in RESOURCES[1:]):
        return 0
    absent = [p.name for p in paths.values() if not p.is_file() or not _rows(p)]
    if absent:
        log(f"proposals: {', '.join(absent)} missing or empty; no items loaded")
        return 0
    digest = hashlib.sha256(b"".join(paths[name].read_bytes() for name in RESOURCES)).hexdigest()
    if session.scalar(select(ProposalImport.id).limit(1)) is not None:
        return 0
    flagged = package["proposal_items"].sample

    submitters = _load_submitters(session, _rows(paths["proposal_submitters"]), flagged)
    items = _load_items(session, _rows(paths["proposal_items"]), submitters, flagged)
    for row in _rows(paths["proposal_events"]):
        item = items.get(row["item"])
        if item is None:
            raise CuratedDataError(f"proposal events: unknown item {row['item']!r}")
        try:
            _replay(session, item, row)
        except (services.ProposalError, ValueError, KeyError) as error:
            raise CuratedDataError(
                f"proposal events: {row['item']} {row['kind']} {row['date']}: {error}"
            ) from error
    session.add(
        ProposalImport(
            sha256=digest, source="data/proposals", sample=flagged, item_count=len(items)
        )
    )
    bump_data_version(session)
    session.flush()
    log(f"published proposals: {len(items)} items, {len(submitters)} submitters")
    return len(items)


def _load_reply_classes(session: Session, rows: list[dict[str, str]]) -> set[str]:
    for row in rows:
        if session.get(ReplyClass, row["code"]) is None:
            session.add(
                ReplyClass(
                    code=row["code"],
                    position=int(row["position"] or 0),
                    name_zh=row["name_zh"],
                    name_en=row["name_en"],
                    follow_up=row["follow_up"].lower() == "true",
                )
            )
    session.flush()
    return {row["code"] for row in rows}


def _load_submitters(
    session: Session, rows: list[dict[str, str]], sample: bool
) -> dict[str, Submitter]:
    submitters = {}
    for row in rows:
        submitter = Submitter(
            key=row["key"],
            name=row["name"],
            name_en=row["name_en"],
            kind=SubmitterKind(row["kind"]),
            affiliation=row["affiliation"],
            affiliation_en=row["affiliation_en"],
            phone=row["phone"],
            address=row["address"],
            sample=sample,
        )
        session.add(submitter)
        submitters[row["key"]] = submitter
    session.flush()
    return submitters


def _load_items(
    session: Session,
    rows: list[dict[str, str]],
    submitters: dict[str, Submitter],
    sample: bool,
) -> dict[str, ProposalItem]:
    items = {}
    for row in rows:
        areas = [a for a in row["areas"].split(";") if a]
        unknown = [a for a in areas if a not in AREA_SLUGS]
        if unknown or not areas:
            raise CuratedDataError(f"proposal items: {row['key']}: bad areas {row['areas']!r}")
        try:
            lead = submitters[row["lead"]]
            cosigners = [submitters[k] for k in row["cosigners"].split(";") if k]
        except KeyError as error:
            raise CuratedDataError(
                f"proposal items: {row['key']}: unknown submitter {error}"
            ) from error
        item = ProposalItem(
            sample=sample,
            session_label=row["session"],
            session_label_en=row["session_en"],
            number=row["number"],
            kind=ItemKind(row["kind"]),
            year=int(row["year"]),
            title=row["title"],
            title_en=row["title_en"],
            body=row["body"],
            body_en=row["body_en"],
            lead_submitter=lead,
            cosigners=cosigners,
            role=HandlingRole(row["role"]),
            other_units=row["other_units"],
            other_units_en=row["other_units_en"],
            areas=";".join(areas),
            area_rows=[ItemArea(area=a) for a in areas],
            budget_codes=row["codes"],
        )
        session.add(item)
        items[row["key"]] = item
    session.flush()
    return items


def _replay(session: Session, item: ProposalItem, row: dict[str, str]) -> None:
    kind, on = row["kind"], date.fromisoformat(row["date"])
    common: dict[str, Any] = {"on": on, "actor": CURATED, "bump": False}
    if kind == "assigned":
        services.assign(session, item, **common)
    elif kind == "extended":
        services.extend(
            session,
            item,
            months=int(row["months"]),
            reason=row["reason"],
            reason_en=row["reason_en"],
            **common,
        )
    elif kind == "met":
        services.record_meeting(session, item, form=MeetingForm(row["form"]), **common)
    elif kind == "replied":
        services.record_reply(
            session,
            item,
            document_number=row["document_number"],
            reply_class=row["reply_class"] or None,
            summary=row["summary"],
            summary_en=row["summary_en"],
            text=row["text"],
            text_en=row["text_en"],
            **common,
        )
    elif kind == "feedback":
        services.give_feedback(
            session,
            item,
            submitter_id=item.lead_submitter_id,
            handling=Satisfaction(row["handling"]),
            result=Satisfaction(row["result"]),
            comment=row["comment"],
            **common,
        )
    elif kind == "published":
        services.publish(
            session,
            item,
            mode=Disclosure(row["mode"]),
            reason=row["reason"],
            reason_en=row["reason_en"],
            **common,
        )
    elif kind == "followed_up":
        services.follow_up(session, item, text=row["text"], text_en=row["text_en"], **common)
    elif kind == "closed":
        services.close(session, item, note=row["note"], **common)
    else:
        raise CuratedDataError(f"proposal events: unknown kind {kind!r}")
