"""Two app servers on one database: a publish through one is seen at once by the other, because
every cache is keyed on the data version stored in the database."""

from __future__ import annotations

from pathlib import Path

from portal import create_app
from portal.cli import setup_database
from portal.db import get_session
from tests.helpers import DATA_DIR, publish_spending


def test_a_publish_on_one_server_is_seen_by_another(tmp_path: Path) -> None:
    config = {"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/shared.sqlite3"}
    writer, reader = create_app(config), create_app(config)
    with writer.app_context():
        setup_database(DATA_DIR, log=lambda _m: None)
    client = reader.test_client()
    before = client.get("/api/v1/areas?year=2023")
    page_before = client.get("/en/?year=2023")
    assert (
        client.get(
            "/en/?year=2023", headers={"If-None-Match": page_before.headers["ETag"]}
        ).status_code
        == 304
    )

    with writer.app_context():
        publish_spending(get_session(), 2023, [("2050202", "", "", "1.00", "1.00", "1.00")])

    after = client.get("/api/v1/areas?year=2023")
    assert after.json is not None and before.json is not None
    assert after.json["total"]["executed"] == 10_000 != before.json["total"]["executed"]
    assert (
        client.get(
            "/en/?year=2023", headers={"If-None-Match": page_before.headers["ETag"]}
        ).status_code
        == 200
    )
    for app in (writer, reader):
        app.extensions["portal.db"].engine.dispose()
