"""The layout's navigation and footer, rendered once per language and current entry
(portal/layout.py): whatever page was asked before, each page marks its own entry, in its own
language, under the mount it is served from."""

from __future__ import annotations

import re

from flask import Flask

NAV = re.compile(r'<nav class="main-nav".*?</nav>', re.S)


def nav_of(html: str) -> str:
    found = NAV.search(html)
    assert found is not None
    return found.group(0)


def current_entries(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)"[^>]*aria-current="page"', nav_of(html))


def test_each_page_marks_its_own_entry_whatever_came_before(client) -> None:
    expected = {
        "/en/": ["/en/"],
        "/en/areas/education": ["/en/areas/education"],
        "/en/areas/healthcare?year=2024": ["/en/areas/healthcare"],
        "/en/proposals?year=2025": ["/en/proposals"],
        "/en/proposals/stats": ["/en/proposals"],
        "/en/about-data": ["/en/about-data"],
        "/en/data": [],
        "/zh/areas/education": ["/zh/areas/education"],
        "/zh/": ["/zh/"],
    }
    # twice round, in two orders: a fragment rendered for one page is never another's
    for urls in (list(expected), list(reversed(expected))):
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert current_entries(response.get_data(as_text=True)) == expected[url], url


def test_the_navigation_and_footer_are_in_the_pages_language(client) -> None:
    en = client.get("/en/proposals").get_data(as_text=True)
    zh = client.get("/zh/proposals").get_data(as_text=True)
    assert "Overview" in nav_of(en) and "Overview" not in nav_of(zh)
    assert 'href="/zh/areas/education"' in nav_of(zh) and "/en/" not in nav_of(zh)
    assert "For developers" in en and "For developers" not in zh
    assert 'href="/zh/developers"' in zh


def test_an_unknown_area_marks_no_entry(client) -> None:
    response = client.get("/en/areas/no-such-area")
    assert response.status_code == 404
    assert current_entries(response.get_data(as_text=True)) == []


def test_fragments_follow_the_mount(app: Flask, client) -> None:
    client.get("/en/")  # rendered at the root first
    mounted = client.get("/en/", base_url="http://localhost/portal/")
    nav = nav_of(mounted.get_data(as_text=True))
    assert 'href="/portal/en/areas/education"' in nav and 'href="/en/' not in nav
