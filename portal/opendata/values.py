"""Turning the portal's values into the API's: money in 万元 as whole yuan and exact 分, ratios as
decimals rounded to 4 places, names in the language of ``?lang=`` and in both, moments in ISO 8601
with their offset (UTC when the database kept none)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from flask import current_app, url_for
from flask_babel import force_locale

from portal.i18n import is_zh, localized, wan_to_yuan
from portal.spending.areas import Area
from portal.spending.queries import Figures, Provenance
from portal.urls import public_url_for


def yuan(wan: Decimal | None) -> int | None:
    return None if wan is None else wan_to_yuan(wan)


def fen(wan: Decimal | None) -> int | None:
    """Exact: tables in 元 carry 分, which whole yuan would round away."""
    return None if wan is None else int(wan * 1_000_000)


def ratio(value: Decimal | None) -> float | None:
    return None if value is None else float(round(value, 4))


def moment(value: datetime | None) -> str | None:
    """ISO 8601 with an offset; SQLite hands back the UTC it stored without one."""
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def figures_json(figures: Figures) -> dict[str, Any]:
    """Amounts in whole yuan (rounded to the yuan) and exactly, in 分 (``*_fen``)."""
    return {
        "budget": yuan(figures.budget),
        "adjusted": yuan(figures.adjusted),
        "executed": yuan(figures.executed),
        "budget_fen": fen(figures.budget),
        "adjusted_fen": fen(figures.adjusted),
        "executed_fen": fen(figures.executed),
        "execution_rate": ratio(figures.execution_rate),
    }


def provenance_json(p: Provenance) -> dict[str, Any]:
    return {
        "title": localized(p.title, p.title_en),
        "source": localized(p.source, p.source_en),
        "source_url": p.source_url or None,
        "version": p.number,
        "version_id": p.version_id,
        "kind": p.kind,
        "year": p.year,
        "stage": p.stage or None,
        "sample": p.sample,
        "sha256": p.sha256,
        "published_at": moment(p.published_at),
    }


def area_names(area: Area) -> dict[str, str]:
    with force_locale("zh_CN"):
        name_zh = str(area.name)
    with force_locale("en"):
        name_en = str(area.name)
    return {"name": name_zh if is_zh() else name_en, "name_zh": name_zh, "name_en": name_en}


def address(endpoint: str, **values: Any) -> str:
    """A link in a response: absolute at the public address when one is configured, else relative
    (never built from the request's ``Host``: the response is cached)."""
    if current_app.config["PUBLIC_URL"]:
        return public_url_for(endpoint, **values)
    return url_for(endpoint, **values)
