"""Login limits hold across workers: without Redis the counts live in the database, so a second
app (another worker, another server) on the same database sees the attempts of the first."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from portal.db import get_session
from tests.helpers import make_user, sign_in

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
WRONG = "guess-guess-guess"

#: Another worker: its own process, its own create_app on the same database.
OTHER_WORKER = """
import sys
from portal import create_app
from tests.helpers import sign_in

app = create_app({"TESTING": True, "DATABASE_URL": sys.argv[1], **eval(sys.argv[4])})
client = app.test_client()
codes = [sign_in(client, sys.argv[2], "guess-guess-guess", lang="en").status_code
         for _ in range(int(sys.argv[3]))]
print(",".join(map(str, codes)))
"""


def attempts_in_another_worker(url: str, email: str, count: int, **config) -> list[int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    result = subprocess.run(
        [sys.executable, "-c", OTHER_WORKER, url, email, str(count), repr(config)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return [int(code) for code in result.stdout.strip().splitlines()[-1].split(",")]


def test_per_account_attempts_count_across_workers(committing_app, database_url) -> None:
    app = committing_app
    with app.app_context():
        make_user(get_session(), "target@example.org")
    here = app.test_client()
    assert [sign_in(here, "target@example.org", WRONG).status_code for _ in range(3)] == [200] * 3
    assert attempts_in_another_worker(database_url, "target@example.org", 3) == [200, 200, 429]
    refused = sign_in(here, "target@example.org", PASSWORD, lang="en")
    assert refused.status_code == 429  # the right password, but the account's limit is used up
    assert "Too many requests" in refused.get_data(as_text=True)
    assert int(refused.headers["Retry-After"]) > 0
    from portal.accounts.models import RateLimitCounter

    with app.app_context():
        counters = get_session().scalar(select(func.count()).select_from(RateLimitCounter))
        assert counters is not None and counters >= 2


def test_concurrent_workers_allow_exactly_the_limit(committing_app, database_url) -> None:
    """Two workers trying one account at the same moment: together they get the limit, no more
    (in memory each allowed it again)."""
    limits = {
        "LOGIN_LIMIT_PER_ACCOUNT": "12 per minute",
        "LOGIN_LIMIT_PER_ADDRESS": "1000 per minute",
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                OTHER_WORKER,
                database_url,
                "shared@example.org",
                "15",
                repr(limits),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    codes = []
    for worker in workers:
        out, _err = worker.communicate(timeout=120)
        assert worker.returncode == 0
        codes += [int(code) for code in out.strip().splitlines()[-1].split(",")]
    assert sorted(set(codes)) == [200, 429]
    assert codes.count(200) == 12


def test_per_address_attempts_count_across_workers(committing_app, database_url) -> None:
    limit = {"LOGIN_LIMIT_PER_ADDRESS": "4 per minute", "LOGIN_LIMIT_PER_ACCOUNT": "100 per minute"}
    app = committing_app
    app.config.update(limit)
    here = app.test_client()
    emails = [f"nobody{i}@example.org" for i in range(3)]
    assert [sign_in(here, e, WRONG).status_code for e in emails] == [200] * 3
    assert attempts_in_another_worker(database_url, "someone@example.org", 2, **limit) == [200, 429]
    assert sign_in(here, "else@example.org", WRONG).status_code == 429


def test_two_apps_in_one_process_share_the_counts(committing_app, database_url) -> None:
    """Flask-Limiter's limiter is one object per process; each app still counts in its own
    database (and two apps on one database count together)."""
    from portal import create_app
    from tests.servers import dispose

    app = committing_app
    second = create_app({"TESTING": True, "DATABASE_URL": database_url})
    try:
        first_client, second_client = app.test_client(), second.test_client()
        codes = [sign_in(first_client, "x@example.org", WRONG).status_code for _ in range(3)]
        codes += [sign_in(second_client, "x@example.org", WRONG).status_code for _ in range(3)]
        assert codes == [200] * 5 + [429]
        from portal.accounts.models import RateLimitCounter

        with app.app_context():
            stored = get_session().scalar(select(func.sum(RateLimitCounter.hits)))
        assert stored and stored >= 6
    finally:
        dispose(second)
