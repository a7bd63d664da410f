"""What must hold when things go wrong or happen at once, on a real database with real commits:

- killing the import process at random moments (SIGKILL: no clean-up at all) leaves the published
  data exactly as it was — or, if the kill came after the commit, exactly the new version;
- two publishes of different versions of one dataset at the same moment end with one of them
  published, its aggregates matching its lines, and readers never see a mix.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select, text

from portal import create_app
from portal.datasets.models import Dataset, DatasetKind, DatasetVersion, DataState, Stage
from portal.datasets.publishing import publishing_of, register_publishing
from portal.db import get_session
from portal.roles import Actor
from portal.spending.aggregation import load_mapper
from portal.spending.areas import AREA_SLUGS
from portal.spending.models import AreaTotal, BudgetLine
from portal.spending.upload import import_spending
from portal.staff import preview
from portal.staff.services import publish
from portal.uploads.units import Unit
from tests.helpers import spending_request
from tests.servers import close_reader_connection
from tests.staff.files import VALID_2023, csv_bytes, generated_lines, write

ROOT = Path(__file__).resolve().parents[2]


def published_state(app: Flask) -> dict[str, Any]:
    """The published pointers, the data version, what is stored, and what the public API says."""
    with app.app_context():
        session = get_session()
        state = {
            "pointers": sorted(
                session.execute(select(Dataset.id, Dataset.published_version_id)).all()
            ),
            "data_version": session.scalar(select(DataState.version)),
            "versions": session.scalar(select(func.count()).select_from(DatasetVersion)),
            "lines": session.scalar(select(func.count()).select_from(BudgetLine)),
        }
        if app.config["DATABASE_URL"].startswith("sqlite"):
            state["integrity"] = session.execute(text("PRAGMA integrity_check")).scalar()
    app.extensions.pop("portal.snapshot", None)
    app.extensions["portal.response_cache"]._items.clear()
    api = app.test_client().get("/api/v1/areas?year=2023").json
    assert api is not None
    state["api"] = (api["dataset"]["version"], api["total"])
    return state


def test_killing_the_import_at_random_moments_changes_nothing(
    tmp_path: Path, sqlite_template: Path
) -> None:
    database = tmp_path / "kill.sqlite3"
    shutil.copy(sqlite_template, database)
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{database}"})
    pristine = tmp_path / "pristine.sqlite3"
    shutil.copy(database, pristine)
    before = published_state(app)
    app.extensions["portal.db"].engine.dispose()

    rows = generated_lines(80_000, ["2050202", "2050203", "21003", "2081002"])
    path = write(tmp_path, "big.csv", csv_bytes(rows))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update(PORTAL_DATABASE_URL=f"sqlite:///{database}", PORTAL_DEBUG="1")
    command = [
        sys.executable, "-m", "flask", "--app", "portal", "import", "spending", str(path),
        "--year", "2023", "--stage", "final", "--title", "kill test", "--source", "tests",
        "--unit", "wan", "--publish", "--confirm-figures", "--lang", "en",
    ]  # fmt: skip

    def restore() -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        shutil.copy(pristine, database)

    started = time.monotonic()
    finished = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, check=False)
    duration = time.monotonic() - started
    assert finished.returncode == 0, finished.stderr.decode()
    completed = published_state(app)
    app.extensions["portal.db"].engine.dispose()
    assert completed["api"][0] != before["api"][0]  # the import does publish when not killed

    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    outcomes = []
    # Half the kills at any moment, half once the check is over and lines are being written.
    for attempt in range(8):
        restore()
        process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        if attempt % 2 == 0:
            time.sleep(rng.uniform(0.3, duration))
        else:
            assert process.stderr is not None
            while (line := process.stderr.readline()) and b"Writing" not in line:
                pass
            time.sleep(rng.uniform(0, 0.6))
        process.send_signal(signal.SIGKILL)
        process.communicate()
        after = published_state(app)
        app.extensions["portal.db"].engine.dispose()
        # Killed before the commit: nothing changed. After it (even before the process could say
        # so): all of the new version. Never anything in between.
        assert after in (before, completed), f"seed {seed}, attempt {attempt}"
        outcomes.append("untouched" if after == before else "done")
    assert "untouched" in outcomes, f"seed {seed}"


def test_two_publishes_at_once_end_with_one_winner_and_no_mix(
    committing_app: Flask, tmp_path: Path
) -> None:
    app = committing_app
    versions = {}
    with app.test_request_context("/en/"):
        session = get_session()
        # In 亿元, of the sample's size: neither publish needs its figures confirmed.
        for name, factor in (("a", 0.2), ("b", 0.4)):
            rows = [[*r[:4], *(f"{float(v) * factor:.2f}" for v in r[4:])] for r in VALID_2023]
            result = import_spending(
                session,
                write(tmp_path, f"{name}.csv", csv_bytes(rows)),
                spending_request(
                    "tests", unit=Unit.YI, title=f"version {name}", source_doc="tests"
                ),
            )
            assert result.ok
            assert result.version_id is not None
            versions[name] = result.version_id
        session.commit()
        mapper = load_mapper(session)
        expected = {}
        for version_id in versions.values():
            figures = preview.area_figures(session, version_id, mapper)
            total = 0
            for slug in AREA_SLUGS:
                if slug in figures:
                    executed = figures[slug].executed
                    assert executed is not None
                    total += int(executed * 10_000)
            expected[version_id] = total
        before_data_version = session.scalar(select(DataState.version))
        assert before_data_version is not None
    old = published_state(app)["api"]

    # Widen the window: each publish holds its transaction a while inside the publish hooks.
    def slow_hook(_session: Any, _version: Any) -> None:
        time.sleep(0.3)

    register_publishing(app, DatasetKind.SPENDING, hook=slow_hook)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    seen: list[tuple[int, int | None]] = []
    stop = threading.Event()

    def publisher(version_id: int) -> None:
        try:
            with app.app_context():
                session = get_session()
                barrier.wait()
                publish(session, version_id, actor=Actor(f"thread {version_id}"))
                session.commit()
        except BaseException as error:
            errors.append(error)

    def reader() -> None:
        client = app.test_client()
        try:
            while not stop.is_set():
                api = client.get("/api/v1/areas?year=2023").json
                assert api is not None
                seen.append((api["dataset"]["version"], api["total"]["executed"]))
        finally:
            close_reader_connection(app)

    threads = [threading.Thread(target=publisher, args=(v,)) for v in versions.values()]
    watcher = threading.Thread(target=reader)
    try:
        watcher.start()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        stop.set()
        watcher.join(timeout=60)
        with app.app_context():
            publishing_of(DatasetKind.SPENDING).hooks.remove(slow_hook)
    assert not errors, errors

    with app.app_context():
        session = get_session()
        dataset = session.scalar(
            select(Dataset).where(
                Dataset.kind == DatasetKind.SPENDING,
                Dataset.year == 2023,
                Dataset.stage == Stage.FINAL,
            )
        )
        assert dataset is not None
        winner = dataset.published_version_id
        assert winner is not None
        assert winner in versions.values()
        assert session.scalar(select(DataState.version)) == before_data_version + 2
        stored = {
            t.area: t.executed
            for t in session.scalars(select(AreaTotal).where(AreaTotal.version_id == winner))
        }
        computed = preview.area_figures(session, winner, load_mapper(session))
        assert stored == {area: f.executed for area, f in computed.items()}
        numbers = {v.id: v.number for v in dataset.versions}
    final = published_state(app)["api"]
    assert final[0] == numbers[winner] and final[1]["executed"] == expected[winner]
    # Every answer a reader got was one whole version: the old one, a's or b's.
    consistent = {(old[0], old[1]["executed"])} | {
        (numbers[v], expected[v]) for v in versions.values()
    }
    assert set(seen) <= consistent
