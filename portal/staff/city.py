"""The city facts editor, ``/<lang>/staff/city``: the names of the city and its bureau and the
population and total spending of each year, prefilled from the published version. Saving makes a
draft version of the city dataset (audited); its page shows what publishing it would change, and
publishing it is the same button as for every other version."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import OperationalError

from portal.datasets.models import DatasetKind
from portal.datasets.services import published_version
from portal.db import get_session
from portal.roles import STAFF_ROLES, current_actor, roles_required
from portal.spending import city as city_facts
from portal.staff.city_forms import CityFactsForm, form_data
from portal.staff.views import database_busy
from portal.web import language_blueprint

city = language_blueprint("staff_city", __name__, "/staff/city")

#: The title every version saved here gets, in both languages.
VERSION_TITLE = _l("City facts: names, population and total spending")


def _in_both_languages(text: object) -> tuple[str, str]:
    with force_locale("zh_CN"):
        zh = str(text)
    with force_locale("en"):
        en = str(text)
    return zh, en


@city.route("", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def edit() -> ResponseReturnValue:
    session = get_session()
    live = published_version(session, DatasetKind.CITY)
    if request.method == "GET":
        facts = city_facts.read_facts(session, live.id) if live else None
        # A sample's source is no source for real figures: that one is asked for afresh.
        real = live is not None and not live.sample
        form = CityFactsForm(
            data=form_data(
                facts,
                live.source if live and real else "",
                (live.source_en or "") if live and real else "",
            )
        )
        return render_template("staff/city.html", form=form, live=live)
    form = CityFactsForm()
    if not form.validate():
        return render_template("staff/city.html", form=form, live=live), 422
    title, title_en = _in_both_languages(VERSION_TITLE)
    try:
        version = city_facts.save_draft(
            session,
            form.facts(),
            title=title,
            title_en=title_en,
            source=form.source.data or "",
            source_en=form.source_en.data or None,
            actor=current_actor(),
        )
    except OperationalError as error:
        raise database_busy(error) from error
    flash(
        _(
            "The city facts were saved as draft version %(number)s. Look at what publishing it "
            "would change, then publish it.",
            number=version.number,
        )
    )
    return redirect(url_for("staff.version", version_id=version.id), code=303)
