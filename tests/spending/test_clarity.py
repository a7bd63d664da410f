"""Public tables show what citizens read — names and figures — not the portal's bookkeeping: the
provenance of names is explained on the about-data page, not marked on every line."""

from __future__ import annotations

import re
from html import unescape

import pytest


@pytest.mark.parametrize(
    ("lang", "marks"),
    [("zh", ("名称已核实", "尚未核实")), ("en", ("Name verified", "not yet verified"))],
)
def test_the_drill_down_shows_names_without_verification_marks(client, lang, marks) -> None:
    page = client.get(f"/{lang}/areas/education")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "table-lines" in html or "lines.csv" in html  # the drill-down is on the page
    for mark in marks:
        assert mark not in html
    csv = client.get(
        "/zh/download/lines.csv?area=education"
        if lang == "zh"
        else "/en/download/lines.csv?area=education"
    )
    assert csv.status_code == 200
    for mark in marks:
        assert mark not in csv.get_data(as_text=True)


def test_a_change_reads_the_same_on_the_card_and_in_the_table(client) -> None:
    """ "+7.8%" on a card is "+7.8%" in the table, not "7.8%"."""
    html = client.get("/zh/?year=2024").get_data(as_text=True)
    table = html.split('id="table-areas"', 1)[1].split("</table>", 1)[0]
    cells = re.findall(r"<td[^>]*>\s*([+\-−]?\d[\d.,]*%)\s*</td>", table)
    assert cells, "no percentages in the areas table"
    cards = set(re.findall(r"[+\-−]\d+\.\d%", html.split('id="table-areas"', 1)[0]))
    assert cards, "no signed change on the cards"
    assert cards <= set(cells), (cards, cells)


@pytest.mark.parametrize(("lang", "unit"), [("zh", "亿元"), ("en", "CNY billion")])
def test_national_figures_are_in_their_own_unit(client, lang, unit) -> None:
    """The national series is published in 亿元: shown as such (41,242.00), not as nine-digit 万元."""
    html = client.get(f"/{lang}/areas/education?year=2023").get_data(as_text=True)
    table = html.split('id="table-national-', 1)[1].split("</table>", 1)[0]
    assert unit in table
    assert not re.search(r"\d{3},\d{3},\d{3}\.00", table)
    csv = client.get(f"/{lang}/download/national-education.csv").get_data(as_text=True)
    assert "100 million yuan" in csv or "亿元" in csv


def test_where_the_class_total_meets_the_area_total_the_page_says_why_they_differ(client) -> None:
    html = unescape(client.get("/en/areas/education?year=2023").get_data(as_text=True))
    assert "The city's figure here is the whole class 205" in html
    assert "so it can be smaller" in html


def test_long_tables_beside_their_charts_are_folded(client) -> None:
    """A chart's own figures over the years are one tap away, not a screen-long table on a phone."""
    home = client.get("/zh/").get_data(as_text=True)
    area = client.get("/en/areas/education").get_data(as_text=True)
    for html, name in ((home, "totals"), (area, "trend"), (area, "national-education")):
        before = html.split(f'id="table-{name}"', 1)[0]
        assert before.rfind("<details") > before.rfind("</details>"), name
    assert (
        '<details class="table-details">'
        not in home.split('id="table-areas"', 1)[0].split('id="compare-heading"')[1]
    )  # the main table of the home page stays open


def test_the_home_page_shows_a_few_projects_and_folds_the_rest(client) -> None:
    html = client.get("/zh/?year=2024").get_data(as_text=True)
    section = html.split('id="projects-heading"', 1)[1].split("</section>", 1)[0]
    before_fold = section.split("<details", 1)[0]
    assert before_fold.count('<li class="project ') == 4
    assert "其余" in section and "个项目" in section
