"""The Atom feeds: new dataset versions (``/<lang>/feeds/datasets.atom``) and newly published
replies (``/<lang>/proposals/feed.atom``): valid Atom, the right entries after a publish, absolute
URLs from PORTAL_PUBLIC_URL only, bounded, cached by data version, announced on their pages."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime
from xml.etree import ElementTree

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal import create_app
from portal.datasets.models import DatasetKind
from portal.datasets.services import create_version, get_or_create_dataset
from portal.opendata.feeds import FEED_LENGTH
from tests.helpers import publish_spending

ATOM = "{http://www.w3.org/2005/Atom}"
FEED = "/{lang}/feeds/datasets.atom"
PUBLIC = "https://spending.example.gov.cn"


def parse(body: bytes) -> ElementTree.Element:
    root = ElementTree.fromstring(body)
    assert root.tag == f"{ATOM}feed"
    return root


def check_atom(root: ElementTree.Element) -> None:
    """What RFC 4287 requires of a feed and of each entry (4.1.1, 4.1.2): one id, title and
    updated (an RFC 3339 date-time); an author for the feed; a link or content per entry."""
    for element in (root, *root.findall(f"{ATOM}entry")):
        for name in ("id", "title", "updated"):
            found = element.findall(f"{ATOM}{name}")
            assert len(found) == 1 and (found[0].text or "").strip(), (element.tag, name)
        datetime.fromisoformat(element.findtext(f"{ATOM}updated") or "")
        assert element.findtext(f"{ATOM}id", "").startswith("tag:")
    assert root.find(f"{ATOM}author/{ATOM}name") is not None
    self_links = [link for link in root.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert len(self_links) == 1
    for entry in root.findall(f"{ATOM}entry"):
        assert entry.find(f"{ATOM}link[@rel='alternate']") is not None
    ids = [e.findtext(f"{ATOM}id") for e in root.findall(f"{ATOM}entry")]
    assert len(ids) == len(set(ids)), "entry ids are unique"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_datasets_feed_is_valid_atom(client: FlaskClient, lang: str) -> None:
    response = client.get(FEED.format(lang=lang))
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    root = parse(response.data)
    check_atom(root)
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == (
        "zh-CN" if lang == "zh" else "en"
    )
    kinds = {c.get("term") for c in root.iter(f"{ATOM}category")}
    # the curated data: spending, indicators and projects (reference data is not announced)
    assert {"spending", "indicators", "projects"} <= kinds
    assert not kinds & {"classification", "mapping", "city", "national"}


def test_a_publish_is_the_newest_entry(client: FlaskClient, session: Session) -> None:
    before = client.get("/en/feeds/datasets.atom")
    version = publish_spending(
        session, 2031, [("208", "", "", "100", None, "90")], title="Budget 2031 test"
    )
    after = client.get("/en/feeds/datasets.atom")
    assert after.headers["ETag"] != before.headers["ETag"], "a publish changes the feed"
    root = parse(after.data)
    check_atom(root)
    newest = root.findall(f"{ATOM}entry")[0]
    assert newest.findtext(f"{ATOM}id", "").endswith(f":dataset-version:{version.id}")
    title = newest.findtext(f"{ATOM}title", "")
    assert "2031" in title and "Final accounts" in title and "version 1" in title
    assert "[Sample data]" in title  # publish_spending's versions are sample data
    summary = newest.findtext(f"{ATOM}summary", "")
    assert version.sha256 in summary and "Budget 2031 test" in summary
    assert root.findtext(f"{ATOM}updated") == newest.findtext(f"{ATOM}published")
    zh = parse(client.get("/zh/feeds/datasets.atom").data).findall(f"{ATOM}entry")[0]
    assert "决算" in (zh.findtext(f"{ATOM}title") or "")


def test_a_draft_is_not_in_the_feed(client: FlaskClient, session: Session) -> None:
    dataset = get_or_create_dataset(session, DatasetKind.SPENDING, 2032)
    draft = create_version(session, dataset, title="draft", source="tests", content=b"x")
    session.commit()
    body = client.get("/en/feeds/datasets.atom").get_data(as_text=True)
    assert f":dataset-version:{draft.id}<" not in body


def test_the_feed_is_bounded(client: FlaskClient, session: Session) -> None:
    for year in range(2040, 2040 + FEED_LENGTH + 3):
        publish_spending(session, year, [("205", "", "", "1", None, None)])
    entries = parse(client.get("/en/feeds/datasets.atom").data).findall(f"{ATOM}entry")
    assert len(entries) == FEED_LENGTH
    newest = entries[0].findtext(f"{ATOM}title", "")
    assert str(2040 + FEED_LENGTH + 2) in newest


def test_the_feed_is_cached_by_data_version(client: FlaskClient) -> None:
    first = client.get("/zh/feeds/datasets.atom")
    assert first.headers["X-Data-Version"]
    again = client.get("/zh/feeds/datasets.atom", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


@pytest.fixture
def public_app(app: Flask) -> Iterator[Callable[[], FlaskClient]]:
    """A client of an app with PORTAL_PUBLIC_URL set, inside the test's transaction."""
    made: list[Flask] = []

    def make() -> FlaskClient:
        other = create_app(
            {
                "TESTING": True,
                "DATABASE_URL": app.config["DATABASE_URL"],
                "DATA_DIR": app.config["DATA_DIR"],
                "PUBLIC_URL": PUBLIC,
                "TRUSTED_HOSTS": "portal.internal",
            }
        )
        other.extensions["portal.db"].bind_to(app.extensions["portal.db"].test_connection)
        made.append(other)
        return other.test_client()

    yield make
    for other in made:
        other.extensions["portal.db"].bind_to(None)
        other.extensions["portal.db"].engine.dispose()


@pytest.mark.parametrize("url", ["/zh/feeds/datasets.atom", "/en/proposals/feed.atom"])
def test_urls_come_from_the_public_address(public_app, url: str) -> None:
    client = public_app()
    # reached under another trusted name, over plain HTTP: the body names only the public address
    response = client.get(url, base_url="http://portal.internal")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "portal.internal" not in body
    hrefs = re.findall(r'href="([^"]+)"', body)
    assert hrefs and all(h.startswith(f"{PUBLIC}/") for h in hrefs), hrefs
    ids = re.findall(r"<id>([^<]+)</id>", body)
    assert ids and all(i.startswith("tag:spending.example.gov.cn,") for i in ids), ids
    # a forged Host is refused, not echoed (nor cached)
    forged = client.get(url, headers={"Host": "evil.example"})
    assert forged.status_code == 400 and b"evil.example" not in forged.data
    assert b"evil.example" not in client.get(url).data


def test_the_replies_feed_is_valid_atom(client: FlaskClient) -> None:
    for lang in ("zh", "en"):
        root = parse(client.get(f"/{lang}/proposals/feed.atom").data)
        check_atom(root)
        assert root.findall(f"{ATOM}entry"), "the sample items have published replies"


FEED_ALTERNATE = re.compile(
    r'<link rel="alternate" type="application/atom\+xml" href="([^"]+)" title="[^"]+">'
)


@pytest.mark.parametrize(
    ("page", "feeds"),
    [
        ("/{lang}/", {"/{lang}/feeds/datasets.atom", "/{lang}/proposals/feed.atom"}),
        ("/{lang}/areas/housing", {"/{lang}/feeds/datasets.atom"}),
        ("/{lang}/about-data", {"/{lang}/feeds/datasets.atom"}),
        ("/{lang}/data", {"/{lang}/feeds/datasets.atom"}),
        ("/{lang}/proposals", {"/{lang}/proposals/feed.atom"}),
    ],
)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_feeds_are_announced_on_their_pages(
    client: FlaskClient, page: str, feeds: set[str], lang: str
) -> None:
    html = client.get(page.format(lang=lang)).get_data(as_text=True)
    head = html.split("</head>")[0]
    wanted = {f.format(lang=lang) for f in feeds}
    assert set(FEED_ALTERNATE.findall(head)) == wanted
    body = html.split("</head>")[1]
    for feed in wanted:
        assert f'href="{feed}"' in body, f"a visible link to {feed}"


def test_every_link_to_a_version_reaches_its_row(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The feed's entries and the catalogue's landing pages link a version's row on the page of
    the downloads list that holds it, not only on the first (five to a page here)."""
    monkeypatch.setattr("portal.opendata.files.sources.PER_PAGE", 5)
    entries = parse(client.get("/en/feeds/datasets.atom").data).findall(f"{ATOM}entry")
    links = [
        str(e.find(f"{ATOM}link[@rel='alternate']").get("href"))  # type: ignore[union-attr]
        for e in entries
    ]
    catalogue = client.get("/api/v1/catalog").get_json()
    links += [d["dcat:landingPage"]["@id"] for d in catalogue["dcat:dataset"]]
    pages = set()
    for link in links:
        address, _, anchor = link.removeprefix("http://localhost").partition("#")
        if not anchor:
            continue  # the proposals ledger links its list
        page = client.get(address)
        assert page.status_code == 200, link
        assert f'id="{anchor}"' in page.get_data(as_text=True), link
        pages.add(address)
    assert len(pages) > 1  # not every version is on the first page
