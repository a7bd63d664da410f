"""HTTP caching for pages whose content depends on the day as well as the data version.

"Due in 3 days", "overdue" and the on-time rate change at midnight without any publish, so these
pages are keyed on the data version *and* today's date: the same contract as
:func:`portal.web.cached_by_data_version` (ETag, 304, Cache-Control, the shared response cache,
never cached for a reader with a session cookie), with the day added to the key and the ETag.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Response, current_app, g, request

from portal.proposals.rules import today
from portal.web import CachedResponse, ResponseCache, data_version

F = TypeVar("F", bound=Callable[..., Any])


def cached_by_data_version_and_day(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        if current_app.config["SESSION_COOKIE_NAME"] in request.cookies:
            # Someone signed in (or about to): a deputy may see their own unpublished replies.
            response = current_app.make_response(view(*args, **kwargs))
            response.headers["Cache-Control"] = "private, no-store"
            return response
        version = data_version()
        day = today().isoformat()
        lang = g.get("lang", "")
        digest = hashlib.blake2b(f"{lang}|{request.full_path}".encode(), digest_size=8).hexdigest()
        etag = f"v{version}-{day.replace('-', '')}-{digest}"
        if etag in request.if_none_match:
            response = Response(status=304)
        else:
            cache: ResponseCache = current_app.extensions["portal.response_cache"]
            key = ("by-day", version, day, lang, request.full_path)
            cached = cache.get(key)
            if cached is None:
                response = current_app.make_response(view(*args, **kwargs))
                if response.status_code != 200 or response.direct_passthrough:
                    return response
                cached = CachedResponse(
                    response.get_data(),
                    response.mimetype or "text/html",
                    tuple(
                        (k, v)
                        for k, v in response.headers.items()
                        if k in ("Content-Disposition", "Content-Type")
                    ),
                )
                cache.put(key, cached)
            response = Response(cached.body, headers=list(cached.headers))
        response.set_etag(etag, weak=False)
        response.headers["Cache-Control"] = "public, max-age=0, must-revalidate"
        response.headers["X-Data-Version"] = str(version)
        return response

    return cast(F, wrapper)
