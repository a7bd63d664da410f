"""The public list answered from the in-memory index gives exactly what SQL gives: every filter on
its own, hundreds of combinations, several pages, several days (the deadline filters move at
midnight); and the pages see a publish and a new day at the next request."""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.proposals.filters import REPLYING, ListFilters
from portal.proposals.list_index import build_index, set_bits
from portal.proposals.models import (
    HandlingRole,
    ItemKind,
    ProposalItem,
    ReplyClass,
    Satisfaction,
    Status,
)
from portal.proposals.queries import list_page_ids
from portal.spending.areas import AREA_SLUGS
from tests.proposals.conftest import TODAY, reply_to

PER_PAGE = 5
SOON = 14
DAYS = (date(2025, 3, 1), TODAY, TODAY + timedelta(days=30), date(2027, 6, 1))


def choices(session: Session) -> dict[str, list[Any]]:
    """Every value each filter can take (None: not filtered), as the list's form offers them."""
    classes = [c.code for c in session.query(ReplyClass)]
    yes_no = [None, True, False]
    return {
        "year": [None, 2024, 2025, 2026, 2031],
        "kind": [None, *ItemKind],
        "status": [None, *Status],
        "area": [None, *AREA_SLUGS],
        "role": [None, REPLYING, *(r.value for r in HandlingRole)],
        "reply_class": [None, *classes],
        "overdue": [False, True],
        "due_soon": [False, True],
        "replied": yes_no,
        "on_time": yes_no,
        "met": yes_no,
        "handling": [None, *Satisfaction],
        "result": [None, *Satisfaction],
    }


def combinations(session: Session) -> list[dict[str, Any]]:
    """Each filter value alone, then 600 random combinations (a fixed seed: the same every run)."""
    menus = choices(session)
    alone = [{name: value} for name, values in menus.items() for value in values[1:]]
    rng = random.Random(20261130)
    mixed = []
    for _ in range(600):
        chosen = {name: rng.choice(values) for name, values in menus.items()}
        # Most random combinations of 13 filters select nothing: keep about half of them empty.
        for name in rng.sample(sorted(menus), k=rng.randint(7, 12)):
            chosen[name] = menus[name][0]
        mixed.append(chosen)
    return [{}, *alone, *mixed]


def test_every_filter_and_combination_matches_sql(app: Flask, session: Session) -> None:
    non_empty = 0
    with app.app_context():
        for day in DAYS:
            index = build_index(session, day, SOON)
            for chosen in combinations(session):
                for number in (1, 2, 3):
                    filters = ListFilters(**chosen, page=number)
                    expected = list_page_ids(
                        session, filters, day, soon_days=SOON, per_page=PER_PAGE
                    )
                    ids, total = index.page(filters, PER_PAGE)
                    assert (ids, total) == (list(expected.items), expected.total), (day, chosen)
                    non_empty += bool(ids)
                    if total <= number * PER_PAGE:
                        break
    # Not a vacuous comparison: many combinations list items, on every day.
    assert non_empty > 500


def test_the_deadline_filters_agree_with_sql_on_every_boundary_day(
    app: Flask, session: Session
) -> None:
    """On each item's due dates, the day before and after, and the first and last day a date is
    "due soon": the edges where ``<`` and ``<=`` differ."""
    rows = session.execute(select(ProposalItem.current_due, ProposalItem.reply_due)).all()
    dues = {d for row in rows for d in row if d is not None}
    days = sorted({d + timedelta(days=k) for d in dues for k in (-SOON - 1, -SOON, -1, 0, 1)})
    deadlines = [
        ListFilters(overdue=True),
        ListFilters(due_soon=True),
        ListFilters(on_time=True),
        ListFilters(on_time=False),
        ListFilters(replied=False, on_time=False),
    ]
    listed = 0
    with app.app_context():
        for day in days:
            index = build_index(session, day, SOON)
            for filters in deadlines:
                expected = list_page_ids(session, filters, day, soon_days=SOON, per_page=1000)
                assert index.page(filters, 1000) == (list(expected.items), expected.total), (
                    day,
                    filters,
                )
                listed += expected.total
    assert len(days) > 20 and listed


def test_the_deadline_filters_move_with_the_day(app: Flask, session: Session, make_item) -> None:
    item = make_item(assigned_on=TODAY - timedelta(days=10))
    session.commit()
    due = item.current_due
    assert due is not None
    with app.app_context():
        before = build_index(session, due - timedelta(days=1), SOON)
        after = build_index(session, due + timedelta(days=1), SOON)
    overdue = ListFilters(overdue=True)
    late = ListFilters(on_time=False)
    assert item.id not in before.page(overdue, 1000)[0]
    assert item.id in before.page(ListFilters(due_soon=True), 1000)[0]
    assert item.id in after.page(overdue, 1000)[0]
    assert item.id in after.page(late, 1000)[0]
    assert item.id not in before.page(late, 1000)[0]


def test_set_bits_reads_pages_across_chunks() -> None:
    bits = [0, 1, 5, 4095, 4096, 4097, 9000, 20_000]
    mask = sum(1 << b for b in bits)
    for skip in range(len(bits) + 1):
        for take in (1, 3, 20):
            assert set_bits(mask, skip, take) == bits[skip : skip + take]
    assert set_bits(0, 0, 20) == []


def list_ids_on(page: str) -> list[int]:
    import re

    return [int(i) for i in re.findall(r'<li class="p-card[^"]*">.*?/proposals/(\d+)"', page, re.S)]


def test_the_list_page_sees_a_publish_and_a_reply_at_the_next_request(
    app: Flask, client, session: Session, make_item
) -> None:
    url = "/en/proposals?year=2031&replied=no"
    assert list_ids_on(client.get(url).get_data(as_text=True)) == []
    item = make_item(year=2031)
    session.commit()
    assert list_ids_on(client.get(url).get_data(as_text=True)) == [item.id]
    reply_to(session, item, TODAY)
    session.commit()
    assert list_ids_on(client.get(url).get_data(as_text=True)) == []
    replied = client.get("/en/proposals?year=2031&replied=yes").get_data(as_text=True)
    assert list_ids_on(replied) == [item.id]


def test_pages_of_the_list_follow_list_order(client) -> None:
    everything: list[int] = []
    for number in itertools.count(1):
        answer = client.get(f"/en/proposals?page={number}")
        if answer.status_code == 404:
            break
        everything += list_ids_on(answer.get_data(as_text=True))
    api = client.get("/api/v1/proposals?per_page=100").get_json()
    assert everything == [item["id"] for item in api["items"]]
    assert len(everything) == api["total"] > 20
