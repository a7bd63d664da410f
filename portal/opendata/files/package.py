"""A version as a data package (Frictionless): a zip of ``data/<name>.csv`` and ``datapackage.json``
with the Table Schema of the CSV, the version's sources, licence, SHA-256 and sample flag.

A spending version is a **Fiscal Data Package** (v0.3 model): its resource holds the table's
lowest-level lines only (``leaf`` = true: class and section rows are subtotals, and a tool that
adds up every row would count them twice), and its ``model`` has the measures ``budget``,
``adjusted`` and ``executed`` (CNY, factor 10000: the CSV's figures are 万元, exact; direction
expenditure; phases approved, adjusted, executed) and a functional-classification dimension whose
first level is the area (the seven areas, or ``other``), then 类, 款 and 项.

The zip is written as it streams (``zipfile`` writes to a non-seekable stream with data
descriptors); ``datapackage.json`` comes last, so it can give the CSV's size and SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from flask_babel import force_locale

from portal.i18n import in_china
from portal.opendata.files.fields import Field
from portal.opendata.files.formats import csv_chunks
from portal.opendata.files.sink import Sink
from portal.opendata.files.sources import Download, Row

LICENSE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}
DATA_PATH = "data/{name}.csv"

#: The measures of a spending version: field, phase.
MEASURES = (("budget", "approved"), ("adjusted", "adjusted"), ("executed", "executed"))


def table_schema(fields: Sequence[Field]) -> dict[str, Any]:
    described = []
    for field in fields:
        entry: dict[str, Any] = {
            "name": field.name,
            "type": field.schema_type,
            "title": str(field.label),
            "description": str(field.description),
        }
        if field.unit is not None:
            entry["unit"] = str(field.unit)
        if field.kind == "boolean":
            entry["trueValues"] = ["true"]
            entry["falseValues"] = ["false"]
        described.append(entry)
    return {"fields": described, "missingValues": [""]}


def fiscal_model() -> dict[str, Any]:
    measures = {
        name: {
            "source": name,
            "currency": "CNY",
            "factor": 10000,
            "direction": "expenditure",
            "phase": phase,
        }
        for name, phase in MEASURES
    }
    return {
        "measures": measures,
        "dimensions": {
            "functional-classification": {
                "dimensionType": "classification",
                "classificationType": "functional",
                "attributes": {
                    "area": {"source": "area"},
                    "area_name": {"source": "area_name_en", "labelfor": "area"},
                    "class_code": {"source": "class_code", "parent": "area"},
                    "section_code": {"source": "section_code", "parent": "class_code"},
                    "code": {"source": "code", "parent": "section_code"},
                    "name": {"source": "name_zh", "labelfor": "code"},
                },
                "primaryKey": ["area", "class_code", "section_code", "code"],
            },
            "administrative-classification": {
                "dimensionType": "classification",
                "classificationType": "administrative",
                "attributes": {
                    "level": {"source": "level"},
                    "department": {"source": "department", "parent": "level"},
                },
                "primaryKey": ["level", "department"],
            },
            "activity": {
                "dimensionType": "activity",
                "attributes": {"project": {"source": "project"}},
                "primaryKey": ["project"],
            },
            "date": {
                "dimensionType": "datetime",
                "attributes": {"year": {"source": "year"}},
                "primaryKey": ["year"],
            },
        },
    }


def descriptor(
    download: Download, fields: Sequence[Field], resource: dict[str, Any], homepage: str
) -> dict[str, Any]:
    """``datapackage.json`` of *download* (English descriptions; the Chinese title beside)."""
    with force_locale("en"):
        schema = table_schema(fields)
    source: dict[str, Any] = {"title": download.source_en}
    if download.source_url:
        source["path"] = download.source_url
    name = (
        download.key
        if download.version_id is None
        else f"{download.key}-version-{download.version_id}"
    )
    package: dict[str, Any] = {
        "profile": "tabular-data-package",
        "name": name,
        "title": download.title_en,
        "title_zh": download.title,
        "version": str(download.number) if download.number is not None else None,
        "homepage": homepage,
        "created": in_china(download.published_at).isoformat() if download.published_at else None,
        "sources": [source],
        "licenses": [LICENSE],
        "countryCode": "cn",
        "sample": download.sample,
        "original_file": {"name": download.original_filename, "sha256": download.sha256}
        if download.sha256
        else None,
        "resources": [{**resource, "schema": schema}],
    }
    if download.sample:
        package["description"] = (
            "Sample data: illustrative figures made up for demonstration, not any real city's data."
        )
    if download.fiscal:
        package["fiscalPeriod"] = {
            "start": f"{download.year}-01-01",
            "end": f"{download.year}-12-31",
        }
        package["model"] = fiscal_model()
        package["resources"][0]["description"] = (
            "The table's lowest-level lines (leaf = true): adding them up counts every amount "
            "once. Amounts in 10,000 yuan (万元), exact to the fen. The CSV, XLSX and JSON "
            "downloads of the same version hold every line, subtotals included."
        )
    return {k: v for k, v in package.items() if v is not None}


def package_chunks(
    download: Download,
    fields: Sequence[Field],
    rows: Iterable[Row],
    homepage: str,
) -> Iterator[bytes]:
    """The zip, streamed: the CSV member as its rows are read, then ``datapackage.json``."""
    name = download.key
    path = DATA_PATH.format(name=name)
    sink = Sink()
    digest = hashlib.sha256()
    size = 0
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open(path, "w", force_zip64=True) as member:
            for chunk in csv_chunks(fields, rows, [f.name for f in fields], bom=False):
                digest.update(chunk)
                size += len(chunk)
                member.write(chunk)
                yield sink.take()
        resource = {
            "name": name,
            "path": path,
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "bytes": size,
            "hash": f"sha256:{digest.hexdigest()}",
        }
        package = descriptor(download, fields, resource, homepage)
        archive.writestr(
            "datapackage.json", json.dumps(package, ensure_ascii=False, indent=2) + "\n"
        )
    yield sink.take()
