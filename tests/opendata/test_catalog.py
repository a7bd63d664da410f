"""Findable data: the DCAT catalogue at ``/api/v1/catalog`` (JSON-LD) and the schema.org
``Dataset`` JSON-LD of the area pages, in a data block the CSP does not run."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.helpers import publish_spending

LD_BLOCK = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def catalog(client: FlaskClient, url: str = "/api/v1/catalog") -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    document: dict[str, Any] = json.loads(response.data)
    return document


def values(texts: list[dict[str, str]]) -> dict[str, str]:
    """Language-tagged JSON-LD values by language."""
    return {t["@language"]: t["@value"] for t in texts}


def test_the_catalogue_is_a_dcat_catalog(client: FlaskClient) -> None:
    doc = catalog(client)
    assert doc["@context"]["dcat"] == "http://www.w3.org/ns/dcat#"
    assert doc["@context"]["dct"] == "http://purl.org/dc/terms/"
    assert doc["@type"] == "dcat:Catalog"
    assert doc["@id"] == "http://localhost/api/v1/catalog"
    assert set(values(doc["dct:title"])) == {"zh", "en"}
    assert doc["dct:license"]["@id"].startswith("https://creativecommons.org/licenses/by/4.0")
    assert values(doc["dct:publisher"]["foaf:name"])["zh"]
    datasets = doc["dcat:dataset"]
    identifiers = [d["dct:identifier"] for d in datasets]
    assert len(identifiers) == len(set(identifiers))
    assert "spending-2023-final-citywide" in identifiers
    for dataset in datasets:
        assert dataset["@type"] == "dcat:Dataset"
        for key in ("dct:title", "dct:description", "dct:publisher", "dct:license"):
            assert dataset[key], (dataset["dct:identifier"], key)
        assert set(values(dataset["dct:title"])) == {"zh", "en"}
        assert dataset["dct:issued"]["@type"] == "xsd:dateTime"
        assert dataset["dct:modified"]["@value"] >= dataset["dct:issued"]["@value"]
        assert dataset["dcat:landingPage"]["@id"].startswith("http://localhost/zh/")
        for distribution in dataset["dcat:distribution"]:
            assert distribution["@type"] == "dcat:Distribution"
            assert distribution["dcat:downloadURL"]["@id"].startswith("http://localhost/")
            assert distribution["dcat:accessURL"]["@id"].startswith("http://localhost/")
            assert distribution["dcat:mediaType"]["@id"].startswith(
                "https://www.iana.org/assignments/media-types/"
            )
    spending = next(d for d in datasets if d["dct:identifier"] == "spending-2023-final-citywide")
    assert spending["dct:temporal"]["dcat:startDate"]["@value"] == "2023-01-01"
    assert spending["dct:temporal"]["dcat:endDate"]["@value"] == "2023-12-31"
    assert values(spending["dct:spatial"]["skos:prefLabel"])["zh"]
    assert "Final accounts" in values(spending["dct:title"])["en"]
    assert "决算" in values(spending["dct:title"])["zh"]


def test_the_catalogue_follows_a_publish(client: FlaskClient, session: Session) -> None:
    before = client.get("/api/v1/catalog")
    publish_spending(session, 2033, [("205", "", "", "10", None, None)])
    after = client.get("/api/v1/catalog")
    assert after.headers["ETag"] != before.headers["ETag"]
    identifiers = {d["dct:identifier"] for d in json.loads(after.data)["dcat:dataset"]}
    assert "spending-2033-final-citywide" in identifiers
    again = client.get("/api/v1/catalog", headers={"If-None-Match": after.headers["ETag"]})
    assert again.status_code == 304


def test_anyone_may_read_the_catalogue(client: FlaskClient) -> None:
    response = client.get("/api/v1/catalog", headers={"Origin": "https://data.example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    cached = client.get("/api/v1/catalog")
    assert cached.headers["Access-Control-Allow-Origin"] == "*"


def test_the_catalogue_names_the_public_address_only(client: FlaskClient) -> None:
    forged = client.get("/api/v1/catalog", headers={"Host": "evil.example"})
    assert forged.status_code == 400 and b"evil.example" not in forged.data
    assert b"evil.example" not in client.get("/api/v1/catalog").data


def area_jsonld(client: FlaskClient, url: str) -> dict[str, Any]:
    page = client.get(url).get_data(as_text=True)
    head = page.split("</head>")[0]
    blocks = LD_BLOCK.findall(head)
    assert len(blocks) == 1, url
    document: dict[str, Any] = json.loads(blocks[0])
    return document


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_area_page_describes_its_dataset(client: FlaskClient, lang: str) -> None:
    doc = area_jsonld(client, f"/{lang}/areas/healthcare?year=2023")
    assert doc["@context"] == "https://schema.org/" and doc["@type"] == "Dataset"
    assert doc["name"] and doc["description"] and "2023" in doc["name"]
    assert doc["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert doc["url"] == f"http://localhost/{lang}/areas/healthcare?year=2023"
    assert doc["temporalCoverage"] == "2023"
    assert doc["inLanguage"] == ("zh-CN" if lang == "zh" else "en")
    formats = {d["encodingFormat"] for d in doc["distribution"]}
    assert {"text/csv", "application/json"} <= formats
    for distribution in doc["distribution"]:
        assert distribution["@type"] == "DataDownload"
        assert client.get(distribution["contentUrl"]).status_code == 200
    assert doc["creator"]["name"] and doc["spatialCoverage"]["name"]
    if lang == "en":
        assert "Sample data" in doc["description"]


def test_the_json_ld_cannot_close_its_script_element(client: FlaskClient, session: Session) -> None:
    """A title with ``</script>`` in it stays inside the data block (escaped in the JSON)."""
    from portal.spending.areas import AREAS_BY_SLUG

    publish_spending(session, 2034, [("221", "", "", "5", None, None)], title="</script><b>x")
    page = client.get("/en/areas/housing?year=2034").get_data(as_text=True)
    block = LD_BLOCK.search(page)
    assert block and "</" not in block.group(1) and "<b>" not in block.group(1)
    assert AREAS_BY_SLUG["housing"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_downloads_page_describes_every_dataset(client: FlaskClient, lang: str) -> None:
    doc = area_jsonld(client, f"/{lang}/data")
    assert doc["@type"] == "DataCatalog" and doc["license"].endswith("/licenses/by/4.0/")
    catalogued = {d["dct:identifier"] for d in catalog(client)["dcat:dataset"]}
    datasets = doc["dataset"]
    assert {d["identifier"] for d in datasets} == catalogued
    spending = next(d for d in datasets if d["identifier"] == "spending-2023-final-citywide")
    assert spending["@type"] == "Dataset" and spending["temporalCoverage"] == "2023"
    assert spending["name"] and len(spending["description"]) > 50
    assert spending["url"].startswith(f"http://localhost/{lang}/data#version-")
    formats = {d["encodingFormat"] for d in spending["distribution"]}
    assert formats >= {"text/csv", "application/json", "application/zip"}
    for distribution in spending["distribution"]:
        url = distribution["contentUrl"]
        assert url.startswith(f"http://localhost/{lang}/data/")
        response = client.get(url)
        assert response.status_code == 200, url
        response.close()
