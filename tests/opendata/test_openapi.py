"""The OpenAPI 3.1 document, generated from the schemas that serialise the responses, and the
developers page that describes the same endpoints in both languages under the strict CSP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.opendata.schemas import COMPONENTS, component_name

ENDPOINTS = {
    "/api/v1/",
    "/api/v1/areas",
    "/api/v1/areas/{slug}",
    "/api/v1/totals",
    "/api/v1/budget-lines",
    "/api/v1/indicators",
    "/api/v1/projects",
    "/api/v1/classification",
    "/api/v1/datasets",
    "/api/v1/datasets/{dataset_id}",
    "/api/v1/proposals",
    "/api/v1/proposals/{item_id}",
    "/api/v1/proposals/stats",
}


def iter_component_properties(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """``(component, property, its schema)`` for every property of every component."""
    for name, schema in doc["components"]["schemas"].items():
        for prop, prop_schema in schema.get("properties", {}).items():
            yield name, prop, prop_schema


@pytest.fixture
def document(client: FlaskClient) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    found: dict[str, Any] = response.json or {}
    return found


def test_the_document_is_openapi_3_1_with_every_endpoint(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    assert document["info"]["license"]["identifier"] == "CC-BY-4.0"
    assert set(document["paths"]) >= ENDPOINTS
    for path, item in document["paths"].items():
        assert set(item) == {"get"}, path  # read-only
        operation = item["get"]
        ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok["$ref"].startswith("#/components/schemas/"), path
        assert operation["responses"]["400"] == {"$ref": "#/components/responses/BadRequest"}
        assert {"$ref": "#/components/parameters/lang"} in operation["parameters"]


def test_every_component_and_property_is_described(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert {component_name(s) for s in COMPONENTS} == set(schemas)  # stable names, none missing
    missing = [
        f"{name}.{prop}"
        for name, prop, schema in iter_component_properties(document)
        if not schema.get("description")
    ]
    assert missing == []


def test_nullable_fields_say_so_in_3_1_style(document: dict[str, Any]) -> None:
    budget = document["components"]["schemas"]["Figures"]["properties"]["budget"]
    assert budget["type"] == ["integer", "null"]
    assert "nullable" not in budget  # 3.0's keyword
    dataset = document["components"]["schemas"]["Areas"]["properties"]["dataset"]
    assert {"type": "null"} in dataset["anyOf"]


def test_parameters_come_from_the_same_declarations_as_the_checks(
    document: dict[str, Any],
) -> None:
    lines = document["paths"]["/api/v1/budget-lines"]["get"]["parameters"]
    by_name = {p["name"]: p for p in lines if "name" in p}
    assert set(by_name) == {"year", "stage", "level", "area", "code", "page", "per_page"}
    assert by_name["stage"]["schema"]["enum"] == ["budget", "adjusted", "final"]
    assert by_name["per_page"]["schema"]["maximum"] == 1000
    assert all(p["description"] for p in by_name.values())


def test_the_document_names_the_public_address(app: Flask, client: FlaskClient) -> None:
    # the configured public address (tests: http://localhost), never the request's Host
    servers = client.get("/api/v1/openapi.json").json or {}
    assert (
        servers["servers"] == [{"url": app.config["PUBLIC_URL"]}] == [{"url": "http://localhost"}]
    )


@pytest.mark.parametrize(
    "lang, heading", [("zh", "面向开发者的开放数据接口"), ("en", "Open data API for developers")]
)
def test_the_developers_page_in_both_languages(
    client: FlaskClient, document: dict[str, Any], lang: str, heading: str
) -> None:
    response = client.get(f"/{lang}/developers")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"<h1>{heading}</h1>" in page
    for path in ENDPOINTS:
        assert f"<code>GET {path}</code>" in page
    # examples a reader can copy, at the public address
    assert 'curl -s "http://localhost/api/v1/areas?year=' in page
    assert "from urllib.request import urlopen" in page
    assert 'await fetch("http://localhost/api/v1/areas?year=' in page
    assert "http://localhost/api/v1/openapi.json" in page
    # under the strict CSP: no inline script or style
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert "style=" not in page and "<style" not in page
    assert response.headers["ETag"]


def test_the_developers_page_is_linked_from_every_page(client: FlaskClient) -> None:
    for lang in ("zh", "en"):
        assert f'href="/{lang}/developers"' in client.get(f"/{lang}/").get_data(as_text=True)
