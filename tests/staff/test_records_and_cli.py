"""Indicators and practical projects uploads, and the command line: the same import, with a progress
bar, every error printed, a non-zero exit and nothing written when the file is invalid."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from portal.datasets.models import DatasetVersion
from portal.roles import Actor
from portal.spending.models import Indicator, LivelihoodProject
from portal.spending.upload.records import import_indicators, import_projects
from portal.uploads.importing import ImportRequest
from tests.staff.files import VALID_2023, csv_bytes, write

INDICATOR_HEADERS = [
    "领域",
    "指标代码",
    "指标名称",
    "英文名称",
    "单位",
    "英文单位",
    "目标值",
    "实际值",
    "越大越好",
]
PROJECT_HEADERS = ["area", "key", "title_zh", "title_en", "budget", "progress", "status"]


REQUEST = ImportRequest(
    year=2024, title="2024年指标", source_doc="测试", created_by=Actor("tester")
)


def test_indicators_are_read_with_chinese_names_and_values(session, tmp_path, in_lang) -> None:
    content = csv_bytes(
        [
            ["幼有所育", "places", "托位数", "Places", "个", "places", "4.50", "4.62", "是"],
            ["Elderly care", "beds", "床位数", "", "张", "", "-1.5", "", "否"],
        ],
        headers=INDICATOR_HEADERS,
    )
    with in_lang("zh"):
        result = import_indicators(session, write(tmp_path, "i.csv", content), REQUEST)
    assert result.ok, [p.describe() for p in result.problems]
    session.flush()
    rows = session.scalars(
        select(Indicator).where(Indicator.version_id == result.version_id).order_by(Indicator.id)
    ).all()
    assert [(r.area, r.key, r.year, r.target, r.actual, r.higher_is_better) for r in rows] == [
        ("childcare", "places", 2024, Decimal("4.50"), Decimal("4.62"), True),
        ("elderly-care", "beds", 2024, Decimal("-1.50"), None, False),
    ]


def test_bad_indicator_and_project_rows_are_all_reported(
    session, tmp_path, in_lang, counts
) -> None:
    indicators = csv_bytes(
        [
            ["火星", "a b", "名", "", "个", "", "1.234", "x", "也许"],
            ["幼有所育", "ok", "", "", "个", "", "1", "1", "是"],
            ["幼有所育", "ok", "名", "", "个", "", "1", "1", "是"],
        ],
        headers=INDICATOR_HEADERS,
    )
    projects = csv_bytes(
        [["education", "school", "学校", "", "-3", "120", "someday"]], headers=PROJECT_HEADERS
    )
    before = counts()
    with in_lang("en"):
        first = import_indicators(session, write(tmp_path, "i.csv", indicators), REQUEST)
        second = import_projects(session, write(tmp_path, "p.csv", projects), REQUEST)
        assert [p.describe() for p in first.problems.sorted()] == [
            "Error (row 2, column “领域”, value “火星”): Unknown area. Use one of: childcare, education, employment, healthcare, elderly-care, housing, social-assistance.",
            "Error (row 2, column “指标代码”, value “a b”): Use up to 80 letters, digits, “-”, “_” or “.”, starting with a letter or digit.",
            "Error (row 2, column “目标值”, value “1.234”): At most two decimal places.",
            "Error (row 2, column “实际值”, value “x”): Not a number, e.g. 97.5.",
            "Error (row 2, column “越大越好”, value “也许”): Write 是 or 否 (yes or no).",
            "Error (row 3, column “指标名称”, value “”): This cell must be filled in.",
            "Error (row 4, column “指标代码”, value “ok”): Duplicate key: the same as row 3.",
        ]
        assert [p.describe() for p in second.problems.sorted()] == [
            "Error (row 2, column “budget”, value “-3”): An amount cannot be negative.",
            "Error (row 2, column “progress”, value “120”): A whole number from 0 to 100.",
            "Error (row 2, column “status”, value “someday”): Unknown status. Use 待实施, 推进中, 已完成 or 进度滞后 (planned, in_progress, completed, delayed).",
        ]
    assert counts() == before


def test_projects_are_read(session, tmp_path, in_lang) -> None:
    content = csv_bytes(
        [["学有所教", "school", "新建学校", "New schools", "68,000.5", "60%", "推进中"]],
        headers=["领域", "项目代码", "项目名称", "英文名称", "预算数（万元）", "进度", "状态"],
    )
    with in_lang("zh"):
        result = import_projects(session, write(tmp_path, "p.csv", content), REQUEST)
    assert result.ok
    session.flush()
    project = session.scalar(
        select(LivelihoodProject).where(LivelihoodProject.version_id == result.version_id)
    )
    assert (project.area, project.budget, project.progress, project.status) == (
        "education",
        Decimal("68000.50"),
        60,
        "in_progress",
    )


def cli(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def test_the_command_line_prints_every_error_and_writes_nothing(
    app, session, tmp_path, counts
) -> None:
    bad = csv_bytes([["2050202", "", "", "", "abc", "1", "-1"], ["12", "", "", "", "1", "1", "1"]])
    path = write(tmp_path, "bad.csv", bad)
    before = counts()
    result = cli(
        app,
        "import",
        "spending",
        str(path),
        "--year",
        "2023",
        "--unit",
        "wan",
        "--stage",
        "final",
        "--title",
        "T",
        "--source",
        "S",
        "--publish",
        "--lang",
        "en",
    )
    assert result.exit_code == 1
    assert "Error (row 2, column “预算数”, value “abc”): Not an amount" in result.output
    assert (
        "Warning (row 2, column “决算数”, value “-1”): A negative amount: check that it is meant."
        in result.output
    )
    assert (
        "Error (row 3, column “科目编码”, value “12”): A functional classification code has 3, 5 or 7 digits"
        in result.output
    )
    assert "2 error(s), 1 warning(s). Nothing was imported." in result.output
    assert counts() == before


def test_the_command_line_imports_and_publishes(app, client, session, tmp_path) -> None:
    path = write(tmp_path, "ok.csv", csv_bytes(VALID_2023, encoding="gb18030"))
    result = cli(
        app,
        "import",
        "spending",
        str(path),
        "--year",
        "2023",
        "--unit",
        "wan",
        "--stage",
        "final",
        "--title",
        "2023年决算",
        "--source",
        "财政局",
        "--publish",
        "--confirm-figures",  # a test table of 305万元 beside the sample's billions
        "--by",
        "cli:clerk",
        "--lang",
        "en",
    )
    assert result.exit_code == 0, result.output
    assert "Imported 4 rows as version" in result.output and "published" in result.output
    api = client.get("/api/v1/areas?year=2023").json
    assert api["dataset"]["title"] == "2023年决算"
    assert api["total"]["executed"] == 3_050_000  # 305.00 万元 of education, in yuan
    version = session.scalar(select(DatasetVersion).order_by(DatasetVersion.id.desc()))
    assert version.created_by == "cli:clerk" == version.published_by


def test_templates_in_both_languages(app, session) -> None:
    zh = cli(app, "import", "template", "spending", "--lang", "zh")
    assert (
        zh.output.lstrip("\ufeff").splitlines()[0]
        == "科目编码,科目名称,部门,项目名称,预算数,调整预算数,决算数"
    )
    en = cli(app, "import", "template", "projects", "--lang", "en")
    assert en.output.lstrip("\ufeff").splitlines()[0].startswith("area,key,title_zh,title_en")
