"""Open data: the public JSON API of spending (:mod:`.api`) and of suggestions and proposals
(:mod:`.proposals`), both reading the language of their names from ``?lang=``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, g, request

from portal.i18n import DEFAULT_LANG, LANGUAGES


def api_blueprint(name: str, import_name: str, url_prefix: str) -> Blueprint:
    """A blueprint of the JSON API: its names come in the language of ``?lang=`` (``zh`` by
    default, and for a language the portal does not have)."""
    blueprint = Blueprint(name, import_name, url_prefix=url_prefix)

    @blueprint.url_value_preprocessor
    def _language(_endpoint: str | None, _values: dict[str, Any] | None) -> None:
        lang = request.args.get("lang", DEFAULT_LANG)
        g.lang = lang if lang in LANGUAGES else DEFAULT_LANG

    return blueprint


def init_app(app: Flask) -> None:
    """Register the API's blueprints (called by ``create_app``)."""
    from portal.opendata import api, developers, lists, openapi, proposals, query, routes, versions

    query.init_app(app)  # a refused parameter's problem document names it
    routes.init_app(app)  # CORS for everything under /api/v1/
    app.register_blueprint(api.api)
    app.register_blueprint(lists.api)
    app.register_blueprint(versions.api)
    app.register_blueprint(proposals.api)
    app.register_blueprint(openapi.openapi)  # /api/v1/openapi.json
    app.register_blueprint(developers.developers)  # /<lang>/developers
    from portal.opendata.files import views as files

    app.register_blueprint(files.data)  # the downloads page and its files
    init_findability(app)


def init_findability(app: Flask) -> None:
    """The feed of dataset versions, the embeddable charts, the DCAT catalogue, and what pages
    show of them: schema.org JSON-LD (``area_dataset_jsonld``, ``datasets_jsonld``), the code of
    an embed (``embed_code``) and the data dictionary (``data_dictionary``)."""
    from portal.opendata import catalog, dictionary, embed, feeds

    app.register_blueprint(feeds.feeds)
    app.register_blueprint(embed.embed)
    app.register_blueprint(catalog.catalog)
    app.jinja_env.globals.update(
        area_dataset_jsonld=catalog.area_dataset_jsonld,
        datasets_jsonld=catalog.datasets_jsonld,
        embed_code=embed.embed_code,
        data_dictionary=dictionary.data_dictionary,
    )
