"""The dispatcher's inbox of free-text replies, and the alerts of orders that will not fill by themselves."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from core.auth import requires
from core.i18n import gettext as _
from dispatch import bp, console
from dispatch.forms import InboxForm
from dispatch.models import Alert, Message
from extensions import db


@bp.route("/inbox")
@requires("dispatch.inbox")
def inbox():
    everything = request.args.get("all") == "1"
    return render_template("dispatch/inbox.html", rows=console.inbox(include_handled=everything),
                           everything=everything, alerts=console.open_alerts(), form=InboxForm())


@bp.post("/inbox/<int:message_id>")
@requires("dispatch.inbox")
def handle(message_id):
    message = db.session.get(Message, message_id) or abort(404)
    form = InboxForm()
    if form.validate_on_submit():
        try:
            sent = console.handle(message, current_user, form.answer.data)
        except console.ConsoleError as exc:
            form.answer.errors.append(str(exc))
        else:
            flash(_("Answered by SMS.") if sent else _("Marked as handled."), "info")
            return redirect(url_for("dispatch.inbox"))
    for error in form.answer.errors:
        flash(error, "error")
    return render_template("dispatch/inbox.html", rows=console.inbox(), everything=False,
                           alerts=console.open_alerts(), form=InboxForm()), 400


@bp.post("/alerts/<int:alert_id>/resolve")
@requires("dispatch.inbox")
def resolve_alert(alert_id):
    alert = db.session.get(Alert, alert_id) or abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400, _("The form has expired: reload the page."))
    console.resolve(alert, current_user)
    flash(_("Alert closed."), "info")
    if request.form.get("back") == "order":
        return redirect(url_for("orders.detail", order_id=alert.order_id))
    return redirect(url_for("dispatch.inbox"))
