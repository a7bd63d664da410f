"""What a newcomer installing the portal gets: a built package carries the compiled Chinese
catalogue, and an app without it refuses to start instead of serving English under /zh/."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from portal.config import ConfigurationError
from portal.i18n import check_catalogues

ROOT = Path(__file__).resolve().parent.parent


def test_an_app_without_compiled_catalogues_refuses_to_start(tmp_path: Path) -> None:
    (tmp_path / "zh" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "zh" / "LC_MESSAGES" / "messages.po").write_text("", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="make translations"):
        check_catalogues(tmp_path)
    check_catalogues(ROOT / "portal" / "translations")  # the tree's own: compiled by make


def test_a_built_wheel_carries_the_compiled_catalogue(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if run.returncode != 0 and "No matching distribution" in run.stderr:
        pytest.skip("the package index cannot be reached to build the wheel")
    assert run.returncode == 0, run.stderr
    (wheel,) = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "portal/translations/zh/LC_MESSAGES/messages.mo" in names


def test_a_missing_secret_is_one_line_on_the_command_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_") and k != "FLASK_APP"}
    env["PORTAL_DATABASE_URL"] = f"sqlite:///{tmp_path / 'p.sqlite3'}"
    flask = Path(sys.executable).with_name("flask")
    run = subprocess.run(
        [str(flask), "--app", "portal", "user", "list"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert run.returncode != 0
    assert "Traceback" not in run.stderr
    assert run.stderr.strip().startswith("Error: PORTAL_SECRET_KEY must be set")
