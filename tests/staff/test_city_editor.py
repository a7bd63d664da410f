"""The city facts editor: a draft from what staff type, its preview, publishing it (the brand line
and the per-resident figures change), bad input refused with every message and nothing written,
and who may use it."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEntry
from portal.datasets.models import DatasetKind, DatasetVersion, VersionStatus
from portal.datasets.services import sha256_hex
from portal.spending.city import facts_csv, read_facts
from tests.helpers import csrf_token, make_user, sign_in

PASSWORD = "correct horse battery"
EDITOR = "/{lang}/staff/city"


@pytest.fixture
def editor(client, session):
    make_user(session, "city-editor@example.org", role="editor")
    assert sign_in(client, "city-editor@example.org", PASSWORD).status_code == 302
    return client


def form_fields(page: str) -> dict[str, str]:
    """The form as the browser would send it back unchanged."""
    fields = {
        name: value
        for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page)
    }
    for name in re.findall(r'<input[^>]*name="([^"]+)"', page):
        fields.setdefault(name, "")
    for name, value in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>\s*([^<]*)</textarea>', page):
        fields[name] = value.strip()
    fields["csrf_token"] = csrf_token(page)
    fields.pop("submit", None)
    return fields


def page_title(page: str) -> str:
    match = re.search(r"<title>(.*?)</title>", page, re.S)
    assert match is not None, "the page has no title"
    return match.group(1)


def row_of(fields: dict[str, str], year: int) -> str:
    return next(
        k[: -len("-year")] for k, v in fields.items() if k.endswith("-year") and v == str(year)
    )


def test_the_form_is_prefilled_from_the_live_version(editor) -> None:
    page = editor.get(EDITOR.format(lang="zh")).get_data(as_text=True)
    fields = form_fields(page)
    assert fields["city_name_zh"] == "示例市"
    assert fields["bureau_name_en"] == "Sample City Finance Bureau"
    assert fields["source"] == ""  # the sample's source is no source for real figures
    years = sorted(v for k, v in fields.items() if k.endswith("-year") and v)
    assert years == ["2021", "2022", "2023", "2024", "2025"]
    assert fields[row_of(fields, 2024) + "-population_10k"] == "451.08"
    assert sum(1 for k, v in fields.items() if k.endswith("-year") and not v) == 3  # new years
    assert "示例市财政局" in page_title(page)


def test_saving_makes_a_draft_and_publishing_it_changes_the_site(editor, client, session) -> None:
    fields = form_fields(editor.get(EDITOR.format(lang="en")).get_data(as_text=True))
    row = row_of(fields, 2024)
    fields.update(
        city_name_zh="河清市",
        city_name_en="Heqing",
        bureau_name_zh="河清市财政局",
        bureau_name_en="Heqing Municipal Finance Bureau",
        source="《河清市2024年国民经济和社会发展统计公报》",
        source_en="Heqing statistical communiqué 2024",
    )
    fields[row + "-population_10k"] = "902.16"  # twice the sample's 451.08
    blank = next(k[: -len("-year")] for k, v in fields.items() if k.endswith("-year") and not v)
    fields.update({blank + "-year": "2026", blank + "-population_10k": "453.00"})
    before = client.get("/api/v1/areas?year=2024").json

    response = editor.post(EDITOR.format(lang="en"), data=fields)
    assert response.status_code == 303
    version_id = int(response.headers["Location"].rsplit("/", 1)[1])
    draft = session.get(DatasetVersion, version_id)
    assert draft.status == VersionStatus.DRAFT and draft.dataset.kind == DatasetKind.CITY
    assert not draft.sample and draft.created_by == "city-editor@example.org"
    facts = read_facts(session, draft.id)
    assert facts.names is not None
    assert facts.names.bureau_name_zh == "河清市财政局"
    assert [y.year for y in facts.years] == [2021, 2022, 2023, 2024, 2025, 2026]
    assert facts.years[3].population_10k == Decimal("902.16")
    assert draft.original_file == facts_csv(facts)
    assert draft.sha256 == sha256_hex(draft.original_file)
    audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "dataset.edit")).all()
    assert [(a.actor, a.target_id) for a in audit] == [("city-editor@example.org", str(draft.id))]

    # A draft changes nothing for readers; its page shows what publishing it would change.
    assert "Sample City Finance Bureau" in client.get("/en/").get_data(as_text=True)
    preview = editor.get(f"/en/staff/versions/{version_id}").get_data(as_text=True)
    assert "Names and years added, removed and changed" in preview
    assert "Sample City Finance Bureau → Heqing Municipal Finance Bureau" in preview
    assert "451.08 → 902.16" in preview and "2026" in preview

    published = editor.post(
        f"/en/staff/versions/{version_id}/publish",
        data={"csrf_token": csrf_token(preview)},
    )
    assert published.status_code == 303
    for lang, name in (("zh", "河清市财政局"), ("en", "Heqing Municipal Finance Bureau")):
        page = client.get(f"/{lang}/").get_data(as_text=True)
        assert f'<span class="brand-sub">{name}</span>' in page
        assert page_title(page).strip().endswith(name)
    after = client.get("/api/v1/areas?year=2024").json
    assert after["total"]["per_resident"] == pytest.approx(
        before["total"]["per_resident"] / 2, abs=0.01
    )


def test_bad_input_is_refused_with_every_message_and_nothing_is_written(editor, counts) -> None:
    fields = form_fields(editor.get(EDITOR.format(lang="en")).get_data(as_text=True))
    first, second = row_of(fields, 2021), row_of(fields, 2022)
    fields.update(
        {
            "bureau_name_zh": "",
            "source": "",
            first + "-population_10k": "4,48.6O",
            first + "-general_budget": "-5",
            second + "-year": "2021",
            second + "-general_final": "1e6",
        }
    )
    row_2023 = row_of(fields, 2023)
    fields[row_2023 + "-population_10k"] = "450.125"
    before = counts()
    for lang, expected in (
        (
            "en",
            [
                "Enter the finance bureau's name in Chinese.",
                "Name the document these figures come from.",
                "Year 2021, Resident population (10,000 people): Enter the population in 10,000 "
                "people as a number with at most two decimal places, e.g. 452.10.",
                "Year 2021, General public budget expenditure, budget (10,000 yuan): Enter the amount",
                "2021 is in the table twice.",
                "General public budget expenditure, final accounts (10,000 yuan): Enter the amount",
                "Year 2023, Resident population (10,000 people): Enter the population",
            ],
        ),
        (
            "zh",
            [
                "请输入财政局的中文名称。",
                "2021年在表中出现了两次。",
                "2021年，常住人口（万人）：请以万人为单位输入人口数，最多保留两位小数",
            ],
        ),
    ):
        response = editor.post(EDITOR.format(lang=lang), data=fields)
        assert response.status_code == 422
        page = response.get_data(as_text=True).replace("&#39;", "'")
        for message in expected:
            assert message in page, message
    assert counts() == before


def test_empty_rows_are_ignored_and_a_row_without_population_is_not(editor, counts) -> None:
    fields = form_fields(editor.get(EDITOR.format(lang="en")).get_data(as_text=True))
    blank = next(k[: -len("-year")] for k, v in fields.items() if k.endswith("-year") and not v)
    fields.update({blank + "-year": "2027", "source": "统计公报"})
    before = counts()
    response = editor.post(EDITOR.format(lang="en"), data=fields)
    assert response.status_code == 422
    assert (
        "Year 2027, Resident population (10,000 people): Enter the resident population of this year."
        in (response.get_data(as_text=True))
    )
    assert counts() == before


@pytest.mark.parametrize("role", [None, "deputy"])
def test_only_staff_reach_the_editor(client, session, counts, role) -> None:
    if role:
        make_user(session, "deputy-city@example.org", role=role, submitter_id=1)
        sign_in(client, "deputy-city@example.org", PASSWORD)
    page = client.get("/zh/")
    before = counts()
    response = client.get(EDITOR.format(lang="zh"))
    assert response.status_code == (302 if role is None else 403)
    if role is None:
        assert "/zh/login" in response.headers["Location"]
    posted = client.post(
        EDITOR.format(lang="zh"),
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)) if role else "",
            "city_name_zh": "某市",
        },
    )
    # Anonymous: the missing CSRF token is refused before anything else.
    assert posted.status_code == (400 if role is None else 403)
    assert counts() == before
