"""The bigram index behind the search: what it finds is exactly what a substring scan of the
public text finds, for words of one, two and more characters, and it follows every change."""

from __future__ import annotations

import random
from datetime import date

import pytest
from sqlalchemy import delete, func, select

from portal.proposals import search, services
from portal.proposals.models import Disclosure, ProposalItem, SearchGram
from portal.proposals.search import grams, plan_search
from tests.proposals.conftest import CLERK


def test_grams_cover_every_character_as_a_prefix() -> None:
    assert grams("托育服务 ab\nc") == {"托育", "育服", "服务", "务", "ab", "b", "c"}
    assert grams("") == set()


def matching_ids(session, q: str, in_list_order: bool = False) -> set[int]:
    conditions = plan_search(session, q).conditions(in_list_order=in_list_order)
    return set(session.scalars(select(ProposalItem.id).where(*conditions)))


def scanned_ids(session, q: str) -> set[int]:
    """The reference: every word is a substring of the public text (no index)."""
    words = q.lower().split()
    return {
        item.id
        for item in session.scalars(select(ProposalItem))
        if all(word in item.search_text for word in words)
    }


@pytest.mark.parametrize("dense", [400, 0], ids=["looked-up", "probed-and-intersected"])
def test_index_answers_exactly_what_a_scan_answers(session, monkeypatch, dense) -> None:
    """Over the curated items, for random words cut from their own text (and a few that occur
    nowhere), the index finds the same items as a substring scan, by either access path."""
    monkeypatch.setattr(search, "DENSE", dense)
    texts = list(session.scalars(select(ProposalItem.search_text)))
    assert len(texts) >= 50
    rng = random.Random(7)
    words = ["托育", "托育服务", "childcare", "第0012号", "_", "%", "60%", "不存在的词", "养"]
    for _ in range(150):
        text = rng.choice(texts)
        start = rng.randrange(len(text))
        word = text[start : start + rng.choice((1, 2, 2, 3, 5, 9))].split()
        if word:
            words.append(word[0])
    words += [f"{a} {b}" for a, b in zip(words[::2], words[1::2], strict=False)]
    for q in words:
        expected = scanned_ids(session, q)
        assert matching_ids(session, q, in_list_order=True) == expected, q  # a page
        assert matching_ids(session, q) == expected, q  # a count


def test_index_follows_the_public_text(session, make_item) -> None:
    item = make_item(title="关于索引跟随的建议")
    assert item.id in matching_ids(session, "索引跟随")
    services.record_reply(
        session,
        item,
        on=date(2026, 10, 9),
        document_number="检〔2026〕2号",
        reply_class="A",
        summary="丙摘要",
        text="丁全文",
        actor=CLERK,
    )
    assert item.id not in matching_ids(session, "丁全")
    services.publish(session, item, on=date(2026, 10, 12), mode=Disclosure.FULL, actor=CLERK)
    assert item.id in matching_ids(session, "丁全") and item.id in matching_ids(session, "丁")
    services.publish(
        session, item, on=date(2026, 10, 13), mode=Disclosure.WITHHELD, reason="涉密", actor=CLERK
    )
    assert item.id not in matching_ids(session, "丁全") | matching_ids(session, "丙摘要")


def test_search_reads_the_index(session, make_item) -> None:
    """Without its grams an item is not found even though its text holds the word: the index,
    not a scan, answers (a scan at 50,000 items is what the index is for)."""
    item = make_item(title="关于只靠索引的建议")
    assert session.scalar(select(func.count()).where(SearchGram.item_id == item.id)) > 10
    session.execute(delete(SearchGram).where(SearchGram.item_id == item.id))
    assert "只靠索引" in item.search_text
    assert item.id not in matching_ids(session, "只靠索引")
    services.refresh_derived(session, item, reindex=True)
    assert item.id in matching_ids(session, "只靠索引")


def test_counts_and_pages_agree_with_the_scan(session, monkeypatch) -> None:
    from portal.proposals.filters import ListFilters
    from portal.proposals.queries import list_page

    monkeypatch.setattr(search, "DENSE", 0)
    for q in ("托育", "服务 建议", "第0", "不存在的词"):
        expected = scanned_ids(session, q)
        page = list_page(session, ListFilters(q=q), date(2026, 11, 26), per_page=500)
        assert page.total == len(expected) and {i.id for i in page.items} == expected, q
