"""City facts are a dataset like the others: the sample city's names come with its population and
totals in one version of the city dataset, the published snapshot carries them, and the brand
line and page titles name the published bureau in the page's language (or no bureau at all)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.datasets.models import Dataset, DatasetKind
from portal.datasets.services import create_version, get_or_create_dataset, publish_version
from portal.spending.city import CityFacts, compare_facts, facts_csv, insert_facts, read_facts
from portal.spending.queries import CityFigures, CityNames

SAMPLE_NAMES = CityNames("示例市", "Sample City", "示例市财政局", "Sample City Finance Bureau")


def title_of(page: str) -> str:
    match = re.search(r"<title>(.*?)</title>", page, re.S)
    assert match is not None
    return match.group(1).strip()


def test_the_sample_city_is_one_versioned_dataset_with_its_names(session, snapshot) -> None:
    datasets = session.scalars(select(Dataset).where(Dataset.kind == DatasetKind.CITY)).all()
    assert len(datasets) == 1
    live = datasets[0].published_version
    assert live is not None and live.sample
    facts = read_facts(session, live.id)
    assert facts.names == SAMPLE_NAMES
    assert [y.year for y in facts.years] == [2021, 2022, 2023, 2024, 2025]
    assert facts.years[-1] == CityFigures(2025, Decimal("452.10"), Decimal("5760000.00"), None)
    assert live.original_file == facts_csv(facts)  # the file says exactly what was loaded
    published = snapshot()
    assert published.city_profile == SAMPLE_NAMES
    assert published.city[2024].population_10k == Decimal("451.08")


@pytest.mark.parametrize(
    "path, name",
    [
        ("/zh/", "示例市财政局"),
        ("/en/", "Sample City Finance Bureau"),
        ("/en/areas/education", "Sample City Finance Bureau"),
        ("/zh/about-data", "示例市财政局"),
        ("/en/proposals", "Sample City Finance Bureau"),
        ("/zh/login", "示例市财政局"),
        ("/en/no-such-page", "Sample City Finance Bureau"),
    ],
)
def test_the_brand_line_and_titles_name_the_bureau(client, path: str, name: str) -> None:
    page = client.get(path).get_data(as_text=True)
    assert f'<span class="brand-sub">{name}</span>' in page
    assert title_of(page).endswith(f" · {name}")
    if path.startswith("/zh/"):
        assert "Sample City Finance Bureau" not in page


def test_city_facts_without_names_leave_the_portal_name_alone(client, session) -> None:
    facts = CityFacts.of(None, [CityFigures(2024, Decimal("900.00"), None, None)])
    version = create_version(
        session,
        get_or_create_dataset(session, DatasetKind.CITY),
        title="城市人口",
        source="统计公报",
        content=facts_csv(facts),
    )
    insert_facts(session, version.id, facts)
    with session.info["app"].app_context():
        publish_version(session, version, published_by="tests")
    session.commit()
    page = client.get("/en/?year=2024").get_data(as_text=True)
    assert 'class="brand-sub"' not in page
    assert title_of(page) == "Livelihood spending 2024 · Livelihood Spending Portal"
    assert client.get("/api/v1/areas?year=2024").json["total"]["per_resident"] is not None


def test_the_file_of_a_version_is_the_names_then_the_years() -> None:
    facts = CityFacts.of(
        SAMPLE_NAMES,
        [
            CityFigures(2025, Decimal("452.10"), Decimal("5760000.00"), None),
            CityFigures(2024, Decimal("451.08"), Decimal("5530000.00"), Decimal("5703245.18")),
        ],
    )
    assert facts_csv(facts).decode() == (
        "city_name_zh,city_name_en,bureau_name_zh,bureau_name_en\n"
        "示例市,Sample City,示例市财政局,Sample City Finance Bureau\n"
        "\n"
        "year,population_10k,general_budget_expenditure_budget,general_budget_expenditure_final\n"
        "2024,451.08,5530000.00,5703245.18\n"
        "2025,452.10,5760000.00,\n"
    )


def test_compare_lists_names_and_years_that_change() -> None:
    old = CityFacts.of(
        SAMPLE_NAMES,
        [
            CityFigures(2023, Decimal("450.12"), Decimal("5360000.00"), None),
            CityFigures(2024, Decimal("451.08"), Decimal("5530000.00"), None),
        ],
    )
    new = CityFacts.of(
        CityNames("河清市", "", "河清市财政局", "Heqing Finance Bureau"),
        [
            CityFigures(2024, Decimal("451.080"), Decimal("5530000"), Decimal("5703245.18")),
            CityFigures(2025, Decimal("452.10"), None, None),
        ],
    )
    changes = [(c.key, c.kind, c.fields) for c in compare_facts(old, new)]
    assert changes == [
        ("city_name_zh", "changed", (("city_name_zh", "示例市", "河清市"),)),
        ("city_name_en", "removed", (("city_name_en", "Sample City", ""),)),
        ("bureau_name_zh", "changed", (("bureau_name_zh", "示例市财政局", "河清市财政局"),)),
        (
            "bureau_name_en",
            "changed",
            (("bureau_name_en", "Sample City Finance Bureau", "Heqing Finance Bureau"),),
        ),
        (
            "2023",
            "removed",
            (
                ("population_10k", Decimal("450.12"), None),
                ("general_budget", Decimal("5360000.00"), None),
                ("general_final", None, None),
            ),
        ),
        # Equal amounts written differently are no change; the final accounts are.
        ("2024", "changed", (("general_final", None, Decimal("5703245.18")),)),
        (
            "2025",
            "added",
            (
                ("population_10k", None, Decimal("452.10")),
                ("general_budget", None, None),
                ("general_final", None, None),
            ),
        ),
    ]
    assert compare_facts(new, new) == []
