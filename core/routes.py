"""Sign-in and out, the role's home, health, profile, record history and soft delete."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import text

from core import api_bp, bp, changes, queue, service
from core.auth import HOME_ENDPOINTS, api_requires, public, requires
from core.forms import LoginForm, OwnPasswordForm, ProfileForm, TokenForm
from core.i18n import gettext as _
from core.roles import may
from core.schemas import MeOut
from extensions import db, limiter


def _failed_login(response) -> bool:
    return response.status_code != 302


def _login_key() -> str:
    return f"{request.remote_addr}|{(request.form.get('email') or '').strip().lower()}"


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"],
    key_func=_login_key,
    methods=["POST"],
    deduct_when=_failed_login,
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for(HOME_ENDPOINTS[current_user.role]))
    form = LoginForm()
    if form.validate_on_submit():
        user = service.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user)
            service.record_login(user)
            return redirect(url_for(HOME_ENDPOINTS[user.role]))
        flash(_("Wrong email or password."), "error")
    return render_template("core/login.html", form=form), (200 if request.method == "GET" else 400)


@bp.post("/logout")
@requires("account")
def logout():
    logout_user()
    flash(_("You have been logged out."), "info")
    return redirect(url_for("core.login"))


@bp.route("/")
@public
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("core.login"))
    return redirect(url_for(HOME_ENDPOINTS[current_user.role]))


@bp.route("/healthz")
@public
@limiter.exempt
def healthz():
    """Say up or degraded; only an administrator also sees what is wrong."""
    try:
        db.session.execute(text("SELECT 1"))
        database = {"ok": True}
    except Exception as exc:  # report, never raise: this is what monitoring reads
        db.session.rollback()
        database = {"ok": False, "error": str(exc).splitlines()[0][:200]}
    ok, detail = queue.ping()
    healthy = database["ok"] and ok
    body = {"status": "ok" if healthy else "degraded"}
    if may(current_user, "health.details"):
        body.update(database=database, queue={"ok": ok, "detail": detail})
    return body, (200 if healthy else 503)


def _profile_page(form=None, token_form=None, new_secret=None, password_form=None, status=200):
    return render_template("core/profile.html", form=form or ProfileForm(locale=current_user.locale),
                           token_form=token_form or TokenForm(), tokens=service.tokens_of(current_user),
                           new_secret=new_secret, password_form=password_form or OwnPasswordForm(formdata=None)), status


@bp.route("/profile", methods=["GET", "POST"])
@requires("account")
def profile():
    form = ProfileForm(locale=current_user.locale)
    if form.validate_on_submit():
        service.set_locale(current_user, form.locale.data)
        flash(_("Saved."), "info")
        return redirect(url_for("core.profile"))
    return _profile_page(form, status=200 if request.method == "GET" else 400)


@bp.post("/profile/password")
@requires("account")
def change_password():
    form = OwnPasswordForm()
    if form.validate_on_submit():
        try:
            service.change_own_password(current_user, form.current.data, form.password.data)
        except service.UserError as exc:
            form.current.errors.append(str(exc))
        else:
            flash(_("Your password is changed."), "info")
            return redirect(url_for("core.profile"))
    return _profile_page(password_form=form, status=400)


@bp.post("/profile/tokens")
@requires("account")
def create_token():
    form = TokenForm()
    if form.validate_on_submit():
        try:
            secret = service.issue_token(current_user, form.name.data, form.expires_days.data)
        except service.UserError as exc:
            form.name.errors.append(str(exc))
        else:
            return _profile_page(token_form=TokenForm(formdata=None), new_secret=secret, status=201)
    return _profile_page(token_form=form, status=400)


@bp.post("/profile/tokens/<int:api_token_id>/revoke")
@requires("account")
def revoke_token(api_token_id):
    token = service.own_token(current_user, api_token_id) or abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400, _("The form has expired: reload the page."))
    service.revoke_token(token)
    flash(_("Token %(prefix)s is revoked.", prefix=token.prefix), "info")
    return redirect(url_for("core.profile"))


@bp.route("/records/<table>/<int:row_id>/history")
@requires("records.history")
def history(table, row_id):
    record = service.get_record(table, row_id, include_deleted=may(current_user, "records.delete"))
    if record is None:
        abort(404)
    return _history_page(table, record)


def _history_page(table, record):
    entries = [(entry, changes.describe(entry, record)) for entry in service.history_of(record)]
    return render_template("core/history.html", record=record, table=table, entries=entries,
                           record_label=changes.record_label(table), zone=changes.record_timezone(record))


@bp.post("/records/<table>/<int:row_id>/delete")
@requires("records.delete")
def delete_record(table, row_id):
    record = service.get_record(table, row_id)
    if record is None:
        abort(404)
    if request.form.get("confirm") != "yes":
        flash(_("Tick the box to confirm the deletion."), "error")
        return _history_page(table, record), 400
    service.soft_delete(record, current_user)
    flash(_("Deleted. An administrator can restore it from its history."), "info")
    return redirect(url_for("core.history", table=table, row_id=row_id))


@bp.post("/records/<table>/<int:row_id>/restore")
@requires("records.delete")
def restore_record(table, row_id):
    record = service.get_record(table, row_id, include_deleted=True)
    if record is None:
        abort(404)
    service.restore(record, current_user)
    flash(_("Restored."), "info")
    return redirect(url_for("core.history", table=table, row_id=row_id))


@api_bp.route("/me")
@api_requires("account")
@api_bp.response(200, MeOut)
def me():
    """The user the bearer token belongs to."""
    return current_user
