"""What the list shows whatever its filters (the filter menus, whether any item or sample item is
there) is computed once per data version and language: a publish is seen by the next request."""

from __future__ import annotations

import re

from portal.web import read_data_version


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
