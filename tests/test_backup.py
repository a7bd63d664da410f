"""A backup is a working copy of the database, uploaded originals included, and restoring it is
pointing the app at the copy."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from portal import create_app
from portal.cli import setup_database
from portal.datasets.models import DatasetVersion
from portal.db import get_session
from tests.helpers import DATA_DIR


def test_backup_and_restore(tmp_path: Path) -> None:
    live = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/live.sqlite3"})
    with live.app_context():
        setup_database(DATA_DIR, log=lambda _m: None)
        originals = {
            v.id: (v.sha256, v.original_file) for v in get_session().scalars(select(DatasetVersion))
        }
    result = live.test_cli_runner().invoke(args=["backup", str(tmp_path / "copy.sqlite3")])
    assert result.exit_code == 0, result.output
    again = live.test_cli_runner().invoke(args=["backup", str(tmp_path / "copy.sqlite3")])
    assert again.exit_code != 0 and "exists already" in again.output

    restored = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/copy.sqlite3"})
    with restored.app_context():
        session = get_session()
        copies = {
            v.id: (v.sha256, v.original_file) for v in session.scalars(select(DatasetVersion))
        }
        assert copies == originals
        assert session.scalar(select(func.count()).select_from(DatasetVersion)) == len(originals)
    client = restored.test_client()
    assert (
        client.get("/api/v1/areas?year=2023").json
        == live.test_client().get("/api/v1/areas?year=2023").json
    )
    for app in (live, restored):
        app.extensions["portal.db"].engine.dispose()


def test_backup_on_postgresql_points_to_pg_dump(app, tmp_path: Path) -> None:
    if not app.config["DATABASE_URL"].startswith("postgresql"):
        return
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "x.dump")])
    assert result.exit_code != 0 and "pg_dump" in result.output
