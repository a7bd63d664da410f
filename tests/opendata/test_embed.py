"""Embeddable charts: ``/<lang>/embed/overview`` and ``/<lang>/embed/areas/<slug>`` show one chart
with its table and a link back, may be framed by any site, and are the only pages that may be;
the full pages offer the ``<iframe>`` code."""

from __future__ import annotations

import html
import re

import pytest
from flask.testing import FlaskClient

from portal.security import CONTENT_SECURITY_POLICY, FRAMEABLE_CONTENT_SECURITY_POLICY

EMBEDS = ["/{lang}/embed/overview", "/{lang}/embed/areas/housing", "/{lang}/embed/areas/education"]


def frameable_by_anyone(response) -> bool:
    csp = response.headers["Content-Security-Policy"]
    return "frame-ancestors *" in csp and "X-Frame-Options" not in response.headers


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("url", EMBEDS)
def test_an_embed_may_be_framed_by_any_site(client: FlaskClient, url: str, lang: str) -> None:
    response = client.get(url.format(lang=lang))
    assert response.status_code == 200
    assert frameable_by_anyone(response)
    # the rest of the policy is the portal's own, unchanged
    assert response.headers["Content-Security-Policy"] == FRAMEABLE_CONTENT_SECURITY_POLICY
    assert (
        FRAMEABLE_CONTENT_SECURITY_POLICY.replace("frame-ancestors *", "frame-ancestors 'none'")
        == CONTENT_SECURITY_POLICY
    )
    # from the cache, and as a 304, it says the same
    cached = client.get(url.format(lang=lang))
    assert frameable_by_anyone(cached)
    revalidated = client.get(
        url.format(lang=lang), headers={"If-None-Match": response.headers["ETag"]}
    )
    assert revalidated.status_code == 304 and frameable_by_anyone(revalidated)


@pytest.mark.parametrize(
    "url",
    [
        "/zh/",
        "/en/areas/housing",
        "/zh/about-data",
        "/en/proposals",
        "/zh/login",
        "/api/v1/areas",
        "/zh/feeds/datasets.atom",
        "/static/css/embed.css",
        "/zh/embedded/overview",  # a 404 near an embed address
    ],
)
def test_every_other_page_refuses_to_be_framed(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    response.close()
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_an_embed_holds_one_chart_its_table_and_a_link_back(client: FlaskClient) -> None:
    page = client.get("/en/embed/areas/housing?year=2023").get_data(as_text=True)
    assert page.count("<canvas") == 1
    assert 'data-chart="trend"' in page and "/api/v1/areas/housing?year=2023" in html.unescape(page)
    assert "<table" in page and "<caption" in page  # the same figures, readable without the chart
    assert '<base target="_blank">' in page  # links leave the frame
    assert 'href="http://localhost/en/areas/housing?year=2023"' in page  # the link back
    # no site chrome: no header, navigation, sign-in or footer
    for chrome in ("site-header", "main-nav", "site-footer", "Sign in"):
        assert chrome not in page
    assert "Sample data" in page  # the curated figures are sample data, and it says so
    overview = client.get("/zh/embed/overview").get_data(as_text=True)
    assert overview.count("<canvas") == 1 and 'data-chart="areas"' in overview
    assert "示例数据" in overview or "样例数据" in overview


def test_the_embed_takes_the_year_like_its_page(client: FlaskClient) -> None:
    assert client.get("/en/embed/overview?year=2022").status_code == 200
    assert "2022" in client.get("/en/embed/overview?year=2022").get_data(as_text=True)
    bad = client.get("/en/embed/overview?year=20x2")
    assert bad.status_code == 400 and "is not a year" in bad.get_data(as_text=True)
    assert client.get("/en/embed/overview?year=1999").status_code == 404
    assert client.get("/en/embed/areas/nowhere").status_code == 404
    assert client.get("/xx/embed/overview").status_code == 404


def test_the_pages_offer_the_embed_code(client: FlaskClient) -> None:
    for url, embed in (
        ("/en/?year=2023", "http://localhost/en/embed/overview?year=2023"),
        ("/zh/areas/elderly-care", "http://localhost/zh/embed/areas/elderly-care?year="),
    ):
        page = client.get(url).get_data(as_text=True)
        found = re.search(r'<textarea id="embed-code-\w+"[^>]*>([^<]+)</textarea>', page)
        assert found, url
        code = html.unescape(found.group(1))
        assert code.startswith(f'<iframe src="{embed}')
        assert 'title="' in code and code.endswith("></iframe>")
        assert "style=" not in code  # nothing an embedding page's own CSP would refuse
