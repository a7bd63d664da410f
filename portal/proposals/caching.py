"""HTTP caching for pages whose content depends on the day as well as the data version:
"due in 3 days", "overdue" and the on-time rate change at midnight without any publish."""

from __future__ import annotations

from portal.proposals.rules import today
from portal.web import cached_by_data_version

cached_by_data_version_and_day = cached_by_data_version(also_by=lambda: today().isoformat())
