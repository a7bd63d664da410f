"""Tell nginx, in its own dialect, what the app's Cache-Control already says to every cache.

Public pages and the API go out as ``public, max-age=0, must-revalidate`` with a strong ETag:
any shared cache may store them but must ask again (``If-None-Match``) before each use, which is
how a publish is seen at once. nginx reads ``max-age=0`` (and ``no-cache``) as "do not store", so
without a hint it would pass every request through in full. ``X-Accel-Expires: @1`` (an absolute
expiry in 1970) makes nginx store the response as already stale, so that it revalidates each time
and sends its stored body on a 304. nginx consumes the header and never forwards it; other caches
ignore it. It goes first among the headers: nginx 1.22 (Debian 12) lets a ``Cache-Control`` that
comes before it win. See deploy/nginx.conf."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.datastructures import ResponseCacheControl
from werkzeug.http import parse_cache_control_header

from portal.static_files import REVALIDATE  # what public pages and the API send too

WSGIApp = Callable[..., Iterable[bytes]]
HINT = ("X-Accel-Expires", "@1")


def store_then_revalidate(headers: list[tuple[str, str]]) -> bool:
    """A response any cache may keep but must revalidate before each use, and can (it has an
    ETag), and which no cookie makes somebody's own. (On every response: one pass over the
    headers, and the usual value recognised without parsing.)"""
    cache_control = ""
    etag = False
    for name, value in headers:
        lowered = name.lower()
        if lowered == "cache-control":
            cache_control = value
        elif lowered == "etag":
            etag = True
        elif lowered == "set-cookie":
            return False
    if not etag or "public" not in cache_control:
        return False
    if cache_control == REVALIDATE:
        return True
    control = parse_cache_control_header(cache_control, cls=ResponseCacheControl)
    return bool(
        control.public
        and not (control.private or control.no_store)
        and (control.no_cache or control.max_age == 0)
    )


class ProxyCacheHints:
    """WSGI middleware: adds :data:`HINT` to each 200 and 304 that :func:`store_then_revalidate`."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if status[:3] in {"200", "304"} and store_then_revalidate(headers):
                headers = [HINT, *headers]
            return start_response(status, headers, exc_info)

        return self.app(environ, start)
