"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import portal.accounts.models
import portal.datasets.models
import portal.proposals.models
import portal.spending.models
import portal.staff.models  # noqa: F401
from portal.db import Base


def test_models_and_migrations_agree(app) -> None:
    engine = app.extensions["portal.db"].engine
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


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
