"""A real deployment: ``setup --no-sample`` loads no sample data at all, and until the bureau
publishes something every public page answers 200 with an empty state — in both languages, with
no sample banner and the portal's generic name alone."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urldefrag

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal import create_app
from portal.cli import setup_database
from portal.datasets.models import Dataset, DatasetKind, DatasetVersion
from portal.proposals.models import ProposalItem, ReplyClass
from tests.helpers import DATA_DIR, make_user, sign_in

EMPTY = {"zh": "尚未公布任何支出数据", "en": "No spending has been published yet"}
NO_PROPOSALS = {
    "zh": "尚未公布任何建议或提案",
    "en": "No suggestion or proposal has been published yet",
}
PAGES = ["/", "/?year=2024", "/areas/education", "/areas/childcare?year=2023", "/about-data"]
PROPOSAL_PAGES = ["/proposals", "/proposals/stats"]
DOWNLOADS = [
    "/download/areas.csv",
    "/download/areas.csv?year=2024",
    "/download/totals.csv",
    "/download/trend.csv?area=education",
    "/download/lines.csv?area=housing",
    "/download/indicators.csv",
    "/download/projects.csv?area=elderly-care",
    "/download/mapping.csv",
    "/download/national-education.csv",
    "/proposals/download/list.csv",
    "/proposals/feed.atom",
]
API = [
    "/api/v1/",
    "/api/v1/areas",
    "/api/v1/areas?year=2024",
    "/api/v1/totals",
    "/api/v1/areas/healthcare",
    "/api/v1/proposals",
    "/api/v1/proposals/stats",
]


def _app(tmp_path: Path, **config: object) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
            "DATA_DIR": str(DATA_DIR),
            **config,
        }
    )


@pytest.fixture(scope="module")
def empty_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    flask_app = _app(tmp_path_factory.mktemp("no-sample"))
    with flask_app.app_context():
        setup_database(DATA_DIR, log=lambda _m: None, sample=False)
    yield flask_app
    flask_app.extensions["portal.db"].engine.dispose()


@pytest.fixture
def empty_session(empty_app: Flask) -> Iterator:
    session = empty_app.extensions["portal.db"].sessionmaker()
    session.info["app"] = empty_app
    yield session
    session.close()


def test_only_the_real_reference_data_is_loaded(empty_app, empty_session) -> None:
    kinds = set(
        empty_session.scalars(select(Dataset.kind).where(Dataset.published_version_id.is_not(None)))
    )
    assert kinds == {DatasetKind.CLASSIFICATION, DatasetKind.MAPPING, DatasetKind.NATIONAL}
    assert not empty_session.scalar(select(func.count()).where(DatasetVersion.sample.is_(True)))
    assert not empty_session.scalar(select(func.count()).select_from(ProposalItem))
    # Reply classes are not sample data: replies to real items need them.
    assert empty_session.scalar(select(func.count()).select_from(ReplyClass))
    with empty_app.app_context():
        assert setup_database(DATA_DIR, log=lambda _m: None, sample=False) == 0


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path", PAGES + PROPOSAL_PAGES)
def test_every_page_shows_its_empty_state(empty_app, lang: str, path: str) -> None:
    response = empty_app.test_client().get(f"/{lang}{path}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert (NO_PROPOSALS if "proposals" in path else EMPTY)[lang] in page
    assert "sample-banner" not in page and "sample-tag" not in page
    # The portal's generic name alone: no city facts are published.
    assert 'class="brand-sub"' not in page
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    assert title is not None
    assert title.group(1).strip().endswith("民生支出公开平台" if lang == "zh" else "Portal")


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path", DOWNLOADS)
def test_downloads_are_empty_not_missing(empty_app, lang: str, path: str) -> None:
    response = empty_app.test_client().get(f"/{lang}{path}")
    assert response.status_code == 200
    if path.endswith(".csv") and "mapping" not in path and "national" not in path:
        body = response.get_data(as_text=True).lstrip("\ufeff")
        # The columns, and no rows.
        assert body.count("\r\n") == 1


@pytest.mark.parametrize("path", API)
def test_the_api_answers_with_empty_figures(empty_app, path: str) -> None:
    response = empty_app.test_client().get(path + ("&" if "?" in path else "?") + "lang=en")
    assert response.status_code == 200
    body = response.json
    if path.startswith("/api/v1/areas"):
        assert body["message"] == "No spending has been published yet."
        assert body["year"] is None and body["dataset"] is None


def test_every_link_on_the_empty_site_works(empty_app) -> None:
    """Follow every link a reader can reach from the home pages: none leads to an error."""
    client = empty_app.test_client()
    seen: set[str] = set()
    queue = ["/zh/", "/en/"]
    while queue and len(seen) < 400:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code in (200, 302), url
        if response.mimetype != "text/html":
            continue
        for href in re.findall(r'href="([^"]+)"', response.get_data(as_text=True)):
            link = urldefrag(href.replace("&amp;", "&"))[0]
            if link.startswith("/") and not link.startswith(("//", "/static/")):
                queue.append(link)
    assert len(seen) > 30


def test_the_back_office_works_on_an_empty_database(empty_app, empty_session) -> None:
    make_user(empty_session, "editor@example.org", role="editor")
    client = empty_app.test_client()
    assert sign_in(client, "editor@example.org", "correct horse battery").status_code == 302
    for path in ("/zh/staff/", "/en/staff/city", "/zh/staff/proposals/"):
        assert client.get(path).status_code == 200, path
    page = client.get("/en/staff/city").get_data(as_text=True)
    assert "No city facts are published yet." in page


def test_the_setting_turns_the_sample_off(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PORTAL_SAMPLE_DATA", "0")
    flask_app = _app(tmp_path)
    assert flask_app.config["SAMPLE_DATA"] is False
    result = flask_app.test_cli_runner().invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    session = flask_app.extensions["portal.db"].sessionmaker()
    try:
        assert not session.scalar(select(func.count()).where(DatasetVersion.sample.is_(True)))
    finally:
        session.close()
        flask_app.extensions["portal.db"].engine.dispose()


def test_the_flag_turns_the_sample_off(tmp_path) -> None:
    flask_app = _app(tmp_path)
    assert flask_app.config["SAMPLE_DATA"] is True
    result = flask_app.test_cli_runner().invoke(args=["setup", "--no-sample"])
    assert result.exit_code == 0, result.output
    session = flask_app.extensions["portal.db"].sessionmaker()
    try:
        assert not session.scalar(select(func.count()).select_from(ProposalItem))
        assert not session.scalar(select(func.count()).where(DatasetVersion.sample.is_(True)))
    finally:
        session.close()
        flask_app.extensions["portal.db"].engine.dispose()


@pytest.mark.parametrize("how", ["missing", "empty", "header only"])
def test_a_missing_or_empty_sample_file_does_not_stop_setup(tmp_path, how: str) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(DATA_DIR, data_dir)
    for name in ("city.csv", "city_profile.csv", "projects.csv", "proposals/items.csv"):
        path = data_dir / name
        if how == "missing":
            path.unlink()
        elif how == "empty":
            path.write_bytes(b"")
        else:
            path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", "utf-8")
    flask_app = _app(tmp_path, DATA_DIR=str(data_dir))
    messages: list[str] = []
    with flask_app.app_context():
        assert setup_database(data_dir, log=messages.append) > 0
    session = flask_app.extensions["portal.db"].sessionmaker()
    try:
        kinds = set(session.scalars(select(Dataset.kind)))
        assert DatasetKind.SPENDING in kinds
        assert DatasetKind.CITY not in kinds and DatasetKind.PROJECTS not in kinds
        assert not session.scalar(select(func.count()).select_from(ProposalItem))
    finally:
        session.close()
    assert any("city.csv" in m for m in messages)
    # The site runs on what was loaded: no names, no per-resident figures, no error.
    client = flask_app.test_client()
    for path in ("/zh/", "/en/areas/education", "/zh/about-data", "/zh/proposals"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert 'class="brand-sub"' not in response.get_data(as_text=True)
    flask_app.extensions["portal.db"].engine.dispose()
