"""Declaring an endpoint of the open-data API: :func:`api_get` registers a GET view whose result
is serialised through its marshmallow schema, cached by data version like the pages (ETag,
Cache-Control, 304), with its query parameters declared once (:mod:`portal.opendata.query`); the
declaration is kept on the view for the OpenAPI document and the developers page. CORS for every
address under ``/api/v1/`` is set here too (:func:`init_app`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Blueprint, Flask, Response, jsonify, request
from flask_babel import LazyString
from marshmallow import Schema

from portal.opendata.query import Param, read_query
from portal.proposals.rules import today
from portal.web import cached_by_data_version

API_PREFIX = "/api/v1"


@dataclass(frozen=True)
class PathParam:
    name: str
    description: LazyString | str
    schema: Mapping[str, Any]
    example: str


@dataclass(frozen=True)
class Operation:
    """What the OpenAPI document and the developers page say of an endpoint."""

    summary: LazyString | str
    description: LazyString | str
    schema: type[Schema]
    params: tuple[Param, ...]
    path_params: tuple[PathParam, ...] = ()
    #: Whether an id or slug in the path, or a year, may be unknown (a 404).
    not_found: bool = False
    tag: str = "spending"
    #: A complete example of a call, for the developers page (path and query).
    example: str = ""


def api_get(
    blueprint: Blueprint,
    rule: str,
    *,
    schema: type[Schema],
    summary: LazyString | str,
    description: LazyString | str = "",
    params: Sequence[Param] = (),
    query: Callable[[], Mapping[str, str]] | None = None,
    path_params: Sequence[PathParam] = (),
    not_found: bool = False,
    by_day: bool = False,
    endpoint: str | None = None,
    tag: str = "spending",
    example: str = "",
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register *view* (which returns the response's data: dicts, lists, plain values) at *rule*
    for GET (and HEAD, OPTIONS). *query* reads the parameters when the endpoint needs more than
    :func:`read_query` of *params* (it must refuse unknown names too); *by_day* keys the cache on
    today's date as well (for "overdue" and "days left")."""
    dumper = schema()
    declared = tuple(params)

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        def reader() -> Mapping[str, str]:
            return query() if query is not None else read_query(declared)

        @wraps(view)
        def serialised(*args: Any, **kwargs: Any) -> Response:
            return jsonify(dumper.dump(view(*args, **kwargs)))

        cached = cached_by_data_version(
            serialised,
            query=reader,
            also_by=(lambda app: today(app).isoformat()) if by_day else None,
        )
        cached.api_operation = Operation(
            summary=summary,
            description=description,
            schema=schema,
            params=declared,
            path_params=tuple(path_params),
            not_found=not_found,
            tag=tag,
            example=example,
        )
        blueprint.add_url_rule(rule, endpoint or view.__name__, cached, methods=["GET"])
        return view

    return decorate


def operation_of(view: Callable[..., Any] | None) -> Operation | None:
    found = getattr(view, "api_operation", None)
    return found if isinstance(found, Operation) else None


# -- CORS ----------------------------------------------------------------------------------------

#: Headers a script on another site may read besides the safelisted ones.
EXPOSED = "ETag, X-Data-Version, Retry-After"
#: Headers a script may send (If-None-Match makes a fetch "not simple", hence a preflight).
ALLOWED_HEADERS = "Accept, Accept-Language, Cache-Control, If-None-Match, If-Modified-Since"
PREFLIGHT_MAX_AGE = 86400


def is_api_path(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


def init_app(app: Flask) -> None:
    @app.after_request
    def _cors(response: Response) -> Response:
        """Any site may read the API (it is public and takes no credentials): every answer under
        /api/v1/, errors included, says so; a preflight (OPTIONS) is told which methods and headers
        may be used, for a day."""
        if not is_api_path(request.path):
            return response
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = EXPOSED
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
        return response
