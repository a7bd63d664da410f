"""Real tables, imported as the bureau publishes them: whatever title rows, merged headers, split
codes, unit and totals row a table has, the clerk uploads it unedited and the portal shows exactly
the table's own totals and class rows. What cannot be right (a unit at odds with the form, a wrong
subtotal, a code that is no expenditure code, a file that is no table) is refused with every
problem named, in the clerk's language, and nothing is written."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from portal.datasets.models import Stage
from portal.roles import Actor
from portal.spending.aggregation import version_totals
from portal.spending.areas import AREAS_BY_SLUG
from portal.spending.upload import file_names, import_spending
from portal.spending.upload.sanity import flags_token, sanity_flags
from portal.staff.services import StaffActionError, publish
from portal.uploads.files import TableSource
from portal.uploads.importing import ImportRequest
from portal.uploads.units import Unit
from tests.spending.gallery import (
    BY_NAME,
    GALLERY,
    NOT_CODES,
    YUAN_PER_UNIT,
    GalleryTable,
    PointTable,
    bad_inputs,
    inconsistent_subtotal,
    invalid_codes,
    livelihood_budget,
    unlisted_code,
)

AMOUNTS = ("budget", "adjusted", "executed")
CJK = re.compile(r"[\u3400-\u9fff]")
#: Quoted parts of a message (a value or a header from the file), left out when judging its language.
QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"|‘[^’]*’|「[^」]*」|《[^》]*》")
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
AMOUNT_WITH_UNIT = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(亿元|万元|元)")
WORD_UNITS = {"元": Decimal(1), "万元": Decimal(10_000), "亿元": Decimal(100_000_000)}


TESTER = Actor("tester")


def run(
    session: Session,
    content: bytes,
    filename: str,
    *,
    year: int = 2031,
    stage: Stage = Stage.BUDGET,
    unit: Unit | None = None,
    level: str = "示例市教育局",
) -> Any:
    return import_spending(
        session,
        TableSource.from_bytes(content, filename),
        ImportRequest(
            year=year,
            stage=stage,
            title=f"{level}{year}年支出表（测试）",
            source_doc="测试文件",
            created_by=TESTER,
            unit=unit,
            level=level,
        ),
    )


def upload(session: Session, table: GalleryTable) -> Any:
    return run(
        session,
        table.content,
        table.filename,
        year=table.year,
        stage=table.stage,
        unit=table.unit_on_form,
        level=table.level,
    )


def described(problems: Iterable[Any]) -> list[str]:
    return [p.describe() for p in problems]


def numbers_in(text: str) -> list[Decimal]:
    plain = unicodedata.normalize("NFKC", text)
    return [Decimal(n.replace(",", "")) for n in NUMBER.findall(plain)]


def shows(text: str, value: Decimal, unit: Unit) -> bool:
    """Whether *text* gives *value* (in *unit*) exactly, written in that unit or in 元."""
    wanted = {value, value * YUAN_PER_UNIT[unit]}
    return any(n in wanted for n in numbers_in(text))


def shows_in_units(text: str, yuan: Decimal) -> bool:
    """Whether *text* gives *yuan* 元 as a number with its unit (元, 万元 or 亿元), exactly or
    rounded to the places it shows (a summary may write 0.987654 万元 as 0.99万元)."""
    for shown, unit in AMOUNT_WITH_UNIT.findall(unicodedata.normalize("NFKC", text)):
        number = Decimal(shown.replace(",", ""))
        places = Decimal(1).scaleb(number.as_tuple().exponent)  # type: ignore[arg-type]
        scaled = yuan / WORD_UNITS[unit]
        if number and scaled.quantize(places, rounding=ROUND_HALF_UP) == number:
            return True
    return False


def fen(yuan: Decimal) -> int:
    value = yuan * 100
    assert value == value.to_integral_value()
    return int(value)


def wan(yuan: Decimal) -> Decimal:
    return yuan / 10_000


def message_text(problem: Any) -> str:
    return str(problem.message)


def flag_text(flag: Any) -> str:
    """A sanity flag as the clerk reads it."""
    for attribute in ("describe", "message", "text"):
        value = getattr(flag, attribute, None)
        if value is not None:
            return str(value() if callable(value) else value)
    return str(flag)


def in_chinese(text: str) -> bool:
    return bool(CJK.search(QUOTED.sub("", text)))


def in_english(text: str) -> bool:
    return len(re.findall(r"[A-Za-z]{3,}", QUOTED.sub("", text))) >= 2


def assert_figures(figures: Any, expected: dict[str, Decimal], what: str) -> None:
    """*figures* (万元) are exactly *expected* (元); amounts the table does not have stay empty."""
    for key in AMOUNTS:
        shown = getattr(figures, key)
        if key in expected:
            assert shown == wan(expected[key]), f"{what} {key}: {shown} ≠ {wan(expected[key])}"
        else:
            assert shown is None, f"{what} {key}: {shown}, but the table has no such column"


# -- the gallery ------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", GALLERY, ids=lambda t: t.name)
def test_a_published_table_imports_unedited_and_reads_as_laid_out(
    session: Session, in_lang, table: GalleryTable
) -> None:
    """A table as the bureau publishes it is read without any edit, and the reading is shown to
    the clerk: which rows are the header, the unit, the code and amount columns, the totals row."""
    with in_lang("en"):
        result = upload(session, table)
    assert result.ok, described(result.errors)
    layout = result.layout
    assert layout.header_rows == table.header_rows
    assert layout.unit == table.expected_unit
    assert layout.unit_from_file is (table.unit_on_form is None)
    assert tuple(layout.code_columns) == table.code_columns
    assert (len(layout.code_columns) == 3) is table.code_is_split
    assert layout.name_column == table.name_column
    assert dict(layout.amount_columns) == table.amount_columns
    assert layout.totals_row == table.totals_row
    assert result.file_totals == {key: fen(v) for key, v in table.expected_totals.items()}


@pytest.mark.parametrize("table", GALLERY, ids=lambda t: t.name)
def test_rounding_differences_are_warnings_naming_row_and_both_figures(
    session: Session, in_lang, table: GalleryTable
) -> None:
    """A subtotal or total one unit of the last digit away from its rows is how rounded tables
    are: the clerk is told where, with both figures, and the upload goes ahead."""
    with in_lang("en"):
        result = upload(session, table)
        assert result.ok, described(result.errors)
        rounding = [p for p in result.warnings if "rounding" in message_text(p).lower()]
        texts = described(rounding)
    assert len(rounding) == table.rounding_warnings, texts
    for difference in table.rounding:
        matching = [
            text
            for p, text in zip(rounding, texts, strict=True)
            if p.row == difference.row
            and shows(text, difference.stated, table.expected_unit)
            and shows(text, difference.summed, table.expected_unit)
        ]
        assert matching, f"no warning on row {difference.row} with {difference}: {texts}"


@pytest.mark.parametrize("table", GALLERY, ids=lambda t: t.name)
def test_after_publishing_the_figures_are_the_tables_own(
    session: Session, in_lang, table: GalleryTable
) -> None:
    """What the public sees is what the table says: its totals row and each of its class rows,
    exactly (rounding differences included), whatever the unit it was published in."""
    with in_lang("en"):
        result = upload(session, table)
        assert result.ok, described(result.errors)
        publish(session, result.version_id, actor=TESTER)
    totals = version_totals(session, result.version_id)
    assert_figures(totals.total, table.expected_totals, "total")
    assert set(totals.classes) == set(table.expected_classes)
    for code, expected in table.expected_classes.items():
        assert_figures(totals.classes[code], expected, f"class {code}")


def test_the_gallery_covers_what_real_tables_do() -> None:
    """The gallery itself: every unit, totals at the top and at the bottom, split codes, rounding,
    tables with and without a unit row, XLSX and CSV in each encoding."""
    units = {t.expected_unit for t in GALLERY}
    assert units == {Unit.YUAN, Unit.THOUSAND, Unit.WAN, Unit.YI}
    at_top = {t.totals_row == max(t.header_rows) + 1 for t in GALLERY}
    assert at_top == {True, False}  # totals rows at the top and at the bottom
    assert any(t.code_is_split for t in GALLERY) and any(t.rounding_warnings for t in GALLERY)
    assert any(t.unit_on_form for t in GALLERY) and any(not t.unit_on_form for t in GALLERY)
    assert {t.filename.rsplit(".", 1)[1] for t in GALLERY} == {"csv", "xlsx"}
    assert len(GALLERY) >= 12 and len({t.name for t in GALLERY}) == len(GALLERY)
    for table in GALLERY:
        assert 2031 <= table.year <= 2036 and table.level.startswith("示例")


# -- the unit ---------------------------------------------------------------------------------------


def test_a_unit_on_the_form_at_odds_with_the_table_is_refused(
    session: Session, in_lang, version_count
) -> None:
    """A table saying 单位：元 uploaded as 万元 would be 10,000 times too large: refused, naming
    both units, and nothing is written."""
    table = BY_NAME["urban-management-final-gb18030"]
    assert "单位：元".encode("gb18030") in table.content
    before = version_count()
    with in_lang("zh"):
        result = run(
            session,
            table.content,
            table.filename,
            year=table.year,
            stage=table.stage,
            unit=Unit.WAN,
            level=table.level,
        )
        texts = [message_text(p) for p in result.errors]
    assert not result.ok
    assert any("万元" in text and "元" in text.replace("万元", "") for text in texts), texts
    assert version_count() == before


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_table_without_a_unit_needs_one_from_the_form(
    session: Session, in_lang, version_count, lang: str
) -> None:
    """A table that does not say its unit is never read in an assumed one: the clerk is asked."""
    table = BY_NAME["district-adjusted-no-unit-row-gb18030"]
    before = version_count()
    with in_lang(lang):
        result = run(
            session,
            table.content,
            table.filename,
            year=table.year,
            stage=table.stage,
            unit=None,
            level=table.level,
        )
        texts = [message_text(p) for p in result.errors]
    assert not result.ok
    assert any(("单位" in t) if lang == "zh" else ("unit" in t.lower()) for t in texts), texts
    assert version_count() == before


#: Where the areas of :func:`livelihood_budget` are, by the published mapping.
LIVELIHOOD_ROWS = {
    "total": "totals",
    "education": "205",
    "employment": "20807",
    "social-assistance": "20819",
    "healthcare": "210",
    "housing": "221",
}


def unit_changed_next_year(session: Session, level: str) -> tuple[Any, PointTable]:
    """Last year's table published in 万元, and this year's draft of the same table without its
    unit row, uploaded as 元; returns the draft's import and last year's table."""
    last = livelihood_budget(2033, unit_row=True)
    this = livelihood_budget(2034, unit_row=False)
    first = run(session, last.content, last.filename, year=2033, level=level)
    assert first.ok, described(first.errors)
    publish(session, first.version_id, actor=TESTER)
    second = run(session, this.content, this.filename, year=2034, level=level, unit=Unit.YUAN)
    assert second.ok, described(second.errors)
    return second, last


def test_a_changed_unit_is_caught_before_it_is_published(session: Session, in_lang) -> None:
    """The same table next year without its unit row, uploaded as 元, makes every figure 10,000
    times too small: the clerk sees the total and each area with last year's figure and this
    one's, and cannot publish without saying so."""
    with in_lang("zh"):
        second, last = unit_changed_next_year(session, "示例市本级")
        flags = sanity_flags(session, second.version_id)
        texts = {flag.subject: flag_text(flag) for flag in flags}
        names = {slug: str(area.name) for slug, area in AREAS_BY_SLUG.items()}
    assert last.figures is not None
    ticks = {row.code: row.amounts[0] for row in last.figures.rows}
    ticks["totals"] = last.figures.total[0]
    # A tick is 0.01 万元 (10,000 分) last year, and 0.01 元 (1 分) read as 元 this year.
    expected = {
        subject: (ticks[row] * 10_000, ticks[row]) for subject, row in LIVELIHOOD_ROWS.items()
    }
    by_subject = {flag.subject: flag for flag in flags}
    assert set(expected) <= set(by_subject), texts
    for subject, (before, after) in expected.items():
        flag, text = by_subject[subject], texts[subject]
        assert (flag.before, flag.after) == (before, after), text
        assert ("合计" in text) if subject == "total" else (names[subject] in text), text
        assert shows_in_units(text, Decimal(before) / 100), (before, text)
        assert shows_in_units(text, Decimal(after) / 100), (after, text)
    with in_lang("zh"):
        with pytest.raises(StaffActionError):
            publish(session, second.version_id, actor=TESTER)
        assert publish(session, second.version_id, actor=TESTER, confirm=flags_token(flags))
    assert version_totals(session, second.version_id).total.budget == wan(
        Decimal(expected["total"][1]) / 100
    )


def test_a_confirmation_holds_whatever_the_pages_language(session: Session, in_lang) -> None:
    """The clerk may read the flags on the Chinese page and confirm on the English one (or from
    the command line): the confirmation is of the figures, not of the words they were shown in."""
    with in_lang("zh"):
        second, _ = unit_changed_next_year(session, "示例市本级")
        token = flags_token(sanity_flags(session, second.version_id))
    with in_lang("en"):
        assert publish(session, second.version_id, actor=TESTER, confirm=token)


# -- subtotals and codes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "wrong", "right"),
    [("section", "20502", "205"), ("class", "205", "totals"), ("totals", "totals", "205")],
)
def test_a_subtotal_off_by_more_than_rounding_is_an_error_on_its_own_row(
    session: Session, in_lang, version_count, where: str, wrong: str, right: str
) -> None:
    """A wrong 款 row is an error on the 款 row — not on its 类, which still equals the items
    under it; a wrong 类 row is an error on the 类 row, not on the totals row."""
    table = inconsistent_subtotal(where)
    before = version_count()
    with in_lang("en"):
        result = run(session, table.content, table.filename, level="示例区")
        texts = described(result.errors)
    assert not result.ok
    assert any(p.row == table.rows[wrong] for p in result.errors), texts
    assert not any(p.row == table.rows[right] for p in result.errors), texts
    assert not any("rounding" in message_text(p).lower() for p in result.warnings)
    assert version_count() == before


def test_a_valid_code_the_classification_does_not_list_keeps_its_name(
    session: Session, in_lang
) -> None:
    """A new item code (2089999) is a warning, not a refusal; the name the table gives it is kept
    with the version, to be shown where the classification has none."""
    table = unlisted_code()
    with in_lang("en"):
        result = run(session, table.content, table.filename, year=2033, level="示例区")
        assert result.ok, described(result.errors)
        texts = described(result.warnings)
    assert any("2089999" in text for text in texts), texts
    assert file_names(session, result.version_id).get("2089999") == "示例新增项目"


def test_a_code_that_is_no_expenditure_code_is_an_error_with_row_and_column(
    session: Session, in_lang, version_count
) -> None:
    """A revenue code, a two-digit code and letters in the code column: each an error on its row,
    in the code column."""
    table = invalid_codes()
    before = version_count()
    with in_lang("en"):
        result = run(session, table.content, table.filename)
        texts = described(result.errors)
    assert not result.ok
    for code in NOT_CODES:
        row = table.rows[code]
        assert any(p.row == row and p.column for p in result.errors), (code, row, texts)
    assert version_count() == before


# -- files that are no tables -----------------------------------------------------------------------

BAD = bad_inputs()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_file_gets_one_report_in_the_clerks_language(
    session: Session, in_lang, version_count, case: str, lang: str
) -> None:
    """An image, noise, a letter, a table with no code or no amount column, amounts in words: the
    clerk gets every problem at once (with row and column where there is one), in their language,
    and nothing is written."""
    table = BAD[case]
    before = version_count()
    with in_lang(lang):
        result = run(session, table.content, table.filename)
        messages = [message_text(p) for p in result.errors]
        texts = described(result.errors)
    assert not result.ok and messages
    judge = in_chinese if lang == "zh" else in_english
    assert all(judge(m) for m in messages), texts
    for value, row in table.rows.items():
        assert any(p.row == row and p.column and p.value == value for p in result.errors), (
            value,
            texts,
        )
    assert version_count() == before


def test_messages_differ_by_language(session: Session, in_lang) -> None:
    """The same file is reported in Chinese to a Chinese page and in English to an English one."""
    table = BAD["text-amounts"]
    reports: dict[str, Sequence[str]] = {}
    for lang in ("zh", "en"):
        with in_lang(lang):
            result = run(session, table.content, table.filename)
            reports[lang] = [message_text(p) for p in result.errors]
    assert len(reports["zh"]) == len(reports["en"]) >= 4
    assert all(zh != en for zh, en in zip(reports["zh"], reports["en"], strict=True))
