"""The Alembic migrations build exactly the schema the models describe, and the ``flask db``
commands move a database up and down them."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import Engine

import portal.migrations
from portal import create_app
from portal.migrations import head_revisions, import_all_models
from tests.conftest import DATA_DIR
from tests.servers import BACKENDS, empty_database


def schema_differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        return list(compare_metadata(context, import_all_models()))


def test_models_and_migrations_agree(app) -> None:
    assert schema_differences(app.extensions["portal.db"].engine) == []


def test_every_domain_s_models_are_imported() -> None:
    tables = import_all_models().tables
    assert {"audit_entry", "user_account", "dataset", "budget_line", "proposal_item"} <= set(tables)


@pytest.fixture(params=BACKENDS)
def empty_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """An app on an empty database of its own (a fresh schema on PostgreSQL)."""
    with empty_database(request.param, tmp_path / "empty.sqlite3") as url:
        flask_app = create_app({"TESTING": True, "DATABASE_URL": url, "DATA_DIR": str(DATA_DIR)})
        yield flask_app
        flask_app.extensions["portal.db"].dispose()


def test_flask_db_upgrade_downgrade_upgrade(empty_app: Flask) -> None:
    runner = empty_app.test_cli_runner()
    engine = empty_app.extensions["portal.db"].engine
    newest = ", ".join(head_revisions())

    def db(*args: str) -> str:
        result = runner.invoke(args=["db", *args])
        assert result.exit_code == 0, result.output
        return result.output

    assert "no revision" in db("current") and "not the newest" in db("current")
    assert db("upgrade") == f"Database at {newest}.\n"
    assert db("current") == f"{newest}\n"
    assert schema_differences(engine) == []
    assert db("downgrade", "-1") != f"Database at {newest}.\n"
    assert "not the newest" in db("current")
    assert "no revision" in db("downgrade", "base")
    assert db("upgrade") == f"Database at {newest}.\n"
    assert schema_differences(engine) == []


def test_flask_db_revision_writes_the_next_number(
    empty_app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a database at the newest revision the models add nothing: the new migration is empty
    (written into a copy of the migrations, never into the real ones)."""
    copy = tmp_path / "migrations"
    shutil.copytree(portal.migrations.HERE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(portal.migrations, "HERE", copy)
    (head,) = head_revisions()
    runner = empty_app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    result = runner.invoke(args=["db", "revision", "-m", "nothing changes"])
    assert result.exit_code == 0, result.output
    assert head_revisions() == (f"{int(head) + 1:04d}",)
    written = copy / "versions" / f"{int(head) + 1:04d}_nothing_changes.py"
    assert written.is_file() and f"Wrote {written}" in result.output
    body = written.read_text(encoding="utf-8")
    assert "op." not in body.split("def upgrade", 1)[1]


def test_the_search_index_is_built_for_items_already_there(tmp_path) -> None:
    """Upgrading a database that already holds items (revision 0003) indexes their text."""
    import sqlalchemy as sa

    from portal.db import make_engine
    from portal.migrations import upgrade_database
    from portal.proposals.search import grams

    engine = make_engine(f"sqlite:///{tmp_path}/old.sqlite3")
    upgrade_database(engine, "0003")
    text = "第0012号\n关于加快发展普惠托育服务的建议"
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO proposal_submitter (key, name, name_en, kind, affiliation,"
                " affiliation_en, sample, phone, address)"
                " VALUES ('D1', '张三', '', 'deputy', '', '', 0, '', '')"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO proposal_item (sample, session_label, session_label_en, number, kind,"
                " year, title, title_en, body, body_en, lead_submitter_id, role, other_units,"
                " other_units_en, areas, budget_codes, status, extended, rounds, search_text)"
                " VALUES (1, 's', '', '0012', 'suggestion', 2024, 't', '', '', '', 1, 'sole',"
                " '', '', 'childcare', '', 'in_hand', 0, 1, :text)"
            ),
            {"text": text},
        )
    upgrade_database(engine)
    with engine.connect() as connection:
        stored = set(connection.scalars(sa.text("SELECT gram FROM proposal_search_gram")))
    engine.dispose()
    assert stored == grams(text) and "托育" in stored


def test_money_becomes_whole_fen_and_spending_a_level(tmp_path) -> None:
    """Upgrading a database of whole yuan (revision 0005) keeps every amount's value: the stored
    integers become 分, and the spending published so far belongs to the whole city."""
    import sqlalchemy as sa

    from portal.db import make_engine
    from portal.migrations import downgrade_database, upgrade_database

    engine = make_engine(f"sqlite:///{tmp_path}/old.sqlite3")
    upgrade_database(engine, "0005")
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO dataset (id, kind, year, stage) VALUES (1, 'spending', 2024, 'final')"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO dataset_version (id, dataset_id, number, status, title, source,"
                " sample, sha256, row_count) VALUES (1, 1, 1, 'draft', 't', '', 0, 'x', 1)"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO budget_line (version_id, code, department, project, budget,"
                " adjusted, executed) VALUES (1, '2050202', '', '', 12345678, NULL, 5)"
            )
        )

    def stored() -> tuple[tuple[object, ...], str | None]:
        with engine.connect() as connection:
            line = connection.execute(sa.text("SELECT budget, adjusted, executed FROM budget_line"))
            columns = {c["name"] for c in sa.inspect(connection).get_columns("dataset")}
            level = (
                connection.scalar(sa.text("SELECT level FROM dataset"))
                if "level" in columns
                else None
            )
            return tuple(line.one()), level

    upgrade_database(engine)
    assert stored() == ((1234567800, None, 500), "citywide")
    downgrade_database(engine, "0005")  # and back: whole yuan again, no level
    assert stored() == ((12345678, None, 5), None)
    upgrade_database(engine)
    assert stored() == ((1234567800, None, 500), "citywide")
    engine.dispose()
