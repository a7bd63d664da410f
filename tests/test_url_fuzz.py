"""Every GET address of the portal, fed arbitrary path segments and query parameters, anonymously,
as an administrator and as a deputy: never a 5xx. The addresses are read from ``app.url_map``, so a
new route is covered the day it is added.

PostgreSQL is where this matters most (it refuses NUL in text and integers beyond 2³¹−1); the
``app`` fixture runs it on SQLite and on PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote, unquote, urlencode, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import Rule
from werkzeug.routing.converters import IntegerConverter

from portal.spending.areas import AREA_SLUGS
from tests.helpers import make_user, sign_in
from tests.proposals.conftest import PASSWORD

#: Addresses known to answer a 5xx in code whose fix is pending elsewhere: a pattern of the path
#: → why. Remove an entry with its fix; the sweep reports it as an expected failure meanwhile.
PENDING: dict[str, str] = {}


#: Every query parameter some page reads, and names that Flask's ``url_for`` treats specially.
KNOWN_PARAMS = [
    "year", "area", "page", "q", "type", "status", "role", "class", "overdue", "due_soon",
    "replied", "on_time", "met", "handling", "result", "list", "action", "actor", "target",
    "since", "until", "lang", "next",
]  # fmt: skip
HOSTILE_PARAMS = ["endpoint", "_external", "_scheme", "_anchor", "_method", "values", "x"]

HUGE = [str(n) for n in (2**31, 2**31 - 1, 2**63, 10**20)] + ["1" + "0" * 4400]
AWKWARD_TEXT = [
    "", "0", "-1", "²⁰²⁴", "①", "４８", "٢٠٢٤", "\x00", "2024\x00", "a\x00b", "9999-12-31",
    "0001-01-01", "10000-01-01", "%", "..", "/", "\\", "zh", "en", "list", "budget-48",
    "budget-４８", "budget-99999999999999999999", "x" * 5000, "\u202e", "\ud7ff", "'; --",
]  # fmt: skip


#: Path segments that name something real, so that examples reach the pages and not only 404s.
PLAUSIBLE = [
    *AREA_SLUGS, "areas", "totals", "trend", "lines", "indicators", "projects", "mapping", "list",
    "budget-1", "by_year", "spending", "proposals", "city", "1", "2", "3",
]  # fmt: skip


def status_of(client: FlaskClient, url: str) -> int:
    """The response's status; 500 for an exception that escapes the app (a middleware's), which
    is what the WSGI server would answer."""
    try:
        return client.get(url).status_code
    except Exception as error:
        if not pending(url):
            raise AssertionError(url) from error
        return 500


def pending(url: str) -> str | None:
    path = unquote(urlsplit(url).path)
    return next((why for pattern, why in PENDING.items() if re.fullmatch(pattern, path)), None)


def texts() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(PLAUSIBLE),
        st.sampled_from(AWKWARD_TEXT),
        st.sampled_from(HUGE),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.text(max_size=30),
        st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    )


def get_rules(app: Flask) -> list[Rule]:
    return sorted(
        (r for r in app.url_map.iter_rules() if "GET" in (r.methods or ())),
        key=lambda r: r.rule,
    )


@st.composite
def addresses(draw: st.DrawFn, rules: list[Rule]) -> str:
    rule = draw(st.sampled_from(rules))
    path = rule.rule
    for name, converter in rule._converters.items():
        if name == "lang":
            value = draw(st.one_of(st.sampled_from(["zh", "en"]), texts()))
        elif isinstance(converter, IntegerConverter):
            value = draw(
                st.one_of(
                    st.integers(min_value=0, max_value=60).map(str),
                    st.integers(min_value=0, max_value=10**30).map(str),
                    st.sampled_from(HUGE),
                    texts(),
                )
            )
        else:
            value = draw(texts())
        pattern = next(p for p in (f"<{name}>", f"<int:{name}>", f"<path:{name}>") if p in path)
        path = path.replace(pattern, quote(value, safe="") or "x")
    query = draw(
        st.lists(
            st.tuples(
                st.one_of(st.sampled_from(KNOWN_PARAMS + HOSTILE_PARAMS), st.text(max_size=10)),
                texts(),
            ),
            max_size=4,
        )
    )
    return path + ("?" + urlencode(query) if query else "")


@pytest.fixture(params=["anonymous", "admin", "deputy"])
def visitor(request: pytest.FixtureRequest, app: Flask, session) -> Iterator[FlaskClient]:
    client = app.test_client()
    if request.param != "anonymous":
        email = f"fuzz-{request.param}@example.org"
        submitter_id = 1 if request.param == "deputy" else None
        make_user(session, email, role=request.param, submitter_id=submitter_id)
        assert sign_in(client, email, PASSWORD).status_code == 302
    yield client


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_address_answers_a_server_error(app: Flask, visitor: FlaskClient, data) -> None:
    url = data.draw(addresses(get_rules(app)), label="url")
    status = status_of(visitor, url)
    assert status < 500 or pending(url), (url, status)


#: Each finding of the review, on every GET address at once (the fuzzer may take a while to
#: combine the right address with the right value).
SWEEP = [
    "endpoint=x&_external=1&_scheme=javascript&_anchor=x",
    "page=" + str(10**20),
    "page=①&year=²⁰²⁴",
    "q=a%00b&actor=%00&action=%00&target=%00&list=%00&area=%00&class=%00&type=%00",
    "until=9999-12-31&since=0001-01-01",
    "next=%00&lang=%00",
]


def sweep_urls(app: Flask) -> list[str]:
    samples = {"lang": "zh", "slug": "education", "name": "list", "kind_name": "spending"}
    urls = []
    for rule in get_rules(app):
        path = rule.rule
        for name in rule.arguments:
            value = samples.get(name, "1")
            path = path.replace(
                next(p for p in (f"<{name}>", f"<int:{name}>", f"<path:{name}>") if p in path),
                value,
            )
        urls.append(path)
    return urls


@pytest.mark.parametrize("query", SWEEP)
def test_every_address_survives_each_finding(app: Flask, visitor: FlaskClient, query: str) -> None:
    failures = [
        (url, status)
        for url in sweep_urls(app)
        if (status := status_of(visitor, f"{url}?{query}")) >= 500
    ]
    assert not [(url, status) for url, status in failures if not pending(url)]
    if failures:
        pytest.xfail("; ".join(f"{url}: {pending(url)}" for url, _status in failures))
