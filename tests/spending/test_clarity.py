"""Public tables show what citizens read — names and figures — not the portal's bookkeeping: the
provenance of names is explained on the about-data page, not marked on every line."""

from __future__ import annotations

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
