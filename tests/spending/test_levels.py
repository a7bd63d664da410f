"""Whose money: each spending version belongs to one level of government, the pages say which,
levels are never added together, and a table covering every class gives the shares their total."""

from __future__ import annotations

from sqlalchemy.orm import Session

from portal.datasets.actions import flags_token, publish_flags
from portal.datasets.models import CITYWIDE, MUNICIPAL, DatasetVersion, Stage
from portal.roles import Actor
from portal.spending.upload import import_spending
from portal.staff.services import publish
from portal.uploads.files import TableSource
from portal.uploads.importing import ImportRequest
from tests.spending.gallery import municipal_every_class_budget
from tests.staff.files import VALID_2023, csv_bytes


def _publish_table(session: Session, in_lang, content: bytes, name: str, **options) -> int:
    with in_lang("en"):
        result = import_spending(
            session,
            TableSource.from_bytes(content, name),
            ImportRequest(
                title="测试", source_doc="测试文件", created_by=Actor("tester"), **options
            ),
        )
        assert result.ok, [p.describe() for p in result.errors]
        version = session.get(DatasetVersion, result.version_id)
        assert version is not None
        publish(
            session,
            version.id,
            actor=Actor("tester"),
            confirm=flags_token(publish_flags(session, version)),
        )
    session.commit()
    return version.id


def test_the_pages_say_whose_spending_they_show(client) -> None:
    assert "支出所属：全市" in client.get("/zh/").get_data(as_text=True)
    page = client.get("/en/areas/education").get_data(as_text=True)
    assert "Whose spending: The whole city (全市)" in page


def test_another_level_is_never_added_to_the_city(client, session, in_lang) -> None:
    before = client.get("/api/v1/areas?year=2023").json
    from portal.uploads.units import Unit

    _publish_table(
        session,
        in_lang,
        csv_bytes(VALID_2023),
        "municipal.csv",
        year=2023,
        stage=Stage.FINAL,
        unit=Unit.WAN,
        level=MUNICIPAL,
    )
    after = client.get("/api/v1/areas?year=2023").json
    assert after["total"] == before["total"] and after["level"] == CITYWIDE
    assert after["data_version"] == before["data_version"] + 1


def test_a_table_of_every_class_is_the_total_its_shares_are_of(client, session, in_lang) -> None:
    table = municipal_every_class_budget()
    _publish_table(
        session,
        in_lang,
        table.content,
        table.filename,
        year=2032,
        stage=Stage.BUDGET,
        unit=table.unit_on_form,
        level=CITYWIDE,
    )
    figures = client.get("/api/v1/areas?year=2032").json["total"]
    assert figures["share_of_general_budget_basis"] == "table"
    total = table.expected_totals["budget"]  # 元, the table's own totals row
    assert (
        abs(figures["share_of_general_budget"] - float(figures["budget_fen"] / (total * 100)))
        < 1e-4
    )
    page = client.get("/en/?year=2032").get_data(as_text=True)
    assert "of the total of this same table, which covers every class" in page
    sample_year = client.get("/api/v1/areas?year=2023").json["total"]
    assert sample_year["share_of_general_budget_basis"] == "city"
