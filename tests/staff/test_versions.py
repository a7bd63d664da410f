"""Publishing, restoring and withdrawing versions, each audited; and the preview of a draft against
the published version (lines added, removed and changed; totals per area before and after)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.datasets.models import Dataset, DatasetKind, DatasetVersion, Stage, VersionStatus
from portal.roles import Actor
from portal.spending.aggregation import load_mapper
from portal.spending.models import AreaTotal
from portal.spending.queries import Figures
from portal.spending.upload import import_spending
from portal.staff import preview
from portal.staff.services import StaffActionError, publish, withdraw
from portal.uploads.importing import ImportRequest
from tests.helpers import DATA_DIR, spending_request
from tests.staff.files import csv_bytes, write

AMOUNTS = ("budget", "adjusted", "executed")


def curated_rows(year: int) -> list[list[str]]:
    import csv

    with (DATA_DIR / "spending_lines.csv").open(encoding="utf-8") as handle:
        return [
            [
                r["code"],
                "",
                r["department"],
                r["project"],
                r["budget"],
                r["adjusted"],
                r["executed"],
            ]
            for r in csv.DictReader(handle)
            if int(r["year"]) == year
        ]


def with_subtotals(leaves: list[list[str]]) -> list[list[str]]:
    """Leaf rows plus every class and section row above them, summed."""
    sums: dict[str, list[Decimal]] = {}
    for row in leaves:
        for length in (3, 5):
            if len(row[0]) > length:
                total = sums.setdefault(row[0][:length], [Decimal(0)] * 3)
                for i in range(3):
                    total[i] += Decimal(row[4 + i])
    parents = [[code, "", "", "", *(f"{v:.2f}" for v in values)] for code, values in sums.items()]
    return sorted(parents + leaves, key=lambda r: (r[0], r[2], r[3]))


EDITOR = Actor("editor@example.org")


def draft_2023(session, tmp_path, rows, title="修订版") -> DatasetVersion:
    result = import_spending(
        session,
        write(tmp_path, "draft.csv", csv_bytes(rows)),
        spending_request(EDITOR.name, title=title, source_doc="测试"),
    )
    assert result.ok, [p.describe() for p in result.errors]
    session.commit()
    return session.get(DatasetVersion, result.version_id)


def live_2023(session) -> DatasetVersion:
    dataset = session.scalar(
        select(Dataset).where(
            Dataset.kind == DatasetKind.SPENDING, Dataset.year == 2023, Dataset.stage == Stage.FINAL
        )
    )
    return dataset.published_version


def figures_after(change: preview.LineChange) -> Figures:
    """A changed or added line's figures (a removed line has none)."""
    assert change.after is not None, f"{change.code} was removed"
    return change.after


def last_audit(session) -> AuditEntry:
    return session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()


def revised_leaves() -> tuple[list[list[str]], list[list[str]]]:
    """The curated 2023 leaves, and a revision: one line changed, one gone, one new."""
    rows = curated_rows(2023)
    codes = {r[0] for r in rows}
    leaves = [r for r in rows if not any(c != r[0] and c.startswith(r[0]) for c in codes)]
    revised = [list(r) for r in leaves if r[0] != "2050203"]
    for row in revised:
        if row[0] == "2050202":
            row[6] = f"{Decimal(row[6]) + 10:.2f}"
    revised.append(["2050299", "", "市教育局", "新项目", "1.00", "1.00", "1.00"])
    return leaves, revised


def test_preview_lists_what_publishing_would_change(session, tmp_path, in_lang) -> None:
    leaves, revised = revised_leaves()
    with in_lang("en"):
        draft = draft_2023(session, tmp_path, with_subtotals(revised))
    live = live_2023(session)
    compared = preview.compared_version(session, draft)
    assert compared is not None and compared.id == live.id

    counts = preview.line_change_counts(session, draft.id, live.id)
    assert counts["added"] == 1 and counts["removed"] == 1
    assert counts["changed"] == 3  # 2050202 and, above it, 20502 and 205
    assert counts["unchanged"] == len(curated_rows(2023)) - 4
    added = preview.line_changes(session, draft.id, live.id, "added")
    assert [(c.code, c.project, c.before, figures_after(c).executed) for c in added] == [
        ("2050299", "新项目", None, Decimal("1.00"))
    ]
    removed = preview.line_changes(session, draft.id, live.id, "removed")
    assert [(c.code, c.after) for c in removed] == [("2050203", None)]
    changed = preview.line_changes(session, draft.id, live.id, "changed")
    assert [c.code for c in changed] == ["205", "20502", "2050202"]
    item = changed[-1]
    assert item.after is not None and item.before is not None
    assert item.after.executed is not None and item.before.executed is not None
    assert item.after.executed - item.before.executed == Decimal(10)
    assert item.after.budget == item.before.budget

    mapper = load_mapper(session)
    before = preview.area_figures(session, live.id, mapper)
    after = preview.area_figures(session, draft.id, mapper)
    stored = {
        t.area: t.executed
        for t in session.scalars(select(AreaTotal).where(AreaTotal.version_id == live.id))
    }
    assert {a: f.executed for a, f in before.items()} == stored  # the same sums publishing stored
    removed_line = next(r for r in leaves if r[0] == "2050203")
    education_before = before["education"].executed
    assert education_before is not None
    assert after["education"].executed == (education_before + 10 + 1 - Decimal(removed_line[6]))
    rows = preview.compare_areas(before, after, "executed")
    education = next(r for r in rows if r.slug == "education")
    assert education.change == 11 - Decimal(removed_line[6])
    total = next(r for r in rows if r.slug == "total")
    assert total.change == education.change


def test_publish_restore_and_withdraw_are_audited(app, client, session, tmp_path, in_lang) -> None:
    old_api = client.get("/api/v1/areas?year=2023").json
    live = live_2023(session)
    _, revised = revised_leaves()
    with in_lang("en"):
        draft = draft_2023(session, tmp_path, with_subtotals(revised))

    with session.info["app"].app_context():
        data_version = publish(session, draft.id, actor=EDITOR)
    session.commit()
    assert data_version == old_api["data_version"] + 1
    entry = last_audit(session)
    assert entry.action == "dataset.publish" and entry.actor == "editor@example.org"
    assert entry.before is not None and entry.after is not None
    assert json.loads(entry.before) == {"published_version": live.number}
    assert json.loads(entry.after)["published_version"] == draft.number
    new_api = client.get("/api/v1/areas?year=2023").json
    assert new_api["dataset"]["version"] == draft.number
    assert new_api["total"]["executed"] != old_api["total"]["executed"]

    with session.info["app"].app_context():  # restore: publish the old one again
        publish(session, live.id, actor=EDITOR)
    session.commit()
    assert last_audit(session).action == "dataset.restore"
    restored = client.get("/api/v1/areas?year=2023").json
    assert restored["total"] == old_api["total"]
    assert restored["dataset"]["version"] == live.number

    with in_lang("en"):
        second = draft_2023(session, tmp_path, with_subtotals(revised), title="又一版")
    withdraw(session, second.id, actor=EDITOR)
    session.commit()
    session.refresh(second)
    assert second.status == VersionStatus.WITHDRAWN
    assert last_audit(session).action == "dataset.withdraw"
    with in_lang("en"):
        with pytest.raises(StaffActionError, match=r"A withdrawn draft cannot be published\."):
            publish(session, second.id, actor=EDITOR)
        with pytest.raises(StaffActionError, match=r"Only a draft can be withdrawn\."):
            withdraw(session, live.id, actor=EDITOR)
        with pytest.raises(StaffActionError, match="already the published one"):
            publish(session, live.id, actor=EDITOR)
    session.rollback()
    assert client.get("/api/v1/areas?year=2023").json["total"] == old_api["total"]


def test_import_and_publish_in_one_step(client, session, tmp_path, in_lang) -> None:
    _, revised = revised_leaves()
    with in_lang("en"):
        result = import_spending(
            session,
            write(tmp_path, "p.csv", csv_bytes(with_subtotals(revised))),
            spending_request("cli:tester", publish=True),
        )
    session.commit()
    assert result.ok and result.published
    actions = [e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))][-2:]
    assert actions == ["dataset.import", "dataset.publish"]
    assert client.get("/api/v1/areas?year=2023").json["dataset"]["version"] == result.version_number


def test_record_preview_by_key(session, tmp_path, in_lang) -> None:
    from portal.spending.upload.records import import_indicators

    content = csv_bytes(
        [
            [
                "幼有所育",
                "childcare_places_per_1000",
                "每千人口托位数",
                "",
                "个",
                "",
                "4.50",
                "4.62",
                "是",
            ],
            ["学有所教", "new_indicator", "新指标", "New", "%", "%", "90", "", "否"],
        ],
        headers=[
            "领域",
            "指标代码",
            "指标名称",
            "英文名称",
            "单位",
            "英文单位",
            "目标值",
            "实际值",
            "越大越好",
        ],
    )
    with in_lang("zh"):
        result = import_indicators(
            session,
            write(tmp_path, "i.csv", content),
            ImportRequest(year=2023, title="t", source_doc="s", created_by=Actor("tester")),
        )
    assert result.ok, [p.describe() for p in result.problems]
    session.commit()
    draft = session.get(DatasetVersion, result.version_id)
    live = preview.compared_version(session, draft)
    assert live is not None
    changes = preview.record_changes(session, DatasetKind.INDICATORS, draft.id, live.id)
    kinds = {c.key: c.kind for c in changes}
    assert kinds["new_indicator"] == "added"
    assert kinds["childcare_places_per_1000"] == "changed"
    assert sum(1 for k in kinds.values() if k == "removed") >= 1
