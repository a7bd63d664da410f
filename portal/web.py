"""Request plumbing shared by every public page: the language prefix, one commit at the edge,
and HTTP caching keyed on the data version."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar, cast

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    jsonify,
    redirect,
    request,
    url_for,
)
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response as WerkzeugResponse

from portal.datasets.services import DATA_VERSION_SQL
from portal.db import commit_at_edge, database, get_session, rollback_at_edge
from portal.i18n import LANGUAGES, best_language

F = TypeVar("F", bound=Callable[..., Any])


def language_blueprint(name: str, import_name: str, url_prefix: str = "") -> Blueprint:
    """A blueprint whose routes all live under ``/<lang>/``."""
    blueprint = Blueprint(name, import_name, url_prefix="/<lang>" + url_prefix)

    @blueprint.url_value_preprocessor
    def _pull_lang(_endpoint: str | None, values: dict[str, Any] | None) -> None:
        lang = (values or {}).pop("lang", None)
        if lang not in LANGUAGES:
            g.lang = best_language()
            raise NotFound()
        g.lang = lang

    @blueprint.url_defaults
    def _add_lang(_endpoint: str, values: dict[str, Any]) -> None:
        values.setdefault("lang", g.get("lang", "zh"))

    return blueprint


@dataclass(frozen=True)
class CachedResponse:
    body: bytes
    mimetype: str
    headers: tuple[tuple[str, str], ...]


class ResponseCache:
    """A small LRU of rendered public responses; keys include the data version, so a publish makes
    every older entry unreachable (they age out) and nothing is ever served stale."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[tuple[Any, ...], CachedResponse] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> CachedResponse | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: tuple[Any, ...], item: CachedResponse) -> None:
        with self._lock:
            self._items[key] = item
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def data_version() -> int:
    """The data version for this request (read once per request, without opening a session)."""
    if "data_version" not in g:
        g.data_version = int(database().read_scalar(DATA_VERSION_SQL) or 0)
    return int(g.data_version)


def cached_by_data_version(
    view: F | None = None, *, also_by: Callable[[], str] | None = None
) -> Any:
    """Give a public GET view an ETag and Cache-Control tied to the data version, answer
    ``If-None-Match`` with 304, and serve repeat requests from the response cache.

    ``also_by`` adds a part to the key for pages that change without a publish (e.g. "due in
    3 days" changes at midnight: ``also_by=lambda: today().isoformat()``). Readers with a session
    cookie are never served from, nor stored in, the cache: their page may be their own."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Response:
            if current_app.config["SESSION_COOKIE_NAME"] in request.cookies:
                response = current_app.make_response(view(*args, **kwargs))
                response.headers["Cache-Control"] = "private, no-store"
                return response
            version = data_version()
            extra = also_by() if also_by else ""
            lang = g.get("lang", "")
            digest = hashlib.blake2b(
                f"{lang}|{extra}|{request.full_path}".encode(), digest_size=8
            ).hexdigest()
            etag = (
                f"v{version}-{extra.replace('-', '')}-{digest}" if extra else f"v{version}-{digest}"
            )
            if etag in request.if_none_match:
                response = Response(status=304)
            else:
                cache: ResponseCache = current_app.extensions["portal.response_cache"]
                key = (version, extra, lang, request.full_path)
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

    return decorate(view) if view is not None else decorate


root = Blueprint("root", __name__)


@root.get("/")
def choose_language() -> WerkzeugResponse:
    response = redirect(url_for("pages.home", lang=best_language()), code=302)
    response.headers["Vary"] = "Accept-Language"
    return response


@root.get("/healthz")
def healthz() -> tuple[Response, int]:
    try:
        get_session().execute(text("SELECT 1"))
    except SQLAlchemyError:
        current_app.logger.exception("health check: database unreachable")
        response = jsonify(status="unavailable", database="unreachable")
        response.headers["Cache-Control"] = "no-store"
        return response, 503
    response = jsonify(status="ok", database="ok")
    response.headers["Cache-Control"] = "no-store"
    return response, 200


def init_app(app: Flask) -> None:
    app.extensions["portal.response_cache"] = ResponseCache(app.config["PAGE_CACHE_SIZE"])
    app.register_blueprint(root)

    @app.after_request
    def _commit(response: Response) -> Response:
        # Settle the transaction before the session cookie is saved: a refused request
        # (4xx/5xx) must not leave anything behind, nor hold SQLite's write lock meanwhile.
        if response.status_code < 400:
            commit_at_edge()
        else:
            rollback_at_edge()
        return response
