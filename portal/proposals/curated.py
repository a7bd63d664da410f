"""Loading the curated sample proposals in ``data/`` (called by ``flask setup``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session


def load_curated_proposals(session: Session, data_dir: Path, log: Callable[[str], None]) -> int:
    """Load the curated proposals if they are not loaded yet; returns how many items were added."""
    return 0
