"""Query parameters and number-like path segments, read one way (:mod:`portal.params`): each
finding of the review that answered a 500, and the response cache keyed on the known parameters
only (``?utm_source=`` is served from the same entry, ``?x=<random>`` adds none)."""

from __future__ import annotations

import re
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.datasets.models import Dataset, DatasetKind, DatasetVersion
from portal.params import ParamError, parse_date, parse_int, parse_text
from portal.web import CachedResponse, ResponseCache
from tests.helpers import make_user, sign_in
from tests.proposals.conftest import PASSWORD

HUGE_ID = 2**31
PAGE_HUGE = str(10**20)


def body(response) -> str:
    return response.get_data(as_text=True)


def signed_in(app: Flask, session, role: str) -> FlaskClient:
    client = app.test_client()
    email = f"params-{role}@example.org"
    make_user(session, email, role=role, submitter_id=1 if role == "deputy" else None)
    assert sign_in(client, email, PASSWORD).status_code == 302
    return client


@pytest.fixture
def admin(app: Flask, session) -> FlaskClient:
    return signed_in(app, session, "admin")


@pytest.fixture
def deputy(app: Flask, session) -> FlaskClient:
    return signed_in(app, session, "deputy")


@pytest.fixture
def spending_version(session) -> int:
    return session.scalars(
        select(DatasetVersion.id)
        .join(Dataset, DatasetVersion.dataset_id == Dataset.id)
        .where(Dataset.kind == DatasetKind.SPENDING)
        .limit(1)
    ).one()


def cache_size(app: Flask) -> int:
    return len(app.extensions["portal.response_cache"]._items)


# -- the parsing functions -----------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["²⁰²⁴", "①", "４８", "٤٨", "-1", "1.0", " 1", "", str(2**31)])
def test_numbers_are_ascii_digits_within_bounds(raw: str) -> None:
    assert parse_int(raw) is None
    assert parse_int("0048") == 48 and parse_int(str(2**31 - 1)) == 2**31 - 1


def test_text_is_bounded_and_without_control_characters() -> None:
    assert parse_text("q", "  学前  教育\t") == "学前 教育"
    for raw in ("a\x00b", "\x07", "x" * 101, "x" * 100_000):
        with pytest.raises(ParamError):
            parse_text("q", raw)


@pytest.mark.parametrize(
    "raw", ["9999-12-31", "0001-01-01", "２０２６-１１-２６", "20261126", "2026-02-30"]
)
def test_dates_are_iso_and_have_a_day_after(raw: str) -> None:
    with pytest.raises(ParamError):
        parse_date("until", raw)


# -- finding 5: public pages ---------------------------------------------------------------------


def html_pages(app: Flask) -> list[str]:
    """Every GET page under ``/<lang>/`` (with a sample value for its path segments)."""
    samples = {
        "slug": "education",
        "item_id": "1",
        "name": "list",
        "version_id": "1",
        "kind_name": "spending",
        "fmt": "csv",
    }
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or not rule.rule.startswith("/<lang>/"):
            continue
        url = rule.rule
        for name in rule.arguments:
            url = re.sub(rf"<(?:[^<>:]+:)?{name}>", "zh" if name == "lang" else samples[name], url)
        urls.append(url)
    return sorted(urls)


@pytest.mark.parametrize(
    "query",
    ["endpoint=x", "_external=1", "_scheme=javascript", "_anchor=x", "endpoint=x&_external=1"],
)
def test_url_for_arguments_in_the_query_are_ignored_on_every_page(
    app: Flask, client: FlaskClient, admin: FlaskClient, deputy: FlaskClient, query: str
) -> None:
    for visitor in (client, admin, deputy):
        for url in html_pages(app):
            response = visitor.get(f"{url}?{query}")
            assert response.status_code < 500, (url, query, response.status_code)
            if response.status_code == 200 and response.mimetype == "text/html":
                switch = switch_links(body(response))
                assert switch or "/embed/" in url, url  # embeds have no site chrome
                assert all(re.fullmatch(r"/[^#:]*", link) for link in switch), url


def switch_links(page: str) -> list[str]:
    """The language switch's links (in the head and in the header)."""
    return re.findall(r'hreflang="[^"]+" href="([^"]*)"', page) + re.findall(
        r'href="([^"]*)" hreflang=', page
    )


def test_the_language_switch_keeps_the_known_parameters_only(client: FlaskClient) -> None:
    page = body(client.get("/zh/proposals?status=closed&utm_source=a&endpoint=x"))
    assert 'href="/en/proposals?status=closed"' in page
    assert "utm_source" not in page and "endpoint" not in page


@pytest.mark.parametrize(
    "url",
    [
        "/zh/?year=²⁰²⁴",
        "/zh/areas/education?year=２０２４",
        "/api/v1/areas?year=²⁰²⁴",
        "/zh/download/areas.csv?year=٢٠٢٤",
        "/zh/proposals?page=①",
        "/zh/proposals?year=²⁰²⁵",
        "/api/v1/proposals?page=①",
        "/zh/proposals?page=" + PAGE_HUGE,
    ],
)
def test_non_ascii_digits_and_huge_numbers_in_the_query_are_a_400(
    client: FlaskClient, url: str
) -> None:
    assert client.get(url).status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        f"/zh/proposals/{HUGE_ID}",
        f"/api/v1/proposals/{HUGE_ID}",
        f"/zh/proposals/{10**20}",
        "/zh/proposals/٤",
        "/zh/proposals/download/budget-４８.csv",
        f"/zh/proposals/download/budget-{HUGE_ID}.csv",
        f"/zh/proposals/download/budget-{10**30}.csv",
    ],
)
def test_ids_beyond_a_database_integer_or_not_ascii_are_a_404(
    client: FlaskClient, url: str
) -> None:
    assert client.get(url).status_code == 404


def test_the_budget_table_of_an_item_is_still_found(client: FlaskClient) -> None:
    # the converter and int_id_or_404 only refuse what cannot be an id
    assert client.get("/zh/proposals/1").status_code == 200
    assert client.get("/zh/proposals/download/budget-1.csv").status_code in (200, 404)


@pytest.mark.parametrize(
    "url", ["/zh/proposals?q=a%00b", "/api/v1/proposals?q=%00", "/zh/proposals?class=%00"]
)
def test_nul_in_search_and_filters_is_a_400(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 400


def test_nul_is_explained_in_the_readers_language(client: FlaskClient) -> None:
    assert "control characters" in body(client.get("/en/proposals?q=a%00b"))


# -- finding 6: staff pages ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"/zh/staff/proposals/{HUGE_ID}",
        f"/zh/staff/proposals/{HUGE_ID}/edit",
        f"/zh/staff/versions/{HUGE_ID}",
        f"/zh/staff/versions/{HUGE_ID}/original",
    ],
)
def test_staff_ids_beyond_a_database_integer_are_a_404(admin: FlaskClient, url: str) -> None:
    assert admin.get(url).status_code == 404


def test_deputy_ids_beyond_a_database_integer_are_a_404(deputy: FlaskClient) -> None:
    assert deputy.get(f"/zh/my/proposals/{HUGE_ID}").status_code == 404
    assert deputy.get("/zh/my/proposals?page=①").status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        f"page={PAGE_HUGE}",
        "page=①",
        "q=%00",
        "list=%00",
        "page=0",
    ],
)
def test_the_staff_queue_refuses_bad_parameters(admin: FlaskClient, query: str) -> None:
    assert admin.get(f"/zh/staff/proposals/?{query}").status_code == 400


@pytest.mark.parametrize("query", [f"page={PAGE_HUGE}", "page=①", "list=%00&page=x"])
def test_the_version_preview_refuses_bad_pages(
    admin: FlaskClient, spending_version: int, query: str
) -> None:
    assert admin.get(f"/zh/staff/versions/{spending_version}?{query}").status_code == 400


def test_the_version_preview_has_no_page_beyond_its_last(
    admin: FlaskClient, spending_version: int
) -> None:
    assert admin.get(f"/zh/staff/versions/{spending_version}?page=99999").status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "until=9999-12-31",
        "since=0001-01-01",
        "until=２０２６-１１-２６",
        f"page={PAGE_HUGE}",
        "actor=%00",
        "action=a%00",
        "target=%00",
    ],
)
def test_the_audit_log_refuses_bad_parameters(admin: FlaskClient, query: str) -> None:
    assert admin.get(f"/en/staff/audit/?{query}").status_code == 400


def test_the_audit_log_pages_keep_the_filters_and_nothing_else(admin: FlaskClient) -> None:
    page = body(admin.get("/en/staff/audit/?until=2999-12-31&endpoint=x&utm_source=y"))
    assert "until=2999-12-31" in page and "endpoint=x" not in page and "utm_source" not in page


# -- finding 2/3: the response cache -------------------------------------------------------------


def test_unknown_parameters_add_no_cache_entry(app: Flask, client: FlaskClient) -> None:
    first = client.get("/zh/proposals")
    assert first.status_code == 200
    entries = cache_size(app)
    for _ in range(5):
        again = client.get(f"/zh/proposals?x={uuid.uuid4().hex}")
        assert again.status_code == 200 and again.headers["ETag"] == first.headers["ETag"]
    assert cache_size(app) == entries


def test_tracking_links_share_the_entry_and_etag(app: Flask, client: FlaskClient) -> None:
    for url in ("/zh/", "/zh/proposals", "/zh/areas/education", "/api/v1/areas"):
        plain = client.get(url)
        tracked = client.get(f"{url}?utm_source=a&utm_medium=b")
        assert tracked.status_code == 200 and tracked.headers["ETag"] == plain.headers["ETag"]
        assert tracked.data == plain.data


@pytest.mark.parametrize(
    "one, other",
    [
        ("/zh/proposals", "/zh/proposals?page=1"),
        ("/zh/proposals?year=2025&area=housing", "/zh/proposals?area=housing&year=2025"),
        ("/zh/proposals?status=closed", "/zh/proposals?status=%20closed%20&page=01"),
        (
            "/zh/download/lines.csv?year=2024&area=education",
            "/zh/download/lines.csv?area=education&year=2024",
        ),
        ("/zh/proposals/1", "/zh/proposals/0001"),
    ],
)
def test_equivalent_queries_share_one_entry(
    app: Flask, client: FlaskClient, one: str, other: str
) -> None:
    first = client.get(one)
    entries = cache_size(app)
    second = client.get(other)
    assert second.status_code == first.status_code
    assert second.headers.get("ETag") == first.headers.get("ETag")
    assert cache_size(app) == entries


def test_the_key_holds_no_request_header(client: FlaskClient) -> None:
    one = client.get("/zh/proposals", headers={"Host": "localhost"})
    other = client.get("/zh/proposals", headers={"Host": "127.0.0.1:8000", "Accept": "x/y"})
    assert one.status_code == other.status_code == 200
    assert one.headers["ETag"] == other.headers["ETag"]


def test_known_parameters_still_make_different_pages(client: FlaskClient) -> None:
    closed = client.get("/en/proposals?status=closed")
    in_hand = client.get("/en/proposals?status=in_hand")
    assert closed.headers["ETag"] != in_hand.headers["ETag"] and closed.data != in_hand.data


def test_the_cache_is_bounded_by_entries_and_by_bytes() -> None:
    def body_of(size: int) -> CachedResponse:
        return CachedResponse(b"x" * size, "text/html", ())

    cache = ResponseCache(3, max_bytes=800)
    for n in range(5):
        cache.put((n,), body_of(10))
    assert len(cache) == 3 and cache.get((0,)) is None and cache.get((4,)) is not None
    cache.put(("big",), body_of(101))  # more than an eighth of the budget: not kept
    assert cache.get(("big",)) is None
    by_bytes = ResponseCache(100, max_bytes=800)
    for n in range(12):
        by_bytes.put((n,), body_of(100))
    assert by_bytes.bytes == 800 and len(by_bytes) == 8 and by_bytes.get((3,)) is None
    for _ in range(3):  # storing a key again replaces it: counted once, nothing else evicted
        by_bytes.put((11,), body_of(50))
    assert by_bytes.bytes == 750 and len(by_bytes) == 8 and by_bytes.get((4,)) is not None
