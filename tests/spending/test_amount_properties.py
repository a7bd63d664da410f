"""Properties of reading amounts and codes, over every way a clerk's table may write them: an
amount is exact to the 分 or refused, never rounded; a code is the same code however it is spaced
or whichever digits it is typed in."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.spending.upload.codes import join_split_code, normalise_code
from portal.uploads.amounts import CellError, parse_amount
from portal.uploads.units import Unit

#: Decimal places an amount may have in each unit and still be whole 分.
PLACES = {Unit.YUAN: 2, Unit.THOUSAND: 5, Unit.WAN: 6, Unit.YI: 10}
#: The largest line a table may hold: one trillion yuan, in 分.
MAX_FEN = 10**14
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
SPACES = st.sampled_from(["", " ", "  ", "\t", "\u3000"])
#: Functional classes of expenditure (类).
CLASSES = (
    "201", "202", "203", "204", "205", "206", "207", "208", "210", "211", "212", "213", "214",
    "215", "216", "217", "219", "220", "221", "222", "224", "227", "229", "230", "231", "232",
    "233",
)  # fmt: skip

SETTINGS = settings(max_examples=300, deadline=None, database=None)


def group_thousands(digits: str) -> str:
    head = len(digits) % 3 or 3
    return ",".join([digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)])


@st.composite
def written_amounts(draw: st.DrawFn) -> tuple[str, Unit, int]:
    """An amount in 分 and a way a table writes it in some unit: any places up to the unit's,
    trailing zeros, thousands separators, full-width digits, spaces around, a minus sign."""
    unit = draw(st.sampled_from(list(PLACES)))
    fen = draw(st.integers(min_value=0, max_value=MAX_FEN))
    negative = draw(st.booleans()) and fen > 0
    value = Decimal(fen).scaleb(-PLACES[unit]).normalize()
    whole, _, fraction = f"{value:f}".partition(".")
    fraction += "0" * draw(st.integers(min_value=0, max_value=3))
    if draw(st.booleans()):
        whole = group_thousands(whole)
    text = whole + ("." + fraction if fraction else "")
    if draw(st.booleans()):
        text = text.translate(FULL_WIDTH)
    if negative:
        text = "-" + text
    text = draw(SPACES) + text + draw(SPACES)
    return text, unit, -fen if negative else fen


@SETTINGS
@given(written_amounts())
def test_an_amount_is_read_exactly_to_the_fen(case: tuple[str, Unit, int]) -> None:
    """Whatever the formatting, the figure is exactly the one written, as whole 分."""
    text, unit, fen = case
    assert parse_amount(text, unit) == fen


@SETTINGS
@given(
    unit=st.sampled_from(list(PLACES)),
    whole=st.integers(min_value=0, max_value=10**4),
    extra=st.integers(min_value=1, max_value=3),
    data=st.data(),
)
def test_more_places_than_the_fen_are_refused(
    unit: Unit, whole: int, extra: int, data: st.DataObject
) -> None:
    """An amount finer than the 分 is refused, never rounded: the clerk checks the unit."""
    places = PLACES[unit] + extra
    fraction = data.draw(st.integers(min_value=0, max_value=10**places - 1))
    digits = str(fraction).rjust(places, "0")
    if digits.endswith("0"):  # the last written place must be significant
        digits = digits[:-1] + "5"
    with pytest.raises(CellError):
        parse_amount(f"{whole}.{digits}", unit)


@SETTINGS
@given(
    unit=st.sampled_from(list(PLACES)),
    words=st.text(alphabet="待定约计见附表万余abcxyzQ#@&", min_size=1, max_size=6),
    digits=st.sampled_from(["", "100", "1.5", "12,000"]),
    before=st.booleans(),
)
def test_words_are_not_amounts(unit: Unit, words: str, digits: str, before: bool) -> None:
    """Text in an amount cell is an error for the clerk to fix, never a guess."""
    text = digits + words if before else words + digits
    with pytest.raises(CellError):
        parse_amount(text, unit)


@pytest.mark.parametrize("text", ["", "-", "—", " ", " - ", "\u3000—\u3000", "无", " 无 "])
@pytest.mark.parametrize("unit", list(PLACES))
def test_blank_and_dashes_are_nothing(text: str, unit: Unit) -> None:
    """A blank cell, a dash and 无 are how tables write "nothing here"."""
    assert parse_amount(text, unit) is None


@st.composite
def codes(draw: st.DrawFn) -> str:
    """A functional classification code of expenditure: a 类, a 款 or a 项."""
    parts = [draw(st.sampled_from(CLASSES))]
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        parts.append(f"{draw(st.integers(min_value=1, max_value=99)):02d}")
    return "".join(parts)


@SETTINGS
@given(code=codes(), data=st.data())
def test_a_code_however_spaced_or_typed_is_the_same_code(code: str, data: st.DataObject) -> None:
    """Written "208 05 05", "２０８０５０５" or " 2080505 ", the code is 2080505."""
    groups = [code[:3], code[3:5], code[5:7]]
    text = groups[0]
    for group in (g for g in groups[1:] if g):
        text += data.draw(SPACES) + group
    if data.draw(st.booleans()):
        text = text.translate(FULL_WIDTH)
    text = data.draw(SPACES) + text + data.draw(SPACES)
    assert normalise_code(text) == code


@SETTINGS
@given(
    lei=st.sampled_from(CLASSES),
    kuan=st.integers(min_value=1, max_value=99),
    xiang=st.integers(min_value=1, max_value=99),
    kuan_padded=st.booleans(),
    xiang_padded=st.booleans(),
)
def test_split_columns_join_into_the_seven_digit_code(
    lei: str, kuan: int, xiang: int, kuan_padded: bool, xiang_padded: bool
) -> None:
    """类 / 款 / 项 in three columns, 款 and 项 written "5" or "05", give the one code."""

    def written(number: int, padded: bool) -> str:
        return f"{number:02d}" if padded else str(number)

    code = join_split_code(lei, written(kuan, kuan_padded), written(xiang, xiang_padded))
    assert code == f"{lei}{kuan:02d}{xiang:02d}"
    assert join_split_code(lei, written(kuan, kuan_padded), "") == f"{lei}{kuan:02d}"
