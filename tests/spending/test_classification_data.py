"""Checks of the curated classification data (data/classification.csv) on its own, without the app."""

import csv
from collections import Counter, defaultdict
from pathlib import Path

import pytest

CSV_PATH = Path(__file__).resolve().parents[2] / "data" / "classification.csv"
COLUMNS = ["code", "year", "name_zh", "name_en", "verified", "source"]
YEARS = list(range(2021, 2027))

#: Classes 201…233 of the functional classification of expenditure in every year 2021–2026
#: (general public budget, government fund budget, state capital operation budget, and 209 of the
#: social insurance fund budget). 218, 225, 226 and 228 are not used in these years.
CLASSES = [
    "201", "202", "203", "204", "205", "206", "207", "208", "209", "210", "211", "212", "213",
    "214", "215", "216", "217", "219", "220", "221", "222", "223", "224", "227", "229", "230",
    "231", "232", "233",
]  # fmt: skip


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with CSV_PATH.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == COLUMNS
        return list(reader)


@pytest.fixture(scope="module")
def codes_by_year(rows) -> dict[int, set[str]]:
    result: dict[int, set[str]] = defaultdict(set)
    for row in rows:
        result[int(row["year"])].add(row["code"])
    return result


def test_file_format() -> None:
    raw = CSV_PATH.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "no BOM"
    assert b"\r" not in raw, "LF line endings"
    assert raw.endswith(b"\n")


def test_years_run_2021_to_2026(rows) -> None:
    assert sorted({int(r["year"]) for r in rows}) == YEARS


def test_every_class_in_every_year(codes_by_year) -> None:
    for year in YEARS:
        missing = [c for c in CLASSES if c not in codes_by_year[year]]
        assert not missing, f"{year}: classes without a row: {missing}"


def test_every_class_201_to_233_present_in_a_year_is_in_all_its_years(codes_by_year) -> None:
    # A class in 201…233 that exists in any year must have a row in every year.
    seen = {c for year in YEARS for c in codes_by_year[year] if len(c) == 3 and "201" <= c <= "233"}
    for year in YEARS:
        missing = sorted(seen - codes_by_year[year])
        assert not missing, f"{year}: classes without a row: {missing}"


def test_codes_are_3_5_or_7_digits_starting_with_2(rows) -> None:
    for row in rows:
        code = row["code"]
        assert code.isdigit() and len(code) in (3, 5, 7), code
        assert code.startswith("2"), code


def test_parents_exist_in_the_same_year(rows, codes_by_year) -> None:
    for row in rows:
        code, year = row["code"], int(row["year"])
        if len(code) >= 5:
            assert code[:3] in codes_by_year[year], f"{code} {year}: class {code[:3]} missing"
        if len(code) == 7:
            assert code[:5] in codes_by_year[year], f"{code} {year}: section {code[:5]} missing"


def test_no_duplicate_code_year(rows) -> None:
    duplicates = [k for k, n in Counter((r["code"], r["year"]) for r in rows).items() if n > 1]
    assert not duplicates


def test_sorted_by_code_then_year(rows) -> None:
    keys = [(r["code"], int(r["year"])) for r in rows]
    assert keys == sorted(keys)


def test_verified_is_true_or_false_and_verified_rows_cite_a_source(rows) -> None:
    for row in rows:
        assert row["verified"] in ("true", "false"), row
        if row["verified"] == "true":
            assert row["source"].strip(), f"{row['code']} {row['year']}: verified without a source"
        else:
            assert not row["source"].strip(), (
                f"{row['code']} {row['year']}: source on an unverified row"
            )


def test_names_are_filled(rows) -> None:
    for row in rows:
        assert row["name_zh"].strip() and row["name_en"].strip(), row
