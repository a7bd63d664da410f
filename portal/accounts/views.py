"""One login page for everyone, logout, and password change."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.accounts import services
from portal.accounts.forms import LoginForm, LogoutForm, PasswordChangeForm
from portal.accounts.permissions import safe_next
from portal.accounts.sessions import (
    ServerSideSessionInterface,
    SessionStoreUnavailable,
    purge_expired_sessions,
)
from portal.db import get_session
from portal.extensions import limiter
from portal.roles import current_actor, login_required
from portal.web import language_blueprint, use_query

accounts = language_blueprint("accounts", __name__)


def _login_email_key() -> str:
    """Rate-limit key per account: the e-mail address being tried (as long as an address can be)."""
    return "login-account:" + services.normalise_email(request.form.get("email", ""))[:254]


def home_for_user() -> str:
    if current_user.is_authenticated and current_user.is_staff:
        return (
            url_for("staff.dashboard")
            if "staff.dashboard" in _endpoints()
            else url_for("pages.home")
        )
    if current_user.is_authenticated and "proposals_my.index" in _endpoints():
        return url_for("proposals_my.index")
    return url_for("pages.home")


def _endpoints() -> set[str]:
    return set(current_app.view_functions)


@accounts.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app_config("LOGIN_LIMIT_PER_ADDRESS"), methods=["POST"])
@limiter.limit(
    lambda: current_app_config("LOGIN_LIMIT_PER_ACCOUNT"),
    key_func=_login_email_key,
    methods=["POST"],
)
def login() -> str | Response:
    g.private_page = True
    interface = current_app.session_interface
    if isinstance(interface, ServerSideSessionInterface) and not interface.store.available():
        raise SessionStoreUnavailable()  # say so now, not after the password has been typed
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
        # the language link keeps where the reader was going, and nothing else
        use_query({"next": form.next.data} if form.next.data else {})
    if form.validate_on_submit():
        session = get_session()
        user = services.authenticate(session, form.email.data or "", form.password.data or "")
        if user is not None:
            services.sign_in(session, user, address=current_actor().address)
            purge_expired_sessions()
            return redirect(safe_next(form.next.data) or home_for_user())
        form.password.errors.append(_("The e-mail address or password is not right."))
    return render_template("accounts/login.html", form=form)


@accounts.post("/logout")
@login_required
def logout() -> Response:
    form = LogoutForm()
    if form.validate_on_submit():
        services.sign_out(get_session(), current_user._get_current_object(), actor=current_actor())
        flash(_("You have signed out."))
    return redirect(url_for("pages.home"))


@accounts.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> str | Response:
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                get_session(),
                current_user._get_current_object(),
                form.current.data or "",
                form.new.data or "",
                actor=current_actor(),
            )
        except services.AccountError:
            form.current.errors = [*form.current.errors, _("The current password is not right.")]
        else:
            flash(_("Your password has been changed. Other sessions have been signed out."))
            return redirect(home_for_user())
    return render_template("accounts/password.html", form=form)


def current_app_config(key: str) -> str:
    return str(current_app.config[key])
