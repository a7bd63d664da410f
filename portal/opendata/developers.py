"""The page for developers, ``/<lang>/developers``: every endpoint of the API with its parameters
(read from the same declarations as the OpenAPI document), the error shape, paging, CORS, caching,
the licence, and examples to copy (curl, Python, JavaScript) at the public address."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template
from flask_babel import gettext as _

from portal.opendata.openapi import endpoints
from portal.opendata.query import Param
from portal.opendata.routes import PathParam
from portal.spending.web import snapshot
from portal.urls import public_url_for
from portal.web import cached_by_data_version, language_blueprint

developers = language_blueprint("developers", __name__)


@dataclass(frozen=True)
class ParamDoc:
    name: str
    where: str  # "path" or "query"
    description: str
    values: str


@dataclass(frozen=True)
class EndpointDoc:
    path: str
    summary: str
    description: str
    params: list[ParamDoc]
    example: str


def values_of(schema: Any) -> str:
    """What a parameter takes, in short: ``2024``-like ranges, the choices, or a pattern."""
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    if schema.get("type") == "integer":
        return f"{schema.get('minimum', '')}–{schema.get('maximum', '')}"
    if "pattern" in schema:
        return schema["pattern"]
    return ""


def param_doc(param: Param | PathParam, where: str) -> ParamDoc:
    return ParamDoc(param.name, where, str(param.description), values_of(param.schema))


def endpoint_docs(base: str) -> list[EndpointDoc]:
    return [
        EndpointDoc(
            path=e.path,
            summary=str(e.operation.summary),
            description=str(e.operation.description),
            params=[param_doc(p, "path") for p in e.operation.path_params]
            + [param_doc(p, "query") for p in e.operation.params],
            example=base + e.operation.example,
        )
        for e in endpoints(current_app)
    ]


@developers.get("/developers")
@cached_by_data_version
def page() -> str:
    snap = snapshot()
    base = public_url_for("root.choose_language").rstrip("/")
    year = snap.default_year or 2024
    return render_template(
        "opendata/developers.html",
        snap=snap,
        base=base,
        year=year,
        endpoints=endpoint_docs(base),
        openapi_url=public_url_for("openapi.document"),
        problem_example=problem_example(),
    )


def problem_example() -> str:
    """What a refused year looks like, in the reader's language."""
    reason = _("“%(value)s” is not a year. Use four digits, e.g. 2024.", value="20x4")
    problem = {
        "type": "about:blank",
        "title": _("The request could not be understood"),
        "status": 400,
        "detail": reason,
        "invalid_params": [{"name": "year", "reason": reason}],
    }
    return json.dumps(problem, ensure_ascii=False, indent=2)
