"""The public JSON API used by the charts: stable shapes, integer yuan, provenance."""

from __future__ import annotations

from portal.spending.areas import AREA_SLUGS
from tests.helpers import curated_amount, curated_lines


def test_areas_shape_and_totals(client) -> None:
    data = client.get("/api/v1/areas?year=2023").json
    assert data["year"] == 2023
    assert [a["slug"] for a in data["areas"]] == list(AREA_SLUGS)
    for key in ("budget", "adjusted", "executed"):
        assert data["total"][key] == sum(a[key] for a in data["areas"])
        assert all(isinstance(a[key], int) for a in data["areas"])
    assert {"title", "source", "published_at", "version", "sample", "sha256"} <= set(
        data["dataset"]
    )
    assert data["dataset"]["sample"] is True


def test_amounts_are_exact_yuan(client) -> None:
    lines = curated_lines(2022)
    data = client.get("/api/v1/areas/housing?year=2022").json
    expected = (curated_amount(lines, "22101") + curated_amount(lines, "22103")) * 10000
    assert data["figures"]["executed"] == int(expected)


def test_area_detail_has_lines_series_indicators_projects(client) -> None:
    data = client.get("/api/v1/areas/childcare?year=2024&lang=en").json
    assert data["name"] == "Childcare" and data["name_zh"] == "幼有所育"
    assert {line["code"] for line in data["lines"]} >= {"205", "20502", "2050201", "21007"}
    assert [p["year"] for p in data["series"]] == [2021, 2022, 2023, 2024, 2025]
    assert data["indicators"] and data["projects"]
    assert data["series"][-1]["executed"] is None  # 2025: budget only


def test_national_context_compares_growth(client) -> None:
    data = client.get("/api/v1/areas/education?year=2024").json
    context = data["national_context"]
    assert context["function"] == "education"
    row_2023 = next(r for r in context["rows"] if r["year"] == 2023)
    assert row_2023["national"] == 41242 * 100_000_000
    assert row_2023["national_growth"] == round((41242 / 39455 - 1) * 100, 1)
    lines_2023, lines_2022 = curated_lines(2023), curated_lines(2022)
    city_growth = curated_amount(lines_2023, "205") / curated_amount(lines_2022, "205") - 1
    assert row_2023["city_growth"] == float(round(city_growth * 100, 1))


def test_api_errors_are_problem_json(client) -> None:
    response = client.get("/api/v1/areas?year=soon")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 400 and "soon" in response.json["detail"]
    response = client.get("/api/v1/areas/nowhere")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_csv_download_matches_the_table(client) -> None:
    response = client.get("/zh/download/lines.csv?year=2023&area=education")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith("\ufeff".encode())  # Excel reads the Chinese headers correctly
    text = body.decode("utf-8-sig")
    header, *rows = text.splitlines()
    assert "万元" in header
    lines = curated_lines(2023)
    row = next(r for r in rows if r.startswith("2050202,"))
    assert f"{lines['2050202']['executed']}" in row.split(",")


def test_unknown_table_is_404(client) -> None:
    assert client.get("/en/download/secrets.csv").status_code == 404
