"""Deputies' suggestions and CPPCC proposals, tracked to their replies: `init_app` registers the
pages, the deputy's pages, the panels shown on spending pages, the CLI and the handling
ledger's upload kind and publish action."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this domain's blueprints and commands (called by ``create_app``)."""
    from portal.proposals import cli, labels, ledger, views

    app.register_blueprint(views.pages)
    app.register_blueprint(views.my)
    app.jinja_env.globals.update(
        proposals_area_panel=views.area_panel,
        proposals_latest_replies=views.latest_replies,
        proposal_labels=labels,
    )
    cli.register(app)
    ledger.init_app(app)
