"""What a reader does besides looking: reading without JavaScript, switching language, picking a
year, downloading a table as CSV, all in real Chromium."""

from __future__ import annotations

import csv
import io
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.conftest import require_chromium

require_chromium()

pytestmark = pytest.mark.browser

NUMBER = re.compile(r"\d[\d,]*\.\d+")


def test_home_is_complete_without_javascript(live_server: str, new_context: Any) -> None:
    page = new_context("desktop", java_script_enabled=False).new_page()
    page.goto(f"{live_server}/zh/")
    section = page.locator("section", has=page.locator("h2#compare-heading"))
    table = section.locator("table.data-table")
    assert table.count() == 1
    rows = table.locator("tbody tr")
    assert rows.count() == 7, rows.all_inner_texts()
    for row in rows.all():
        cells = row.locator("th, td").all_inner_texts()
        assert cells[0].strip(), cells
        assert any(NUMBER.search(cell) for cell in cells[1:]), f"no figures in row {cells}"
    # The chart never draws without scripts, but the table above carries its figures.
    assert page.locator("canvas.chart[data-chart-ready]").count() == 0


def test_language_switch_keeps_page_and_year(live_server: str, new_context: Any) -> None:
    page = new_context("desktop").new_page()
    page.goto(f"{live_server}/zh/areas/housing?year=2022")
    page.locator("nav.lang-switch").get_by_role("link", name="English").click()
    page.wait_for_url("**/en/areas/housing?*")
    url = urlsplit(page.url)
    assert url.path == "/en/areas/housing"
    assert parse_qs(url.query) == {"year": ["2022"]}
    assert page.locator("html").get_attribute("lang") == "en"
    assert "2022" in page.locator("h1").inner_text()


def test_year_picker_works_without_javascript(live_server: str, new_context: Any) -> None:
    page = new_context("phone", java_script_enabled=False).new_page()
    page.goto(f"{live_server}/en/")
    assert "2022" not in page.locator("h1").inner_text()  # the newest year is shown first
    page.locator("select#year-select").select_option("2022")
    with page.expect_navigation():
        page.locator("form.year-picker").get_by_role("button").click()
    url = urlsplit(page.url)
    assert url.path == "/en/"
    assert parse_qs(url.query).get("year") == ["2022"]
    assert "2022" in page.locator("h1").inner_text()
    assert page.locator("select#year-select").input_value() == "2022"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_csv_download_has_the_table_columns(live_server: str, new_context: Any, lang: str) -> None:
    page = new_context("desktop", accept_downloads=True).new_page()
    page.goto(f"{live_server}/{lang}/")
    block = page.locator("section", has=page.locator("h2#compare-heading")).locator(".table-block")
    html_headers = [h.strip() for h in block.locator("thead th").all_inner_texts()]
    assert html_headers
    with page.expect_download() as info:
        block.locator(".table-download a").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    path = download.path()
    with open(path, encoding="utf-8-sig", newline="") as handle:
        first_line = handle.readline()
    csv_headers = next(csv.reader(io.StringIO(first_line)))
    assert len(csv_headers) == len(html_headers), (csv_headers, html_headers)
    if lang == "zh":
        # Same unit (万元) in the page and in the file: the headers are identical.
        assert csv_headers == html_headers
    else:
        # The page shows CNY million, the file exact 10,000-yuan figures: compare the labels.
        def label(header: str) -> str:
            return re.sub(r"\s*[(（][^()（）]*[)）]\s*$", "", header)

        assert [label(h) for h in csv_headers] == [label(h) for h in html_headers]
