"""Repeat anonymous requests for a cached page are answered by replaying what Flask sent
(portal.web.ReplayCachedHits): byte for byte the same answer, never one from before a publish,
never for a reader with a cookie."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from portal.datasets.services import bump_data_version
from portal.web import ReplayCachedHits

PAGES = [
    "/zh/?year=2024",
    "/en/areas/education?year=2024",
    "/api/v1/areas?year=2024",
    "/zh/proposals",
]


def replayer(app: Flask) -> ReplayCachedHits:
    replay: ReplayCachedHits = app.extensions["portal.replay"]
    return replay


def answer(response: TestResponse) -> tuple[int, list[tuple[str, str]], bytes]:
    return response.status_code, list(response.headers.items()), response.get_data()


@pytest.mark.parametrize("url", PAGES)
def test_a_replayed_answer_is_what_flask_sent(app: Flask, client: FlaskClient, url: str) -> None:
    first = answer(client.get(url))  # rendered and stored
    path, _, query = url.partition("?")
    assert ("", path, query, "localhost", "http") in replayer(app).replays
    again = answer(client.get(url))  # replayed
    assert again == first
    etag = dict(first[1])["ETag"]
    replayer(app).replays.clear()  # so that Flask answers this one (and it is remembered)
    flask_304 = client.get(url, headers={"If-None-Match": etag})
    assert answer(client.get(url)) == first  # Flask again, remembered too
    replayed_304 = client.get(url, headers={"If-None-Match": etag})
    assert flask_304.status_code == replayed_304.status_code == 304
    assert list(flask_304.headers.items()) == list(replayed_304.headers.items())


def test_a_publish_is_seen_by_the_next_request(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    url = "/api/v1/areas?year=2024"
    client.get(url)
    before = client.get(url).headers["X-Data-Version"]
    bump_data_version(session)
    session.commit()
    assert client.get(url).headers["X-Data-Version"] == str(int(before) + 1)


def test_a_reader_with_a_cookie_is_never_answered_by_a_replay(
    app: Flask, client: FlaskClient
) -> None:
    url = "/zh/?year=2024"
    client.get(url)
    client.get(url)
    client.set_cookie("portal_session", "somebody")
    response = client.get(url)
    assert response.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("url", ["/en/proposals", "/api/v1/proposals"])
def test_a_page_of_the_day_is_not_replayed_the_next_day(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setitem(app.config, "TODAY", "2026-11-26")
    first = client.get(url)
    flask_answers: list[str] = []
    replay = replayer(app)
    inner = replay.wsgi_app

    def counted(environ: dict, start_response: Any) -> Any:
        flask_answers.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    monkeypatch.setattr(replay, "wsgi_app", counted)
    assert answer(client.get(url)) == answer(first)
    assert flask_answers == []  # replayed the same day, without asking Flask
    monkeypatch.setitem(app.config, "TODAY", "2026-11-27")
    later = client.get(url)
    assert later.headers["ETag"] != first.headers["ETag"]
    assert "2026-11-27" in later.get_data(as_text=True) or "November 27, 2026" in later.get_data(
        as_text=True
    )
