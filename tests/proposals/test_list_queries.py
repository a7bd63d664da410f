"""The list's page and count, however they are read (the count is skipped when a page that is not
full already says it): every combination gives the items and the total that counting gives."""

from __future__ import annotations

import itertools
from datetime import date

from flask import Flask
from sqlalchemy.orm import Session

from portal.proposals.filters import ListFilters
from portal.proposals.models import ItemKind, Status
from portal.proposals.queries import all_matching, list_page

TODAY = date(2026, 11, 26)


def test_every_page_and_total_match_the_full_list(app: Flask, session: Session) -> None:
    combinations = itertools.product(
        (None, 2024, 2025, 2026), (None, ItemKind.SUGGESTION), (None, Status.CLOSED), (None, "yes")
    )
    seen_short_pages = seen_full_pages = 0
    with app.app_context():
        for year, kind, status, q in combinations:
            filters = ListFilters(year=year, kind=kind, status=status, q=q or "")
            everything = [item.id for item in all_matching(session, filters, TODAY)]
            pages = max(1, -(-len(everything) // 5))
            for number in range(1, pages + 2):
                page = list_page(
                    session, ListFilters(**{**filters.__dict__, "page": number}), TODAY, per_page=5
                )
                assert page.total == len(everything), (filters, number)
                assert [item.id for item in page.items] == everything[(number - 1) * 5 : number * 5]
                seen_short_pages += len(page.items) < 5
                seen_full_pages += len(page.items) == 5
    assert seen_short_pages and seen_full_pages
