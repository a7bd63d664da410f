"""The back office: upload, validate, preview, publish, restore and withdraw dataset versions
(:mod:`.views`), handle suggestions and proposals (:mod:`.handling`, pages of the same blueprint)
and edit the city's profile (:mod:`.city`).

The engine (:mod:`portal.uploads.importing`) is shared by the upload form and ``flask --app portal
import``; every action on a version goes through :mod:`portal.staff.services` and is audited."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this domain's blueprints and commands (called by ``create_app``)."""
    from portal.staff.city import city
    from portal.staff.cli import import_group
    from portal.staff.views import staff
    from portal.uploads.importing import import_kinds

    app.register_blueprint(staff)
    app.register_blueprint(city)
    # one command per upload kind the domains registered (they are set up before the back office)
    app.cli.add_command(import_group(import_kinds(app)))
