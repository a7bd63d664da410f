"""One pagination for every list (portal/pagination.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from portal.datasets.models import Dataset, DatasetKind, Stage
from portal.pagination import Page, check_page, page_count, paginate


def test_page_count_rounds_up_and_an_empty_list_has_one_page() -> None:
    assert [page_count(n, 20) for n in (0, 1, 20, 21, 40, 41)] == [1, 1, 1, 2, 2, 3]
    assert Page([], 41, 3, 20).pages == 3 and Page([], 41, 3, 20).offset == 40


def test_paginate_counts_and_reads_one_page_in_order(session) -> None:
    for year in range(2001, 2026):
        session.add(
            Dataset(kind=DatasetKind.SPENDING, year=year, stage=Stage.BUDGET, level="paged")
        )
    session.flush()
    query = select(Dataset).where(Dataset.level == "paged").order_by(Dataset.year)
    page = paginate(session, query, 2, 10)
    assert (page.total, page.pages, page.page) == (25, 3, 2)
    assert [d.year for d in page.items] == list(range(2011, 2021))
    assert [d.year for d in paginate(session, query, 3, 10).items] == list(range(2021, 2026))
    past = paginate(session, query, 4, 10)
    assert past.page > past.pages and past.items == []


def test_a_page_past_the_last_is_not_found(in_lang) -> None:
    with in_lang("en"):
        check_page(3, 3)
        with pytest.raises(NotFound) as raised:
            check_page(4, 3)
    assert raised.value.description == "There is no page of that number."
