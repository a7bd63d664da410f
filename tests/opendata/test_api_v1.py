"""The read-only API under /api/v1/: every endpoint and its filters, paging in a stable order with a
total, 400 problem documents naming the refused parameter (in the reader's language), 404s, CORS,
and caching by data version."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal.datasets.models import DatasetKind, Stage
from portal.datasets.services import create_version, get_or_create_dataset
from tests.helpers import curated_lines, publish_spending


def get(client: FlaskClient, url: str) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.get_data(as_text=True))
    assert response.mimetype == "application/json"
    data: dict[str, Any] = response.json or {}
    return data


def all_pages(client: FlaskClient, url: str) -> list[dict[str, Any]]:
    """Every item of a paged list, following ``next``."""
    items: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url:
        page = get(client, next_url)
        items += page["items"]
        next_url = page["next"]
    return items


# -- the index -----------------------------------------------------------------------------------


def test_the_index_links_every_list_and_each_answers(client: FlaskClient) -> None:
    index = get(client, "/api/v1/")
    assert {"areas", "area", "totals"} <= set(index["endpoints"])  # the old keys stay
    for name, url in index["endpoints"].items():
        assert client.get(url).status_code == 200, name
    assert index["openapi"].endswith("/api/v1/openapi.json")
    assert index["documentation"].endswith("/zh/developers")
    assert index["licence"].startswith("https://creativecommons.org/licenses/by/4.0")


# -- budget lines --------------------------------------------------------------------------------


def test_budget_lines_are_the_published_lines_with_a_total(client: FlaskClient) -> None:
    expected = curated_lines(2024)
    page = get(client, "/api/v1/budget-lines?year=2024&per_page=1000")
    assert page["total"] == len(expected) == len(page["items"])
    assert page["pages"] == 1 and page["next"] is None and page["previous"] is None
    by_code = {line["code"]: line for line in page["items"]}
    for code, amounts in expected.items():
        line = by_code[code]
        assert line["year"] == 2024 and line["level"] == "citywide"
        for column in ("budget", "adjusted", "executed"):
            wan = amounts[column]
            # 万元 to the 分, exactly; whole yuan rounded
            assert line[f"{column}_fen"] == (None if wan is None else int(wan * 1_000_000))
            assert line[column] == (
                None if wan is None else int((wan * 10_000).to_integral_value())
            )


def test_paging_is_stable_and_complete(client: FlaskClient) -> None:
    whole = get(client, "/api/v1/budget-lines?per_page=1000")
    paged = all_pages(client, "/api/v1/budget-lines?per_page=17")
    assert [line["id"] for line in paged] == [line["id"] for line in whole["items"]]
    assert len({line["id"] for line in paged}) == whole["total"] == 5 * 48
    # year by year, and within a table in the table's own order
    keys = [(line["year"], line["id"]) for line in paged]
    assert keys == sorted(keys)
    second = get(client, "/api/v1/budget-lines?per_page=17&page=2")
    assert second["page"] == 2 and second["pages"] == -(-whole["total"] // 17)
    assert "page=1" in second["previous"] and "page=3" in second["next"]
    assert "per_page=17" in second["next"]


def test_budget_lines_filter_by_stage_code_and_area(client: FlaskClient) -> None:
    finals = get(client, "/api/v1/budget-lines?stage=final&per_page=1000")
    assert {line["year"] for line in finals["items"]} == {2021, 2022, 2023, 2024}
    assert {line["stage"] for line in finals["items"]} == {"final"}
    budget = get(client, "/api/v1/budget-lines?stage=budget&per_page=1000")
    assert {line["year"] for line in budget["items"]} == {2025}

    under = get(client, "/api/v1/budget-lines?year=2024&code=20502&per_page=1000")
    assert under["items"] and all(line["code"].startswith("20502") for line in under["items"])
    assert under["filters"] == {"year": "2024", "code": "20502", "per_page": "1000"}

    # the longest mapping prefix wins: pre-school (2050201) is childcare, not education
    education = get(client, "/api/v1/budget-lines?year=2024&area=education&per_page=1000")
    codes = {line["code"] for line in education["items"]}
    assert "20502" in codes and "2050201" not in codes
    assert {line["area"] for line in education["items"]} == {"education"}
    childcare = get(client, "/api/v1/budget-lines?year=2024&area=childcare&per_page=1000")
    assert "2050201" in {line["code"] for line in childcare["items"]}
    line = next(line for line in childcare["items"] if line["code"] == "2050201")
    assert line["name_zh"] == "学前教育" and line["code_level"] == 3


def test_a_year_with_nothing_published_is_an_empty_list(client: FlaskClient) -> None:
    page = get(client, "/api/v1/budget-lines?year=2030")
    assert page["total"] == 0 and page["items"] == [] and page["pages"] == 1


# -- indicators, projects, classification, datasets ----------------------------------------------


def test_indicators_and_projects_filter_by_year_and_area(client: FlaskClient) -> None:
    indicators = get(client, "/api/v1/indicators?year=2024&area=education&lang=en")
    assert indicators["total"] == len(indicators["items"]) > 0
    assert {(i["year"], i["area"]) for i in indicators["items"]} == {(2024, "education")}
    assert indicators["items"][0]["name"] == indicators["items"][0]["name_en"]
    assert indicators["datasets"][0]["kind"] == "indicators"
    projects = get(client, "/api/v1/projects?year=2024")
    assert projects["total"] > 0 and {p["year"] for p in projects["items"]} == {2024}
    project = projects["items"][0]
    assert project["budget_fen"] == project["budget"] * 100
    everything = get(client, "/api/v1/projects")
    assert len({p["year"] for p in everything["items"]}) == 5


def test_the_classification_and_its_mapping(client: FlaskClient) -> None:
    data = get(client, "/api/v1/classification?code=205&year=2024")
    assert data["codes"] and all(c["code"].startswith("205") for c in data["codes"])
    assert {c["year"] for c in data["codes"]} == {2024}
    areas = {c["code"]: c["area"] for c in data["codes"]}
    assert areas["205"] == "education" and areas["2050201"] == "childcare"
    rules = {r["prefix"]: r for r in data["mapping"]}
    assert rules["2050201"]["area"] == "childcare" and rules["20805"]["staff_related"] is True
    assert data["datasets"]["classification"]["kind"] == "classification"


def test_datasets_list_published_versions_with_provenance_never_drafts(
    client: FlaskClient, session: Session
) -> None:
    dataset = get_or_create_dataset(session, DatasetKind.SPENDING, 2024, Stage.FINAL, "citywide")
    draft = create_version(session, dataset, title="草稿", source="tests", content=b"draft")
    session.commit()
    listed = get(client, "/api/v1/datasets?kind=spending&year=2024")
    assert listed["total"] == 1
    versions = listed["items"][0]["versions"]
    assert draft.sha256 not in {v["sha256"] for v in versions}
    current = [v for v in versions if v["current"]]
    assert len(current) == 1 and len(current[0]["sha256"]) == 64
    assert {"title", "source", "published_at", "sample", "sha256"} <= set(current[0])

    new = publish_spending(session, 2024, [("205", "", "", "1", "1", "1")], title="更正")
    detail = get(client, f"/api/v1/datasets/{dataset.id}")
    numbers = {v["number"]: v for v in detail["versions"]}
    assert numbers[new.number]["current"] is True and numbers[new.number]["title"] == "更正"
    assert draft.number not in numbers  # the draft was never published
    assert sum(v["current"] for v in detail["versions"]) == 1
    kinds = {d["kind"] for d in get(client, "/api/v1/datasets")["items"]}
    assert {"spending", "classification", "mapping", "indicators"} <= kinds


# -- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, parameter",
    [
        ("/api/v1/budget-lines?yaer=2024", "yaer"),
        ("/api/v1/budget-lines?year=24", "year"),
        ("/api/v1/budget-lines?year=２０２４", "year"),
        ("/api/v1/budget-lines?stage=draft", "stage"),
        ("/api/v1/budget-lines?area=space", "area"),
        ("/api/v1/budget-lines?code=999", "code"),
        ("/api/v1/budget-lines?code=20a", "code"),
        ("/api/v1/budget-lines?level=mars", "level"),
        ("/api/v1/budget-lines?page=9999", "page"),
        ("/api/v1/budget-lines?page=0", "page"),
        ("/api/v1/budget-lines?per_page=5000", "per_page"),
        ("/api/v1/budget-lines?year=", "year"),
        ("/api/v1/budget-lines?year=2024&year=2023", "year"),
        ("/api/v1/areas?lang=fr", "lang"),
        ("/api/v1/areas?year=soon", "year"),
        ("/api/v1/totals?year=2024", "year"),
        ("/api/v1/indicators?area=moon", "area"),
        ("/api/v1/classification?code=8", "code"),
        ("/api/v1/datasets?kind=secrets", "kind"),
        ("/api/v1/proposals?status=lost", "status"),
        ("/api/v1/proposals?page=500", "page"),
        ("/api/v1/proposals?sort=title", "sort"),
        ("/api/v1/proposals/stats?year=2025", "year"),
    ],
)
def test_bad_input_is_a_400_naming_the_parameter(
    client: FlaskClient, url: str, parameter: str
) -> None:
    response = client.get(url)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    problem = response.json or {}
    assert problem["status"] == 400 and problem["type"] == "about:blank"
    assert [p["name"] for p in problem["invalid_params"]] == [parameter]
    assert problem["invalid_params"][0]["reason"] == problem["detail"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_the_problem_is_told_in_the_readers_language(client: FlaskClient) -> None:
    english = client.get("/api/v1/budget-lines?stage=draft&lang=en").json or {}
    assert english["title"] == "The request could not be understood"
    assert "“draft” is not a valid value for “stage”" in english["detail"]
    chinese = client.get("/api/v1/budget-lines?stage=draft").json or {}
    assert chinese["title"] != english["title"] and "draft" in chinese["detail"]
    unknown = client.get("/api/v1/budget-lines?colour=red&lang=en").json or {}
    assert "“colour” is not a parameter" in unknown["detail"] and "year" in unknown["detail"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/areas/nowhere",
        "/api/v1/areas?year=1999",
        "/api/v1/datasets/999999",
        "/api/v1/proposals/999999",
        "/api/v1/nothing-here",
    ],
)
def test_unknown_ids_and_slugs_are_a_404_problem(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert (response.json or {})["status"] == 404


def test_only_get_is_offered(client: FlaskClient) -> None:
    response = client.post("/api/v1/budget-lines")
    assert response.status_code == 405 and response.mimetype == "application/problem+json"
    assert client.head("/api/v1/budget-lines").status_code == 200


def test_tracking_tags_are_not_filters(client: FlaskClient) -> None:
    plain = client.get("/api/v1/budget-lines?year=2024")
    tagged = client.get("/api/v1/budget-lines?year=2024&utm_source=newsletter")
    assert tagged.status_code == 200 and tagged.headers["ETag"] == plain.headers["ETag"]


# -- CORS ----------------------------------------------------------------------------------------


def test_any_origin_may_read_the_api(client: FlaskClient) -> None:
    response = client.get("/api/v1/areas", headers={"Origin": "https://news.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Origin" not in client.get("/zh/").headers  # pages are not


def test_a_preflight_is_answered(client: FlaskClient) -> None:
    response = client.options(
        "/api/v1/budget-lines",
        headers={
            "Origin": "https://news.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    assert "If-None-Match" in response.headers["Access-Control-Allow-Headers"]
    assert int(response.headers["Access-Control-Max-Age"]) > 0


# -- caching -------------------------------------------------------------------------------------


def test_every_endpoint_is_cached_by_data_version(client: FlaskClient) -> None:
    for url in (
        "/api/v1/",
        "/api/v1/budget-lines?year=2024",
        "/api/v1/indicators",
        "/api/v1/projects",
        "/api/v1/classification",
        "/api/v1/datasets",
        "/api/v1/datasets/1",
        "/api/v1/openapi.json",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        etag = response.headers["ETag"]
        assert response.headers["Cache-Control"] == "public, max-age=0, must-revalidate"
        assert etag.strip('"').startswith(f"v{response.headers['X-Data-Version']}-")
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304 and not again.data
        assert again.headers["Access-Control-Allow-Origin"] == "*"


def test_equivalent_queries_share_their_etag(client: FlaskClient) -> None:
    one = client.get("/api/v1/budget-lines?year=2024&area=education")
    other = client.get("/api/v1/budget-lines?area=education&year=2024&page=1&per_page=100")
    assert one.headers["ETag"] == other.headers["ETag"]


def test_a_publish_changes_the_etag_and_the_answer(client: FlaskClient, session: Session) -> None:
    url = "/api/v1/budget-lines?year=2031"
    before = client.get(url)
    assert (before.json or {})["total"] == 0
    publish_spending(session, 2031, [("205", "", "", "100.50", None, None)], stage=Stage.BUDGET)
    after = client.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    line = (after.json or {})["items"][0]
    assert line["budget"] == 1_005_000 and line["budget_fen"] == 100_500_000
    assert line["stage"] == "budget" and line["executed"] is None
    datasets = get(client, "/api/v1/datasets?kind=spending&year=2031")
    assert datasets["items"][0]["versions"][0]["published_at"]


# -- shapes the charts read ----------------------------------------------------------------------


def test_the_shapes_the_charts_read_are_kept(client: FlaskClient) -> None:
    areas = get(client, "/api/v1/areas?year=2024")
    assert {"year", "stage", "unit", "total", "areas", "not_counted", "years", "dataset"} <= set(
        areas
    )
    assert {"slug", "name", "colour", "budget", "executed", "share_of_livelihood"} <= set(
        areas["areas"][0]
    )
    area = get(client, "/api/v1/areas/education?year=2024")
    assert {"series", "lines", "national_context", "national_contexts", "colour"} <= set(area)
    stats = get(client, "/api/v1/proposals/stats")
    assert {"labels", "series"} <= set(stats["charts"]["rates"])
    assert stats["charts"]["classes"]["stacked"] is True


def test_public_content_only_in_the_proposals_api(client: FlaskClient) -> None:
    items = all_pages(client, "/api/v1/proposals?per_page=100")
    assert items and len(items) == get(client, "/api/v1/proposals")["total"]
    detail = get(client, f"/api/v1/proposals/{items[0]['id']}")
    text = str(detail)
    assert "phone" not in text and "address" not in text
    for round_ in detail["rounds"]:
        if round_["reply"] and round_["reply"]["disclosure"] != "full":
            assert round_["reply"]["text"] is None


def test_amounts_are_decimal_exact_to_the_fen(client: FlaskClient, session: Session) -> None:
    publish_spending(session, 2032, [("205", "", "", "0.01", "12345678.91", None)])
    line = get(client, "/api/v1/budget-lines?year=2032")["items"][0]
    assert line["budget_fen"] == 10_000  # 0.01 万元 = 100 yuan = 10,000 fen
    assert line["adjusted_fen"] == int(Decimal("12345678.91") * 1_000_000)
