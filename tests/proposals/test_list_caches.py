"""What the list shows whatever its filters (the filter menus, whether any item or sample item is
there) is computed once per data version and language: a publish is seen by the next request."""

from __future__ import annotations

import re
from datetime import date

from portal.web import read_data_version
from tests.proposals.conftest import reply_to


def year_options(page: str) -> set[str]:
    menu = re.search(r'<select id="f-year" name="year">(.*?)</select>', page, re.S)
    assert menu is not None
    return set(re.findall(r'<option value="(\d+)"', menu.group(1)))


def test_a_publish_is_seen_by_the_next_requests_menu(app, client, session, make_item) -> None:
    before = client.get("/en/proposals?status=in_hand").get_data(as_text=True)
    assert "2031" not in year_options(before)
    version = read_data_version(app)
    make_item(year=2031)  # assigned: published, the data version raised
    session.commit()
    assert read_data_version(app) != version
    for url in ("/en/proposals?status=in_hand", "/en/proposals?type=proposal", "/zh/proposals"):
        assert "2031" in year_options(client.get(url).get_data(as_text=True)), url


def test_menus_are_in_the_pages_language(client) -> None:
    en = client.get("/en/proposals?year=2025").get_data(as_text=True)
    zh = client.get("/zh/proposals?year=2025").get_data(as_text=True)
    assert '<option value="in_hand" >Being handled</option>' in en
    assert '<option value="in_hand" >Being handled</option>' not in zh
    assert year_options(en) == year_options(zh)


def card_of(page: str, item_id: int) -> str:
    card = re.search(
        rf'<li class="p-card[^"]*">(?:(?!</li>).)*?/proposals/{item_id}"(?:(?!</li>).)*</li>',
        page,
        re.S,
    )
    assert card is not None, item_id
    return card.group(0)


def test_an_items_card_follows_a_publish_and_the_day(app, client, session, make_item) -> None:
    item = make_item(year=2031, title="关于卡片缓存测试的建议")
    session.commit()
    card = card_of(client.get("/en/proposals?year=2031").get_data(as_text=True), item.id)
    assert "Being handled" in card and "Due in" in card
    # the same card on another combination of filters, then after a reply is published
    assert card == card_of(
        client.get("/en/proposals?year=2031&type=suggestion").get_data(as_text=True), item.id
    )
    reply_to(session, item, date(2026, 11, 20))
    session.commit()
    replied = card_of(
        client.get("/en/proposals?year=2031&role=sole").get_data(as_text=True), item.id
    )
    assert "Replied, awaiting feedback" in replied and "Due in" not in replied
    # a day later, with no publish: an open item's due text moves on
    other = make_item(year=2031)
    session.commit()
    due = card_of(client.get("/en/proposals?year=2031").get_data(as_text=True), other.id)
    app.config["TODAY"] = "2026-11-27"
    later = card_of(client.get("/en/proposals?year=2031&met=no").get_data(as_text=True), other.id)
    assert "Due in" in due and "Due in" in later and due != later


def checked_boxes(page: str) -> set[str]:
    return set(re.findall(r'<input type="checkbox" name="(\w+)" value="1" checked>', page))


def test_the_forms_parts_follow_the_filters_and_the_day(app, client) -> None:
    """The form's menus, check boxes and the deadlines note are rendered once and reused: each
    still shows this page's choices, and today's date moves on at midnight."""
    seen = {}
    for query in ("overdue=1", "due_soon=1", "overdue=1&due_soon=1", "", "due_soon=1&year=2025"):
        seen[query] = checked_boxes(client.get(f"/en/proposals?{query}").get_data(as_text=True))
    assert seen == {
        "overdue=1": {"overdue"},
        "due_soon=1": {"due_soon"},
        "overdue=1&due_soon=1": {"overdue", "due_soon"},
        "": set(),
        "due_soon=1&year=2025": {"due_soon"},
    }
    assert "today is November 26, 2026" in client.get("/en/proposals").get_data(as_text=True)
    app.config["TODAY"] = "2026-11-27"
    later = client.get("/en/proposals?year=2025").get_data(as_text=True)
    assert "today is November 27, 2026" in later and "November 26" not in later
