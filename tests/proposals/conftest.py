"""Fixtures for the proposals tests: "today" fixed at 2026-11-26 (the curated data is dated for
it), the per-process statistics cache emptied, and small factories for items and deputies."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from flask import Flask, g
from sqlalchemy.orm import Session

from portal.proposals import services
from portal.proposals.models import (
    HandlingRole,
    ItemArea,
    ItemKind,
    ProposalItem,
    Satisfaction,
    Submitter,
    SubmitterKind,
)

TODAY = date(2026, 11, 26)
PASSWORD = "correct horse battery"
CLERK = services.Actor("tests")


@pytest.fixture(autouse=True)
def _fixed_today(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    if "app" not in request.fixturenames:
        yield
        return
    app: Flask = request.getfixturevalue("app")
    monkeypatch.setitem(app.config, "TODAY", TODAY.isoformat())
    app.extensions.pop("proposals.stats", None)
    yield
    app.extensions.pop("proposals.stats", None)


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """An app context for calling services directly (rules, calendar, audit), in English."""
    with app.app_context():
        g.lang = "en"
        yield


@pytest.fixture
def make_submitter(session: Session) -> Callable[..., Submitter]:
    counter = iter(range(1, 10_000))

    def make(name: str | None = None, **extra: Any) -> Submitter:
        n = next(counter)
        submitter = Submitter(
            key=f"T{n:04d}",
            name=name or f"测试代表{n}",
            name_en=f"Test Deputy {n}",
            kind=SubmitterKind.DEPUTY,
            affiliation="测试代表团",
            phone=f"TEST-PHONE-{n:04d}",
            address=f"测试地址{n}号",
            **extra,
        )
        session.add(submitter)
        session.flush()
        return submitter

    return make


@pytest.fixture
def make_item(
    session: Session, make_submitter: Callable[..., Submitter]
) -> Callable[..., ProposalItem]:
    counter = iter(range(1, 10_000))

    def make(
        *,
        lead: Submitter | None = None,
        cosigners: list[Submitter] | None = None,
        role: HandlingRole = HandlingRole.SOLE,
        areas: tuple[str, ...] = ("childcare",),
        title: str | None = None,
        assigned_on: date | None = date(2026, 9, 1),
        year: int = 2026,
        codes: str = "",
    ) -> ProposalItem:
        n = next(counter)
        item = ProposalItem(
            session_label="测试会议",
            session_label_en="Test session",
            number=f"9{n:03d}",
            kind=ItemKind.SUGGESTION,
            year=year,
            title=title or f"关于测试事项{n}的建议",
            title_en=f"On test matter {n}",
            body="测试正文。",
            lead_submitter=lead or make_submitter(),
            cosigners=cosigners or [],
            role=role,
            areas=";".join(areas),
            area_rows=[ItemArea(area=a) for a in areas],
            budget_codes=codes,
        )
        session.add(item)
        session.flush()
        if assigned_on is not None:
            services.assign(session, item, on=assigned_on, actor=CLERK)
        return item

    return make


def reply_to(
    session: Session, item: ProposalItem, on: date, *, summary: str = "摘要", text: str = "全文"
) -> None:
    """Record a class-A reply to *item* on *on* (its document number made from the item's)."""
    services.record_reply(
        session,
        item,
        on=on,
        document_number=f"测〔{on.year}〕{item.number}号",
        reply_class="A",
        summary=summary,
        text=text,
        actor=CLERK,
    )


def feedback_on(session: Session, item: ProposalItem, on: date, satisfaction: Satisfaction) -> None:
    """The lead submitter's feedback, the same on both counts."""
    services.give_feedback(
        session,
        item,
        submitter_id=item.lead_submitter_id,
        handling=satisfaction,
        result=satisfaction,
        comment="",
        on=on,
        actor=CLERK,
    )
