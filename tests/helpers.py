"""Small helpers shared by tests: reading the curated CSVs independently of the app's loader, and
publishing a spending version the way staff will."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import has_app_context
from sqlalchemy.orm import Session

from portal.datasets.models import CITYWIDE, DatasetKind, DatasetVersion, Stage
from portal.datasets.services import create_version, get_or_create_dataset, publish_version
from portal.roles import Actor
from portal.spending.curated import insert_budget_lines
from portal.uploads.importing import ImportRequest
from portal.uploads.units import Unit

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def curated_lines(year: int) -> dict[str, dict[str, Decimal | None]]:
    """code → amounts for one year of data/spending_lines.csv, read with nothing but csv."""
    result = {}
    with (DATA_DIR / "spending_lines.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if int(row["year"]) == year:
                result[row["code"]] = {
                    k: (Decimal(row[k]) if row[k] else None)
                    for k in ("budget", "adjusted", "executed")
                }
    return result


def curated_amount(
    lines: dict[str, dict[str, Decimal | None]], code: str, column: str = "executed"
) -> Decimal:
    """One amount of curated_lines() that the test needs there (blank cells read as None)."""
    value = lines[code][column]
    assert value is not None, f"{code} has no {column} amount"
    return value


def _decimal(amount: str | None) -> Decimal | None:
    return Decimal(amount) if amount is not None else None


def publish_spending(
    session: Session,
    year: int,
    lines: list[tuple[str, str, str, str | None, str | None, str | None]],
    stage: Stage = Stage.FINAL,
    title: str = "测试数据",
    level: str = CITYWIDE,
) -> DatasetVersion:
    dataset = get_or_create_dataset(session, DatasetKind.SPENDING, year, stage, level)
    version = create_version(
        session, dataset, title=title, source="tests", content=repr(lines).encode(), sample=True
    )
    insert_budget_lines(
        session,
        version.id,
        (
            (code, dept, proj, _decimal(budget), _decimal(adjusted), _decimal(executed))
            for code, dept, proj, budget, adjusted, executed in lines
        ),
    )
    # publishing runs the hooks the app registered: in the app's context (the caller's, or the one
    # of the app the test session belongs to)
    with _nullcontext() if has_app_context() else session.info["app"].app_context():
        publish_version(session, version, published_by="tests")
    session.commit()
    return version


def spending_request(by: str = "tester", **fields: Any) -> ImportRequest:
    """What an upload by *by* of the 2023 final accounts in 万元 says; *fields* say otherwise."""
    said: dict[str, Any] = {
        "year": 2023,
        "stage": Stage.FINAL,
        "unit": Unit.WAN,
        "title": "t",
        "source_doc": "s",
        **fields,
    }
    return ImportRequest(created_by=Actor(by), **said)


def csrf_token(html: str) -> str:
    import re

    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    if match is None:
        match = re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def sign_in(client, email: str, password: str, lang: str = "zh", next_url: str | None = None):
    page = client.get(f"/{lang}/login")
    data = {
        "csrf_token": csrf_token(page.get_data(as_text=True)),
        "email": email,
        "password": password,
    }
    if next_url is not None:
        data["next"] = next_url
    return client.post(f"/{lang}/login", data=data)


def make_user(
    session: Session,
    email: str,
    role: str = "editor",
    password: str = "correct horse battery",
    **extra,
):
    from portal.accounts.services import create_user
    from portal.roles import Actor

    extra.setdefault("actor", Actor.system("tests"))
    with session.info["app"].app_context() if "app" in session.info else _nullcontext():
        user = create_user(session, email=email, role=role, password=password, **extra)
    session.commit()
    return user


def _nullcontext():
    from contextlib import nullcontext

    return nullcontext()
