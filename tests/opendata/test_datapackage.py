"""The data packages: a standard Frictionless tool loads and validates them, and a spending version's
is a Fiscal Data Package whose model a fiscal tool can read."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from frictionless import Package, validate
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.datasets.models import Dataset, DatasetKind, DatasetVersion, Stage
from portal.opendata.files.fields import FIELDS
from portal.spending.areas import AREA_SLUGS
from tests.helpers import publish_spending

YEAR = 2032
LINES = [
    ("205", "", "", "300.00", "310.00", "305.50"),
    ("20502", "", "", "300.00", "310.00", "305.50"),
    ("2050201", "", "", "100.00", "110.00", "105.50"),
    ("2050202", "市教育局", "=cmd", "200.00", "200.00", "200.00"),
    ("216", "", "", "-5.00", None, None),  # outside the seven areas
]


def unpack(content: bytes, into: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = archive.namelist()
        assert all(not n.startswith(("/", "..")) for n in names)
        archive.extractall(into)
    return into / "datapackage.json"


@pytest.fixture
def package(client: FlaskClient, session: Session, tmp_path: Path) -> tuple[DatasetVersion, Path]:
    version = publish_spending(session, YEAR, list(LINES), stage=Stage.FINAL)
    response = client.get(f"/en/data/{version.id}.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    return version, unpack(response.data, tmp_path)


def test_a_spending_package_validates_with_frictionless(
    package: tuple[DatasetVersion, Path],
) -> None:
    _version, descriptor = package
    report = validate(str(descriptor))
    assert report.valid, report.flatten(["type", "note"])
    loaded = Package(str(descriptor))
    rows = loaded.get_table_resource("spending").read_rows()
    # the lowest-level lines only: every amount counted once
    assert sorted(str(r["code"]) for r in rows) == ["2050201", "2050202", "216"]
    assert sum(Decimal(str(r["executed"] or 0)) for r in rows) == Decimal("305.50")
    by_code = {r["code"]: r for r in rows}
    assert by_code["2050201"]["area"] == "childcare"
    assert by_code["216"]["area"] == "other"
    assert by_code["2050202"]["project"] == "'=cmd"


def test_the_fiscal_model_has_the_measures_and_the_functional_dimension(
    package: tuple[DatasetVersion, Path],
) -> None:
    version, descriptor = package
    document = json.loads(descriptor.read_text(encoding="utf-8"))
    model = document["model"]
    assert set(model["measures"]) == {"budget", "adjusted", "executed"}
    phases = {name: m["phase"] for name, m in model["measures"].items()}
    assert phases == {"budget": "approved", "adjusted": "adjusted", "executed": "executed"}
    for measure in model["measures"].values():
        assert measure["currency"] == "CNY"
        assert measure["factor"] == 10000  # the CSV's figures are 万元
        assert measure["direction"] == "expenditure"
    functional = model["dimensions"]["functional-classification"]
    assert functional["dimensionType"] == "classification"
    assert functional["classificationType"] == "functional"
    attributes = functional["attributes"]
    assert attributes["class_code"]["parent"] == "area"
    assert attributes["section_code"]["parent"] == "class_code"
    assert attributes["code"]["parent"] == "section_code"
    fields = {f["name"] for f in document["resources"][0]["schema"]["fields"]}
    for name, attribute in attributes.items():
        assert attribute["source"] in fields, name
    for measure in model["measures"].values():
        assert measure["source"] in fields
    assert document["fiscalPeriod"] == {"start": f"{YEAR}-01-01", "end": f"{YEAR}-12-31"}
    assert document["countryCode"] == "cn"
    assert document["licenses"][0]["name"] == "CC-BY-4.0"
    assert document["sources"][0]["title"]
    assert document["sample"] is True
    assert document["original_file"]["sha256"] == version.sha256


def test_the_first_level_is_the_seven_areas(package: tuple[DatasetVersion, Path]) -> None:
    _version, descriptor = package
    with (descriptor.parent / "data" / "spending.csv").open(encoding="utf-8") as handle:
        areas = {row["area"] for row in csv.DictReader(handle)}
    assert areas <= {*AREA_SLUGS, "other"}


def test_every_kind_packages_and_validates(
    client: FlaskClient, session: Session, tmp_path: Path
) -> None:
    for kind in (DatasetKind.INDICATORS, DatasetKind.CITY, DatasetKind.MAPPING):
        version = session.scalars(
            select(DatasetVersion)
            .join(Dataset, Dataset.id == DatasetVersion.dataset_id)
            .where(Dataset.kind == kind)
        ).first()
        assert version is not None
        descriptor = unpack(client.get(f"/zh/data/{version.id}.zip").data, tmp_path / kind)
        report = validate(str(descriptor))
        assert report.valid, (kind, report.flatten(["type", "note"]))
        document = json.loads(descriptor.read_text(encoding="utf-8"))
        assert "model" not in document  # only spending is fiscal data
        schema = [f["name"] for f in document["resources"][0]["schema"]["fields"]]
        assert schema == [f.name for f in FIELDS[kind.value]]
    descriptor = unpack(client.get("/en/data/proposals.zip").data, tmp_path / "proposals")
    assert validate(str(descriptor)).valid


def test_a_tampered_package_fails_validation(
    package: tuple[DatasetVersion, Path],
) -> None:
    """The check above means something: the descriptor's size and hash hold the CSV to its bytes."""
    _version, descriptor = package
    data = descriptor.parent / "data" / "spending.csv"
    content = data.read_bytes()
    assert b"105.50" in content
    data.write_bytes(content.replace(b"105.50", b"999.99"))  # the same size: the hash tells
    report = validate(str(descriptor))
    assert not report.valid
    assert ["hash-count"] in report.flatten(["type"])
