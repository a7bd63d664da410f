"""The data dictionary and glossary (``/<lang>/about-data#dictionary``): every field of every
download and of every API object is described, with its type and unit, in both languages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.opendata.dictionary import API_FIELD_NAMES, API_FIELDS, TYPE_NAMES, data_dictionary
from portal.opendata.files.fields import FIELDS


def openapi_properties(app: Flask) -> dict[str, set[str]]:
    """property → the component schemas of /api/v1/openapi.json that have it (the document of
    the API helper, generated from the schemas that serialise the responses)."""
    document: dict[str, Any] = app.test_client().get("/api/v1/openapi.json").json or {}
    found: dict[str, set[str]] = {}
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        for prop in schema.get("properties", {}):
            found.setdefault(prop, set()).add(name)
    return found


def test_every_api_property_is_described(app: Flask) -> None:
    properties = openapi_properties(app)
    assert len(properties) > 100, "the OpenAPI document lists its objects' properties"
    missing = {p: sorted(s) for p, s in properties.items() if p not in API_FIELD_NAMES}
    assert missing == {}, "describe these in portal/opendata/dictionary.py"
    # and nothing is described that no object has (a field renamed or removed)
    assert sorted(API_FIELD_NAMES - set(properties)) == []


def test_each_api_field_names_the_objects_that_have_it(app: Flask, in_lang) -> None:
    properties = openapi_properties(app)
    with in_lang("en"):
        api = data_dictionary().api
    for entry in api.entries:
        assert set(entry.objects) == properties[entry.name], entry.name


def test_every_download_field_is_in_the_dictionary(in_lang) -> None:
    with in_lang("en"):
        sections = {s.key: s for s in data_dictionary().downloads}
    for kind, fields in FIELDS.items():
        section = sections[f"download-{kind}"]
        assert [e.name for e in section.entries] == [f.name for f in fields]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_page_shows_every_field_with_type_unit_and_meaning(
    client: FlaskClient, lang: str
) -> None:
    page = client.get(f"/{lang}/about-data").get_data(as_text=True)
    dictionary = page.split('id="dictionary"')[1].split('id="glossary"')[0]
    for kind, fields in FIELDS.items():
        table = dictionary.split(f'id="fields-download-{kind}"')[1].split("</table>")[0]
        rows = re.findall(r"<tr>\s*<th scope=\"row\"><code>([^<]+)</code>", table)
        assert rows == [f.name for f in fields], kind
    api = dictionary.split('id="fields-api"')[1].split("</table>")[0]
    assert re.findall(r"<th scope=\"row\"><code>([^<]+)</code>", api) == [
        e.name for e in API_FIELDS
    ]
    # the spending download's amounts carry their unit, in the page's language
    spending = dictionary.split('id="fields-download-spending"')[1].split("</table>")[0]
    budget = spending.split("<code>budget</code>")[1].split("</tr>")[0]
    assert ("万元" if lang == "zh" else "10,000 yuan") in budget
    budget_row = api.split("<code>budget</code>")[1].split("</tr>")[0]
    assert ("整数" if lang == "zh" else "whole number") in budget_row
    assert "<code>BudgetLine</code>" in budget_row  # the objects that have the field
    glossary = page.split('id="glossary"')[1].split("</section>")[0]
    for term in (
        "调整预算",
        "决算",
        "类",
        "款",
        "项",
        "万元",
        "数据版本",
        "样例数据",
        "人大代表建议",
        "政协委员提案",
    ):
        assert term in glossary, term
    if lang == "en":
        assert "Final accounts" in glossary and "Dataset version" in glossary


def test_every_entry_has_a_known_type_and_a_meaning(in_lang) -> None:
    with in_lang("zh"):
        dictionary = data_dictionary()
        for section in (*dictionary.downloads, dictionary.api):
            for entry in section.entries:
                assert entry.type in TYPE_NAMES, (section.key, entry.name)
                assert str(entry.description).strip(), (section.key, entry.name)
        assert len(dictionary.glossary) >= 15
