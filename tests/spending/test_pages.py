"""The public pages: languages, figures with units and sources, errors a reader understands."""

from __future__ import annotations

import re

import pytest

from portal.spending.areas import AREA_SLUGS

PAGES = ["/zh/", "/en/", "/zh/about-data", "/en/about-data"] + [
    f"/{lang}/areas/{slug}" for lang in ("zh", "en") for slug in AREA_SLUGS
]


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    "accept, target",
    [
        ("en-US,en;q=0.9", "/en/"),
        ("zh-CN,zh;q=0.9,en;q=0.5", "/zh/"),
        ("", "/zh/"),
        ("fr", "/zh/"),
    ],
)
def test_root_redirects_by_accept_language(client, accept, target) -> None:
    response = client.get("/", headers={"Accept-Language": accept} if accept else {})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(target)
    assert "Accept-Language" in response.headers["Vary"]


@pytest.mark.parametrize("url", PAGES)
def test_every_page_renders_with_sample_flag_and_source(client, url) -> None:
    response = client.get(url)
    assert response.status_code == 200
    body = text(response)
    assert ("示例数据" if url.startswith("/zh") else "Sample data") in body
    assert 'class="provenance"' in body or "about-data" in url
    # No inline scripts or style attributes: the CSP forbids them. A JSON-LD data block is no
    # script (browsers do not run it, and the CSP has nothing to refuse: tests/browser checks).
    assert not re.search(r"<script(?![^>]*\b(?:src=|type=\"application/ld\+json\"))[^>]*>", body)
    assert " style=" not in body


def test_home_shows_headline_figures_in_each_language(client) -> None:
    zh = text(client.get("/zh/?year=2023"))
    en = text(client.get("/en/?year=2023"))
    assert "亿元" in zh and "幼有所育" in zh and "决算数" in zh
    assert re.search(r"CNY [\d.]+ billion", en) and "Childcare" in en
    for slug in AREA_SLUGS:
        assert f'href="/zh/areas/{slug}?year=2023"' in zh


def test_area_page_has_every_section(client) -> None:
    body = text(client.get("/en/areas/education?year=2023"))
    for section in (
        "trend-heading",
        "lines-heading",
        "indicators-heading",
        "projects-heading",
        "national-heading",
    ):
        assert f'id="{section}"' in body
    assert "2050202" in body  # a 项 line in the drill-down
    assert 'data-chart="trend"' in body and 'data-chart="national"' in body
    assert "gks.mof.gov.cn" in body  # the national figures cite the Ministry of Finance


def test_language_switch_keeps_the_page_and_year(client) -> None:
    body = text(client.get("/zh/areas/housing?year=2022"))
    assert 'href="/en/areas/housing?year=2022"' in body
    body = text(client.get("/en/about-data"))
    assert 'href="/zh/about-data"' in body


def test_year_without_final_accounts_says_so(client) -> None:
    body = text(client.get("/en/?year=2025"))
    assert "Final accounts for 2025 are not published yet" in body


@pytest.mark.parametrize(
    "url, status, message",
    [
        ("/zh/?year=abc", 400, "“abc”"),
        ("/en/?year=20x4", 400, "is not a year"),
        ("/en/?year=1999", 404, "No spending figures are published for 1999"),
        ("/en/areas/defence", 404, "There is no area called “defence”"),
        ("/zh/areas/education?year=1800", 404, "1800"),
        ("/fr/", 404, None),
        ("/en/no-such-page", 404, "does not exist"),
    ],
)
def test_bad_input_gets_a_clear_localised_error(client, url, status, message) -> None:
    response = client.get(url)
    assert response.status_code == status
    body = text(response)
    assert "<h1>" in body
    if message:
        assert message in body


def test_error_pages_are_translated(client) -> None:
    assert "找不到" in text(client.get("/zh/areas/defence")) or "不存在" in text(
        client.get("/zh/areas/defence")
    )


def test_about_page_shows_the_mapping_readers_can_check(client) -> None:
    body = text(client.get("/zh/about-data"))
    for prefix in (
        "2050201",
        "21007",
        "2081001",
        "20801",
        "20807",
        "20805",
        "20826",
        "22101",
        "22103",
        "20819",
        "22102",
        "21011",
    ):
        assert f">{prefix}<" in body
    assert "尚未核实" in body or "未核实" in body  # unverified codes are marked
    assert "gks.mof.gov.cn" in body
