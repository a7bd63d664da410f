"""Account management for administrators: ``/<lang>/staff/users``."""

from __future__ import annotations

import secrets

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response
from wtforms import EmailField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from portal.accounts.models import User
from portal.accounts.services import AccountError, create_user, set_active, set_password
from portal.db import get_session
from portal.errors import user_error
from portal.pagination import check_page, paginate
from portal.params import int_param
from portal.roles import ROLE_DUTIES, ROLE_LABELS, Role, current_actor, roles_required
from portal.web import language_blueprint

admin = language_blueprint("accounts_admin", __name__, "/staff/users")
PAGE_SIZE = 50


def role_choices() -> list[tuple[str, str]]:
    return [(role.value, str(duties)) for role, duties in ROLE_DUTIES.items()]


class NewUserForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"), validators=[DataRequired(_l("Enter an e-mail address."))]
    )
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=[])
    submitter_id = IntegerField(_l("For deputies: submitter number"), validators=[Optional()])
    submit = SubmitField(_l("Create account"))


class UserActionForm(FlaskForm):
    submit = SubmitField()


def temporary_password() -> str:
    return secrets.token_urlsafe(12)


@admin.route("/", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def index() -> str | Response:
    session = get_session()
    form = NewUserForm()
    form.role.choices = role_choices()
    created: tuple[User, str] | None = None
    if form.validate_on_submit():
        password = temporary_password()
        try:
            user = create_user(
                session,
                email=form.email.data or "",
                role=form.role.data or Role.EDITOR,
                name=form.name.data or "",
                password=password,
                submitter_id=form.submitter_id.data,
                actor=current_actor(),
            )
        except AccountError as error:
            message = (
                _("An account with this e-mail address already exists.")
                if "already exists" in str(error)
                else _("Enter a valid e-mail address.")
            )
            form.email.errors = [*form.email.errors, message]
        else:
            created = (user, password)
            form = NewUserForm(formdata=None)
            form.role.choices = role_choices()
    listed = paginate(
        session, select(User).order_by(User.email), int_param("page", 1, low=1) or 1, PAGE_SIZE
    )
    check_page(listed.page, listed.pages)
    return render_template(
        "accounts/admin_users.html",
        form=form,
        action_form=UserActionForm(),
        users=listed.items,
        role_labels=ROLE_LABELS,
        created=created,
        page=listed.page,
        pages=listed.pages,
    )


def _user_or_404(user_id: int) -> User:
    user = get_session().get(User, user_id)
    if user is None:
        raise user_error(NotFound, _("There is no such account."))
    return user


@admin.post("/<int:user_id>/active")
@roles_required(Role.ADMIN)
def toggle_active(user_id: int) -> Response:
    form = UserActionForm()
    user = _user_or_404(user_id)
    if form.validate_on_submit():
        try:
            set_active(get_session(), user, not user.active, actor=current_actor())
        except AccountError:
            flash(_("You cannot deactivate your own account."))
        else:
            flash(
                _(
                    "Account %(email)s is now %(state)s.",
                    email=user.email,
                    state=_("active") if user.active else _("deactivated"),
                )
            )
    return redirect(url_for(".index"))


@admin.post("/<int:user_id>/password")
@roles_required(Role.ADMIN)
def reset_password(user_id: int) -> str | Response:
    form = UserActionForm()
    user = _user_or_404(user_id)
    if not form.validate_on_submit():
        return redirect(url_for(".index"))
    password = temporary_password()
    set_password(get_session(), user, password, actor=current_actor())
    return render_template("accounts/admin_password.html", user=user, password=password)
