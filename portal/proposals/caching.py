"""HTTP caching for pages whose content depends on the day as well as the data version:
"due in 3 days", "overdue" and the on-time rate change at midnight without any publish."""

from __future__ import annotations

from typing import Any

from portal.proposals.rules import today
from portal.web import QueryReader, cached_by_data_version, no_query


def cached_by_data_version_and_day(view: Any = None, *, query: QueryReader = no_query) -> Any:
    """:func:`portal.web.cached_by_data_version`, also keyed on today's date."""
    return cached_by_data_version(view, query=query, also_by=lambda: today().isoformat())
