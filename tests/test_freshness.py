"""A publish through one server is seen by the next request on another, with the data version kept
in Redis (the cheap check of the hot path) and whatever Redis does: up, down, back empty, back with
an old value, or a publisher that died between its commit and telling Redis.

Two apps on one database (a SQLite file, or a PostgreSQL schema when PORTAL_TEST_DATABASE_URL is
set), each with its own connections, and a Redis server of the test's own on a spare port, stopped
and started again (never the shared one)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from portal import create_app
from portal.datasets.models import DataState
from portal.datasets.services import bump_data_version
from portal.db import get_session
from portal.freshness import PENDING_KEY, VERSION_KEY, SharedVersion
from tests.helpers import publish_spending
from tests.servers import REDIS_SERVER, RedisServer, dispose

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed"),
]
AREAS = "/api/v1/areas?year=2023"


@pytest.fixture
def servers(database_url: str, redis_server: RedisServer) -> Iterator[tuple[Flask, Flask]]:
    config = {"TESTING": True, "DATABASE_URL": database_url, "REDIS_URL": redis_server.url}
    writer, reader = create_app(config), create_app(config)
    yield writer, reader
    for app in (writer, reader):
        dispose(app)


def executed_total(client: FlaskClient) -> int:
    answer = client.get(AREAS)
    assert answer.status_code == 200 and answer.json is not None
    return int(answer.json["total"]["executed"])


def publish(app: Flask, amount: str) -> int:
    """Publish a 2023 table of one line through *app*; returns the line's amount in yuan."""
    with app.app_context():
        publish_spending(get_session(), 2023, [("2050202", "", "", amount, amount, amount)])
    return int(float(amount) * 10_000)


def database_version(app: Flask) -> int:
    with app.app_context():
        return int(get_session().scalar(select(DataState.version)) or 0)


def shared(app: Flask) -> SharedVersion:
    version: SharedVersion = app.extensions["portal.shared_version"]
    return version


def test_the_next_request_on_another_server_sees_a_publish_whatever_redis_does(
    servers: tuple[Flask, Flask], redis_server: RedisServer
) -> None:
    writer, reader = servers
    client = reader.test_client()
    executed_total(client)  # connects to Redis (and reads the database)
    assert not shared(reader).trusted
    executed_total(client)  # Redis was reachable before the database was read: settled
    assert shared(reader).trusted

    # Redis up: the publish is told to Redis after its commit; the reader's next request sees it.
    before = executed_total(client)
    expected = publish(writer, "1.00")
    assert executed_total(client) == expected != before
    keys = redis.Redis.from_url(redis_server.url)
    assert int(keys.get(VERSION_KEY) or 0) == database_version(writer)
    assert keys.get(PENDING_KEY) is None

    # Redis down: the publish commits all the same, and readers read the database.
    redis_server.stop()
    expected = publish(writer, "2.00")
    assert executed_total(client) == expected
    assert not shared(reader).trusted

    # Redis back, empty: the version in it comes from the database, never from before the outage.
    redis_server.start()
    shared(reader).retry_at = 0.0  # instead of waiting out the second before Redis is tried again
    assert executed_total(client) == expected
    expected = publish(writer, "3.00")
    assert executed_total(client) == expected
    assert shared(reader).trusted
    assert int(keys.get(VERSION_KEY) or 0) == database_version(writer)

    # Redis restarted with an old value (as if saved to disk before a publish it never heard of):
    # the reader's connection broke, so it asks the database before trusting Redis again.
    old = database_version(writer)
    redis_server.stop()
    expected = publish(writer, "4.00")
    redis_server.start()
    keys.set(VERSION_KEY, old)
    assert executed_total(client) == expected
    shared(reader).retry_at = 0.0
    assert executed_total(client) == expected
    assert int(keys.get(VERSION_KEY) or 0) == database_version(writer)


def test_readers_use_the_version_in_redis_and_the_database_while_a_publish_is_pending(
    servers: tuple[Flask, Flask], redis_server: RedisServer
) -> None:
    writer, reader = servers
    client = reader.test_client()
    for _ in range(3):  # the connections to Redis made (each one read the database again)
        executed_total(client)
    assert shared(reader).trusted
    version = database_version(writer)
    keys = redis.Redis.from_url(redis_server.url)

    # The hot path asks Redis only: a version there that the database has not reached is what
    # the reader goes by (which is why only a committed publish ever raises it).
    keys.set(VERSION_KEY, version + 5)
    assert client.get(AREAS).headers["X-Data-Version"] == str(version + 5)

    # A publisher that announced its version and died before telling Redis it committed: readers
    # read the database until it has the announced version, then trust Redis again.
    keys.set(VERSION_KEY, version)
    keys.set(PENDING_KEY, f"{version + 1}:dead")
    assert client.get(AREAS).headers["X-Data-Version"] == str(version)
    assert keys.get(PENDING_KEY) is not None  # not committed yet: still pending
    with writer.app_context():  # the commit lands (without Redis hearing of it)
        get_session().execute(text("UPDATE data_state SET version = version + 1"))
        get_session().commit()
    assert client.get(AREAS).headers["X-Data-Version"] == str(version + 1)
    assert keys.get(PENDING_KEY) is None
    assert int(keys.get(VERSION_KEY) or 0) == version + 1


def test_a_rolled_back_publish_takes_its_announcement_back(
    servers: tuple[Flask, Flask], redis_server: RedisServer
) -> None:
    writer, reader = servers
    reader.test_client().get(AREAS)
    keys = redis.Redis.from_url(redis_server.url)
    before = keys.get(VERSION_KEY)
    with writer.app_context():
        session = get_session()
        bump_data_version(session)
        session.add(DataState(id=2, version=0))  # refused by the database when it is flushed
        with pytest.raises(IntegrityError):
            session.commit()  # announced, then the flush fails: no commit
        session.rollback()
    assert keys.get(PENDING_KEY) is None
    assert keys.get(VERSION_KEY) == before
