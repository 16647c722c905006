"""Dispatch's pages and webhooks: Twilio's replies and delivery callbacks, the inbox and alerts,
the reports (calibration, SMS templates), and the SMS simulator."""
from typing import NamedTuple

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from core.auth import public, requires
from core.i18n import gettext as _
from dispatch import alerts, bp, calibration, console, gateway, inbound, simulator, sms_bp, status, texts
from dispatch.forms import CallForm, InboxForm, ReplyForm
from dispatch.models import Alert, Message
from extensions import db, limiter
from workers.service import get_worker


@sms_bp.post("/inbound")
@public  # Twilio signs it
@limiter.exempt
def sms_inbound():
    if not gateway.signature_is_valid():
        abort(403, "The request is not signed by Twilio.")
    sid, sender = request.form.get("MessageSid", ""), request.form.get("From", "")
    if not sid or not sender or len(sid) > 64:
        abort(400, "MessageSid and From are required.")
    answer = inbound.handle_inbound(sid, sender, request.form.get("Body", ""), request.form.get("To"),
                                    request.form.get("MessagingServiceSid"))
    return Response(gateway.twiml(answer), mimetype="application/xml")


@sms_bp.post("/status")
@public  # Twilio signs it
@limiter.exempt
def sms_status():
    if not gateway.signature_is_valid():
        abort(403, "The request is not signed by Twilio.")
    sid, new_status = request.form.get("MessageSid", ""), request.form.get("MessageStatus", "")
    if not sid or not new_status:
        abort(400, "MessageSid and MessageStatus are required.")
    code = request.form.get("ErrorCode", "")
    status.apply_status(sid, new_status, int(code) if code.isdigit() else None)
    return Response(status=204)


@bp.route("/inbox")
@requires("dispatch.inbox")
def inbox():
    everything = request.args.get("all") == "1"
    return _inbox_page(console.inbox(include_handled=everything), everything)


def _inbox_page(rows, everything=False, status=200):
    offers = console.open_offers([worker.id for _reader, _message, worker in rows if worker is not None])
    return render_template("dispatch/inbox.html", rows=rows, everything=everything, alerts=alerts.open_alerts(),
                           form=InboxForm(), open_offers=offers, orders_by_id=console.orders_named(rows)), status


@bp.post("/inbox/<int:message_id>/orders/<int:order_id>/book")
@requires("orders.manage")
def book_from_inbox(message_id, order_id):
    """Book the worker on the order his text is about, tell him, and close the text."""
    return _answer_for_worker(message_id, order_id, "book")


@bp.post("/inbox/<int:message_id>/orders/<int:order_id>/decline")
@requires("orders.manage")
def decline_from_inbox(message_id, order_id):
    """Record the worker's no to the order his text is about, and close the text."""
    return _answer_for_worker(message_id, order_id, "decline")


def _answer_for_worker(message_id, order_id, action):
    message = db.session.get(Message, message_id) or abort(404)
    order = console.get_order(order_id) or abort(404)
    worker = get_worker(message.worker_id) if message.worker_id else None
    if worker is None:
        abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400, _("The form has expired: reload the page."))
    try:
        (console.book if action == "book" else console.decline)(order, worker)
        console.handle(message, current_user)
    except console.ConsoleError as exc:
        flash(str(exc), "error")
        return _inbox_page(console.inbox(), status=409)
    flash(_("%(name)s is booked and told by SMS.", name=worker.full_name) if action == "book"
          else _("%(name)s declines order %(code)s.", name=worker.full_name, code=order.code), "info")
    return redirect(url_for("dispatch.inbox"))


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
    return _inbox_page(console.inbox(), status=400)


@bp.post("/alerts/<int:alert_id>/resolve")
@requires("dispatch.inbox")
def resolve_alert(alert_id):
    alert = db.session.get(Alert, alert_id) or abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400, _("The form has expired: reload the page."))
    alerts.resolve(alert, current_user)
    flash(_("Alert closed."), "info")
    if request.form.get("back") == "order":
        return redirect(url_for("orders.detail", order_id=alert.order_id))
    return redirect(url_for("dispatch.inbox"))


DAY_CHOICES = (30, 90, 365)
LANGUAGES = ("ru", "en")


class TemplateRow(NamedTuple):
    name: str
    text: str
    characters: int
    encoding: str
    segments: int


@bp.route("/calibration")
@requires("dispatch.reports")
def calibration_report():
    days = request.args.get("days", type=int)
    days = days if days in DAY_CHOICES else 90
    return render_template("dispatch/calibration.html", days=days, day_choices=DAY_CHOICES,
                           regions=calibration.calibrate(calibration.placements(days)),
                           orders=calibration.recent_orders(days))


@bp.route("/templates")
@requires("dispatch.reports")
def sms_templates():
    rows = {language: [_measure(name, text) for name, text in texts.samples(language)] for language in LANGUAGES}
    return render_template("dispatch/templates.html", rows=rows, max_segments=texts.MAX_SEGMENTS)


def _measure(name: str, text: str) -> TemplateRow:
    # the same test segments() applies: one character outside GSM-7 makes the whole text UCS-2
    encoding = "GSM-7" if set(text) <= texts.GSM7 else "UCS-2"
    return TemplateRow(name, text, len(text), encoding, texts.segments(text))


def _simulating():
    if current_app.config["SMS_BACKEND"] != "simulator":
        abort(404, "The SMS simulator is on only with SMS_BACKEND=simulator.")


@bp.route("/simulator")
@requires("dispatch.simulator")
def simulator_index():
    _simulating()
    return render_template("dispatch/simulator.html", threads=simulator.threads(), call_form=CallForm())


@bp.post("/simulator/call")
@requires("dispatch.simulator")
def simulator_call():
    _simulating()
    form = CallForm()
    if not form.validate_on_submit():
        return render_template("dispatch/simulator.html", threads=simulator.threads(), call_form=form), 400
    simulator.place_call(form.phone.data)
    flash(_("Calling from %(phone)s: the call centre's free agent gets the caller's card.", phone=form.phone.data),
          "info")
    return redirect(url_for("dispatch.simulator_index"))


@bp.route("/simulator/<int:worker_id>", methods=["GET", "POST"])
@requires("dispatch.simulator")
def simulator_thread(worker_id):
    _simulating()
    worker = get_worker(worker_id) or abort(404)
    form = ReplyForm()
    if form.validate_on_submit():
        simulator.reply_as(worker, form.body.data)
        return redirect(url_for("dispatch.simulator_thread", worker_id=worker.id))
    return render_template("dispatch/thread.html", worker=worker, messages=simulator.thread(worker), form=form)
