"""Versions and the data version: publishing is visible at once, and nothing published is lost."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from portal.cli import setup_database
from portal.datasets.models import Dataset, DatasetKind, DatasetVersion, Stage
from portal.datasets.services import current_data_version, publish_version
from tests.helpers import publish_spending


def test_setup_twice_changes_nothing(app, session) -> None:
    before = current_data_version(session)
    versions = session.scalar(select(DatasetVersion.id).order_by(DatasetVersion.id.desc()))
    with app.app_context():
        published = setup_database(Path(app.config["DATA_DIR"]), log=lambda _m: None)
    assert published == 0
    assert current_data_version(session) == before
    assert session.scalar(select(DatasetVersion.id).order_by(DatasetVersion.id.desc())) == versions


def test_publish_shows_at_once_and_restore_brings_back_the_old(app, client, session) -> None:
    old = client.get("/api/v1/areas?year=2023").json
    old_etag = client.get("/zh/?year=2023").headers["ETag"]
    dataset = session.scalar(
        select(Dataset).where(
            Dataset.kind == DatasetKind.SPENDING, Dataset.year == 2023, Dataset.stage == Stage.FINAL
        )
    )
    previous = dataset.published_version

    publish_spending(session, 2023, [("2050202", "", "", "100.00", "110.00", "105.00")])
    new = client.get("/api/v1/areas?year=2023").json
    assert new["total"]["executed"] == 1_050_000
    assert new["dataset"]["version"] == previous.number + 1
    assert new["data_version"] == old["data_version"] + 1
    # A reader holding the old page is told it changed.
    assert client.get("/zh/?year=2023", headers={"If-None-Match": old_etag}).status_code == 200

    with app.app_context():
        publish_version(session, previous, published_by="tests")
    session.commit()
    restored = client.get("/api/v1/areas?year=2023").json
    assert restored["total"] == old["total"]
    assert restored["dataset"]["version"] == previous.number
    assert len(dataset.versions) == 2  # both versions kept


def test_final_accounts_supersede_the_budget_for_the_year(app, client, session) -> None:
    before = client.get("/api/v1/areas?year=2025").json
    assert before["stage"] == "budget"
    assert before["total"]["executed"] is None
    publish_spending(session, 2025, [("2050202", "", "", "10.00", "10.00", "9.00")])
    after = client.get("/api/v1/areas?year=2025").json
    assert after["stage"] == "final"
    assert after["total"]["executed"] == 90_000
