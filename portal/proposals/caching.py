"""HTTP caching for pages whose content depends on the day as well as the data version:
"due in 3 days", "overdue" and the on-time rate change at midnight without any publish; and the
per-data-version cache of what the list shows whatever its filters (:func:`by_data_version`)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import current_app

from portal.proposals.rules import today
from portal.web import QueryReader, cached_by_data_version, no_query

T = TypeVar("T")


def cached_by_data_version_and_day(view: Any = None, *, query: QueryReader = no_query) -> Any:
    """:func:`portal.web.cached_by_data_version`, also keyed on today's date."""
    return cached_by_data_version(view, query=query, also_by=lambda app: today(app).isoformat())


#: How many data versions (times languages) the per-version caches keep: a publish makes a new
#: version, and a request that still reads the previous one may come in just after it.
KEPT_VERSIONS = 8


def by_data_version(
    name: str, key: tuple[Any, ...], compute: Callable[[], T], *, keep: int = KEPT_VERSIONS
) -> T:
    """What *compute* returns, computed once per *key* (which starts with the data version) and
    kept in this app's process: for what the list's pages show whatever the filters (the menus,
    whether any item or sample is there), which only a publish changes. Bounded: the oldest keys
    go first (*keep* keys are kept). Per app (tests build several apps on different databases with the same versions)."""
    caches: dict[str, OrderedDict[tuple[Any, ...], Any]] = current_app.extensions.setdefault(
        "proposals.by_data_version", {}
    )
    cache = caches.setdefault(name, OrderedDict())
    try:
        return cast(T, cache[key])
    except KeyError:
        pass
    value = compute()
    cache[key] = value
    while len(cache) > keep:
        cache.popitem(last=False)
    return value
