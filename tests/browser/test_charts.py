"""Charts that show what they are meant to: legends whose boxes are the marks' own colours, no
area drawn in black, trend axes that show the change (and say so when they do not start at zero),
and bars at 100% drawn whole. Read from the Chart.js objects in real Chromium."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import require_chromium

require_chromium()

pytestmark = pytest.mark.browser

SETTLED = """() => [...document.querySelectorAll('canvas.chart')].every(c =>
    c.dataset.chartReady === 'true' || c.dataset.chartError !== undefined
    || c.dataset.chartEmpty === 'true')"""

#: Each chart of a kind: its legend items against its datasets, and its y axis.
CHARTS = """(kind) => [...document.querySelectorAll(`canvas.chart[data-chart="${kind}"]`)].map(c => {
    const chart = Chart.getChart(c);
    const items = chart.legend.legendItems.map(i => ({fill: String(i.fillStyle),
                                                     stroke: String(i.strokeStyle)}));
    const datasets = chart.data.datasets.map(d => ({
        fill: [].concat(d.backgroundColor).map(String),
        stroke: [].concat(d.borderColor).map(String),
        clip: d.clip,
    }));
    const y = chart.scales.y;
    return {items, datasets, yMin: y.min, dataMin: Math.min(...chart.data.datasets.flatMap(
                d => d.data.filter(v => typeof v === 'number'))),
            yTitle: y.options.title && y.options.title.display ? y.options.title.text : null,
            top: chart.chartArea.top};
})"""


def charts(page: Any, url: str, kind: str) -> list[dict[str, Any]]:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    page.wait_for_function(SETTLED, timeout=15_000)
    found = page.evaluate(CHARTS, kind)
    assert found, f"no {kind} chart on {url}"
    return found


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_areas_legend_shows_the_colours_of_the_bars(
    live_server: str, new_context: Any, lang: str
) -> None:
    page = new_context("desktop").new_page()
    for chart in charts(page, f"{live_server}/{lang}/", "areas"):
        assert len(chart["items"]) == len(chart["datasets"]) >= 1
        for item, dataset in zip(chart["items"], chart["datasets"], strict=True):
            # every bar of a series has the colour its legend box shows
            assert set(dataset["fill"]) == {item["fill"]}, (item, dataset)
            assert set(dataset["stroke"]) == {item["stroke"]}, (item, dataset)
            assert not {"#000000", "#000", "rgba(0,0,0,1)"} & set(dataset["fill"])


@pytest.mark.parametrize(
    ("lang", "title"), [("zh", "纵轴不从零开始"), ("en", "The axis does not start at zero")]
)
def test_trend_axes_show_the_change_and_say_they_do_not_start_at_zero(
    live_server: str, new_context: Any, lang: str, title: str
) -> None:
    page = new_context("desktop").new_page()
    for chart in charts(page, f"{live_server}/{lang}/areas/education", "trend"):
        assert 0 < chart["yMin"] <= chart["dataMin"], chart
        assert chart["yTitle"] == title


def test_bars_at_one_hundred_percent_are_not_clipped(live_server: str, new_context: Any) -> None:
    page = new_context("desktop").new_page()
    for chart in charts(page, f"{live_server}/en/proposals/stats", "rates"):
        assert all(d["clip"] is False for d in chart["datasets"]), chart
        assert chart["top"] >= 6  # room above the 100% line for the bars' top edge


def test_no_area_is_drawn_in_black(client) -> None:
    from portal.spending.areas import AREAS

    assert all(a.colour.lower() not in {"#000", "#000000"} for a in AREAS)
