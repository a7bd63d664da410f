"""Sample data is said once per page, clearly — a banner — and where a figure's source is named;
not on every card (a list of twenty sample items used to carry twenty-one tags)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.proposals.models import ProposalItem


def tags(html: str) -> int:
    return html.count('class="sample-tag"')


def banners(html: str) -> int:
    return html.count('class="sample-banner"')


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_list_of_sample_items_says_so_once(client, lang) -> None:
    html = client.get(f"/{lang}/proposals").get_data(as_text=True)
    assert banners(html) == 1
    assert tags(html) == 1
    assert html.count('class="p-card ') >= 10


def test_an_item_page_says_so_once(client, session) -> None:
    item_id = session.scalar(select(ProposalItem.id).where(ProposalItem.sample.is_(True)))
    html = client.get(f"/zh/proposals/{item_id}").get_data(as_text=True)
    assert banners(html) == 1 and tags(html) == 1


def test_a_real_item_among_sample_ones_is_told_apart(client, session, make_item) -> None:
    real = make_item(title="关于真实事项的建议")
    assert real.sample is False
    session.commit()
    html = client.get("/zh/proposals?q=事项").get_data(as_text=True)
    cards = re.findall(r'<li class="p-card .*?</li>', html, flags=re.S)
    sample_cards = [c for c in cards if "关于真实事项的建议" not in c]
    if sample_cards:  # mixed page: each sample card carries its tag, the real one none
        assert all('class="sample-tag"' in c for c in sample_cards)
    assert all('class="sample-tag"' not in c for c in cards if "关于真实事项的建议" in c)


@pytest.mark.parametrize("path", ["/zh/", "/en/areas/education"])
def test_spending_pages_mark_sample_only_in_the_banner_and_at_sources(client, path) -> None:
    html = client.get(path).get_data(as_text=True)
    sources = html.count('class="provenance"')
    headings = len(re.findall(r"<h2[^>]*>[^<]*<span class=\"sample-tag\"", html))
    panels = len(re.findall(r"<p>[^<]*<span class=\"sample-tag\"", html))
    assert banners(html) == 1
    assert tags(html) <= 1 + sources + headings + panels
    items = re.findall(r"<li\b.*?</li>", html, flags=re.S)
    assert not [i for i in items if 'class="sample-tag"' in i]
