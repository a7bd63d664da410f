"""Benchmark databases: migrated and loaded with data/ exactly like ``flask setup``, and the
deterministic budget lines the large ones are made of."""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.lib import ROOT, BenchError


def setup_curated(db_path: Path, secret: str) -> Any:
    """A migrated database holding the curated data of data/; returns the app (context not pushed)."""
    from portal import create_app
    from portal.cli import setup_database

    app = create_app({"DATABASE_URL": f"sqlite:///{db_path}", "SECRET_KEY": secret})
    with app.app_context():
        setup_database(Path(app.config["DATA_DIR"]), log=lambda _message: None)
    return app


def leaf_codes_for(year: int) -> list[str]:
    """The 5- and 7-digit codes of *year* in data/spending_lines.csv with no longer code below them."""
    with (ROOT / "data" / "spending_lines.csv").open(encoding="utf-8", newline="") as handle:
        codes = {row["code"].strip() for row in csv.DictReader(handle) if int(row["year"]) == year}
    parents = {code[:n] for code in codes for n in (3, 5) if n < len(code)}
    leaves = sorted(c for c in codes - parents if len(c) in (5, 7))
    if not leaves:
        raise BenchError(f"no leaf codes for {year} in data/spending_lines.csv")
    return leaves


def generated_lines(
    count: int, codes: list[str], project_digits: int = 6
) -> Iterator[tuple[str, str, str, Decimal, Decimal, Decimal]]:
    """*count* deterministic budget lines (code, department, project, budget, adjusted budget,
    final accounts) in 万元 with two places: 500 departments, one project per line, budget
    0.01–200.00, the adjusted budget within ±10 % of it and the final accounts 80–100 % of the
    adjusted budget."""
    rng = random.Random(20240101)
    departments = [f"部门{i:04d}" for i in range(1, 501)]
    for i in range(1, count + 1):
        budget = rng.randrange(1, 20_001)  # in 0.01 万元
        adjusted = budget * rng.randrange(900, 1_101) // 1_000
        executed = adjusted * rng.randrange(800, 1_001) // 1_000
        yield (
            codes[rng.randrange(len(codes))],
            departments[rng.randrange(len(departments))],
            f"项目{i:0{project_digits}d}",
            Decimal(budget).scaleb(-2),
            Decimal(adjusted).scaleb(-2),
            Decimal(executed).scaleb(-2),
        )
