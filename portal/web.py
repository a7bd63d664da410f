"""Request plumbing shared by every page: the language prefix and its switch, ``<int:…>`` bounded
to database integers, one commit at the edge, and HTTP caching keyed on the data version and the
page's normalised known parameters."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
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
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import NotFound
from werkzeug.routing import BuildError, IntegerConverter, Map
from werkzeug.wrappers import Response as WerkzeugResponse

from portal import freshness
from portal.db import (
    DATA_VERSION_SQL,
    Database,
    commit_at_edge,
    get_session,
    rollback_at_edge,
)
from portal.freshness import SharedVersion
from portal.i18n import LANGUAGES, best_language
from portal.params import MAX_INT

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


#: The most the response cache holds in bodies, per process (next to PAGE_CACHE_SIZE entries).
PAGE_CACHE_BYTES = 64 * 2**20


class ResponseCache:
    """A small LRU of rendered public responses, bounded by entries and by bytes; keys include the
    data version, so a publish makes every older entry unreachable (they age out) and nothing is
    ever served stale. A body larger than an eighth of the budget is not kept (a list of every
    item as CSV would otherwise push out every page)."""

    def __init__(self, size: int, max_bytes: int = PAGE_CACHE_BYTES) -> None:
        self.size = size
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: OrderedDict[tuple[Any, ...], CachedResponse] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: tuple[Any, ...]) -> CachedResponse | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: tuple[Any, ...], item: CachedResponse) -> None:
        if len(item.body) > self.max_bytes // 8:
            return
        with self._lock:
            replaced = self._items.pop(key, None)
            held = self.bytes - (len(replaced.body) if replaced is not None else 0)
            self._items[key] = item
            held += len(item.body)
            while len(self._items) > self.size or held > self.max_bytes:
                _key, evicted = self._items.popitem(last=False)
                held -= len(evicted.body)
            self.bytes = held


def data_version() -> int:
    """The data version for this request, read once per request without opening a session: from
    Redis when it holds a version every server agrees on (:mod:`portal.freshness`), else from the
    database."""
    if "data_version" not in g:
        g.data_version = read_data_version(current_app)
    return int(g.data_version)


def read_data_version(app: Flask) -> int:
    """The data version as *app* reads it now (no app context needed)."""
    db: Database = app.extensions["portal.db"]

    def from_database() -> int:
        return int(db.read_scalar(DATA_VERSION_SQL) or 0)

    shared: SharedVersion | None = app.extensions["portal.shared_version"]
    return shared.current(from_database) if shared is not None else from_database()


#: A view's known query parameters, read and normalised: ``{name: canonical text}``, defaults and
#: empty values left out. It may raise an HTTP error (a 400 for a malformed value).
QueryReader = Callable[[], Mapping[str, str]]


def no_query() -> dict[str, str]:
    """For pages that take no query parameter: every parameter is ignored."""
    return {}


def use_query(known: Mapping[str, str]) -> dict[str, str]:
    """Let the rest of the request see only *known* (the normalised known parameters): the view,
    its templates and the language switch read ``request.args``, so nothing they produce can
    depend on a parameter the cache key leaves out (``?utm_source=…``, ``?endpoint=…``)."""
    query = {name: known[name] for name in sorted(known)}
    request.args = ImmutableMultiDict(query)
    g.page_query = query
    return query


def cached_by_data_version(
    view: F | None = None,
    *,
    query: QueryReader = no_query,
    also_by: Callable[[Flask], str] | None = None,
) -> Any:
    """Give a public GET view an ETag and Cache-Control tied to the data version, answer
    ``If-None-Match`` with 304, and serve repeat requests from the response cache.

    The key is what the body depends on, and nothing else: the data version, ``also_by``, the
    language, where the site is mounted (``SCRIPT_NAME``), the endpoint with its (converted) path
    values, and the view's known parameters as *query* reads them (parsed, defaults left out,
    sorted). Any other parameter is ignored, so a link with ``?utm_source=…`` is served from the
    same entry, and a random ``?x=`` costs no render. Never a request header: ``Host`` and the
    like are not part of it.

    ``also_by`` adds a part to the key for pages that change without a publish (e.g. "due in
    3 days" changes at midnight: ``also_by=lambda app: today(app).isoformat()``); it is given the
    app, and must not need a request or an app context (a replay has neither). Readers with a session
    cookie are never served from, nor stored in, the cache: their page may be their own."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Response:
            known = use_query(query())
            if current_app.config["SESSION_COOKIE_NAME"] in request.cookies:
                response = current_app.make_response(view(*args, **kwargs))
                response.headers["Cache-Control"] = "private, no-store"
                return response
            version = data_version()
            extra = also_by(current_app._get_current_object()) if also_by else ""  # type: ignore[attr-defined]
            key = (
                version,
                extra,
                g.get("lang", ""),
                request.script_root,  # where the site is mounted: every link depends on it
                request.endpoint,
                tuple(sorted((k, str(v)) for k, v in kwargs.items())),
                tuple(known.items()),
            )
            digest = hashlib.blake2b(repr(key[1:]).encode(), digest_size=8).hexdigest()
            etag = (
                f"v{version}-{extra.replace('-', '')}-{digest}" if extra else f"v{version}-{digest}"
            )
            request.environ[REPLAYABLE] = (key, etag, also_by)  # see ReplayCachedHits
            if etag in request.if_none_match:
                response = Response(status=304)
            else:
                cache: ResponseCache = current_app.extensions["portal.response_cache"]
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


#: Set by :func:`cached_by_data_version` in the WSGI environment of an anonymous request it
#: answered from the cache key it names: ``(key, etag, also_by)``.
REPLAYABLE = "portal.replayable"
#: The statuses a replay repeats (what :func:`cached_by_data_version` answers from its cache).
REPLAYED_STATUSES = ("200 OK", "304 NOT MODIFIED")


@dataclass
class Replay:
    """How the app answered an anonymous GET of one address at one data version: the cache key
    of its body, and the status line and headers it sent (after every ``after_request``)."""

    key: tuple[Any, ...]
    etag: str  # as in the header, quoted
    also_by: Callable[[Flask], str] | None
    headers: dict[str, list[tuple[str, str]]]  # status line → headers


class ReplayCachedHits:
    """WSGI middleware, just around Flask: answer a repeat anonymous ``GET`` of a cached public
    page without building a request at all.

    The first time an address is answered from (or stored in) the response cache by
    :func:`cached_by_data_version`, the status and headers Flask sent are remembered under the raw
    address (mount, path, query string, host, scheme). A later request for the same raw address, with no
    cookie at all, is answered with those headers and the cached body, if the data version (and
    ``also_by``) are still those of the remembered answer and the body is still in the response
    cache; a matching ``If-None-Match`` gets the remembered 304. Anything else — a cookie, another
    method, a new version, a conditional request it cannot match, an entry aged out — goes to Flask
    as before, so the replayed answer is byte for byte what Flask would send. The middlewares
    outside (proxies, security headers, static files) run for every request as before."""

    def __init__(self, app: Flask, wsgi_app: Callable[..., Any], size: int) -> None:
        self.flask = app
        self.wsgi_app = wsgi_app
        self.size = size
        self.replays: dict[tuple[str, ...], Replay] = {}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("REQUEST_METHOD") != "GET" or "HTTP_COOKIE" in environ or not self.size:
            return self.wsgi_app(environ, start_response)
        address = (
            environ.get("SCRIPT_NAME", ""),
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
            environ.get("HTTP_HOST", ""),
            environ.get("wsgi.url_scheme", ""),
        )
        replay = self.replays.get(address)
        if replay is not None:
            answer = self._replay(address, replay, environ, start_response)
            if answer is not None:
                return answer

        def remember(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            marked = environ.get(REPLAYABLE)
            if (
                marked is not None
                and status in REPLAYED_STATUSES
                and exc_info is None
                and not any(name.lower() == "set-cookie" for name, _value in headers)
            ):
                self._remember(address, marked, status, headers)
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, remember)

    def _remember(
        self, address: tuple[str, ...], marked: Any, status: str, headers: list[tuple[str, str]]
    ) -> None:
        key, etag, also_by = marked
        replay = self.replays.get(address)
        if replay is None or replay.key != key:
            replay = Replay(key, f'"{etag}"', also_by, {})
        replay.headers[status] = list(headers)
        if address not in self.replays and len(self.replays) >= self.size:
            self.replays.pop(next(iter(self.replays)), None)  # the oldest address
        self.replays[address] = replay

    def _replay(
        self,
        address: tuple[str, ...],
        replay: Replay,
        environ: dict[str, Any],
        start_response: Callable[..., Any],
    ) -> list[bytes] | None:
        try:
            version = read_data_version(self.flask)
            extra = "" if replay.also_by is None else replay.also_by(self.flask)
        except Exception:  # e.g. the database is down: Flask answers, with its error page
            return None
        if (version, extra) != replay.key[:2]:
            return None
        match = environ.get("HTTP_IF_NONE_MATCH")
        if match is not None:
            headers = replay.headers.get("304 NOT MODIFIED")
            if match.strip() != replay.etag or headers is None:
                return None
            start_response("304 NOT MODIFIED", headers)
            return []
        headers = replay.headers.get("200 OK")
        cache: ResponseCache = self.flask.extensions["portal.response_cache"]
        cached = cache.get(replay.key) if headers is not None else None
        if headers is None or cached is None:
            return None
        start_response("200 OK", headers)
        return [cached.body]


def switch_url(lang: str) -> str:
    """The same page in *lang*, for the layout's language switch: built from the page's endpoint,
    its path values and the query parameters it declared (:func:`use_query`), never from the raw
    query string (whose ``endpoint``, ``_external``, ``_scheme`` or ``_anchor`` ``url_for`` would
    take as its own arguments). Built once per request and language (the layout asks three times)."""
    built: dict[str, str] = g.setdefault("switch_urls", {})
    if lang not in built:
        built[lang] = _switch_url(lang)
    return built[lang]


def _switch_url(lang: str) -> str:
    if request.endpoint and request.view_args is not None and g.get("lang"):
        values = {**g.get("page_query", {}), **request.view_args, "lang": lang}
        try:
            return url_for(request.endpoint, **values)
        except BuildError:  # an error page for an address that is not a page
            pass
    return url_for("pages.home", lang=lang)


class DatabaseIntConverter(IntegerConverter):
    """``<int:…>`` throughout the portal: ASCII digits only (``\\d`` also takes ``４８`` and
    ``٤٨``), and at most what a database integer holds (2³¹−1), so an id too large for the
    column is no page (404) rather than an overflow in the database."""

    regex = r"[0-9]{1,12}"

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = MAX_INT,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


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
    # Before any blueprint is registered: their rules are compiled with the converter.
    app.url_map.converters["int"] = DatabaseIntConverter
    app.extensions["portal.response_cache"] = ResponseCache(app.config["PAGE_CACHE_SIZE"])
    freshness.init_app(app)  # where data_version() reads the version from
    # Innermost of the WSGI middlewares (create_app wraps the others around it afterwards).
    replay = ReplayCachedHits(app, app.wsgi_app, app.config["PAGE_CACHE_SIZE"])
    app.extensions["portal.replay"] = replay
    app.wsgi_app = replay  # type: ignore[method-assign]
    app.jinja_env.globals.update(switch_url=switch_url)
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
