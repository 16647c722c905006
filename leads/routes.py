"""The call-centre screens (territories, taking a call, one lead, inbound calls), the branch's lead inbox,
Twilio Voice's webhooks and the public web form."""
from functools import partial

from flask import Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_login import current_user
from marshmallow import ValidationError

from core import changes, tenancy
from core.audit import set_actor
from core.auth import public, requires
from core.i18n import gettext as _
from core.i18n import label
from core.phones import InvalidPhone, display_phone, normalize_phone, try_normalize_phone
from core.templating import viewer_timezone
from core.timeutil import to_zone, utcnow
from dispatch import gateway
from extensions import limiter
from leads import bp, calls, reports, schemas, service, texts, voice_bp
from leads import funnel as funnel_math
from leads.forms import AcceptForm, CallForm, CallLogForm, DeclineForm, FunnelForm, LeadForm, LocateForm

bp.add_app_template_global(partial(label, texts.STATUS_LABELS), "lead_status_label")
bp.add_app_template_global(partial(label, texts.SOURCE_LABELS), "lead_source_label")
changes.CODED.update({("lead", "status"): texts.STATUS_LABELS, ("lead", "source"): texts.SOURCE_LABELS})
bp.add_app_template_global(partial(label, texts.KINDS), "lead_event_label")
bp.add_app_template_global(texts.describe, "lead_reason")
bp.add_app_template_global(service.waiting_count, "leads_waiting")  # the nav's badge
bp.add_app_template_global(partial(label, texts.CALL_OUTCOMES), "call_outcome_label")
bp.add_app_template_global(calls.outcome, "call_outcome")
bp.add_app_template_global(calls.duration, "call_duration")


@bp.route("/")
@requires("leads.route")
def index():
    form = LocateForm(request.args)
    territory, searched = None, bool(request.args)
    if searched and form.validate():
        territory = service.territory_for(float(form.lat.data), float(form.lon.data))
    status = 400 if searched and form.errors else 200
    return render_template(
        "leads/index.html", form=form, searched=searched, territory=territory, directory=service.franchises_by_region()
    ), status


@bp.route("/new", methods=["GET", "POST"])
@requires("leads.take")
def take():
    # GET with the form's fields is the look-up without script: the page keeps what was typed
    form = LeadForm(formdata=request.args) if request.method == "GET" and request.args else LeadForm()
    call = calls.current_call(current_user)
    # the caller's card, prefilled with his number; a number in the address (a call back from the call log)
    # is another caller's, whom the call on the screen is not about
    if request.method == "GET" and call is not None and not request.args.get("phone"):
        form.phone.data = call.from_phone
        form.call_id.data = form.call_id.data or str(call.id)
    if form.validate_on_submit():
        try:
            lead, created = service.take_lead(form.service_data(), current_user)
        except service.LeadError as exc:
            form[exc.field].errors.append(str(exc))
        else:
            if form.call() is not None:
                _close_call(form.call(), "handled", lead.id)
            flash(_("Lead %(id)s taken and routed.", id=lead.id) if created else
                  _("This phone has an open lead: the call is added to it."), "info")
            return redirect(url_for("leads.detail", lead_id=lead.id))
    matches = service.find_by_phone(try_normalize_phone(form.phone.data or ""))
    status = 400 if request.method == "POST" else 200
    return render_template("leads/take.html", form=form, matches=matches, recent=service.recent_leads(),
                           call=call, waiting=calls.waiting_calls(), call_form=CallForm()), status


def _close_call(call_id: int, state: str, lead_id: int | None = None) -> None:
    try:
        calls.finish_call(call_id, current_user, state, lead_id)
    except (LookupError, calls.CallError):
        pass  # the call left his screen meanwhile (he went away): the lead is saved all the same


@bp.post("/calls/poll")
@requires("leads.take")
def poll_calls():
    """The intake screen's heartbeat: the agent is free to take calls; answer the call on his screen."""
    call = calls.heartbeat(current_user)
    return jsonify(call=_call_json(call) if call else None,
                   waiting=[_call_json(c) for c in calls.waiting_calls()])


def _call_json(call) -> dict:
    return {"id": call.id, "phone": call.from_phone, "display": display_phone(call.from_phone), "state": call.state,
            "received_at": call.received_at.isoformat(), "url": url_for("leads.take"),
            "take_url": url_for("leads.take_call", call_id=call.id)}


@bp.route("/calls")
@requires("leads.calls")
def call_log():
    """Past inbound calls, the latest first: who called, what came of it; the missed ones to call back."""
    form, zone = CallLogForm(request.args), viewer_timezone()
    if request.args and not form.validate():
        return render_template("leads/calls.html", form=form, calls=[], total=0, page=1, zone=zone,
                               page_size=calls.CALL_PAGE_SIZE), 400
    since, until = calls.day_bounds(form.first.data, form.last.data, zone)
    page = form.page.data or 1
    found, total = calls.list_calls(since, until, form.status.data or None, page)
    return render_template("leads/calls.html", form=form, calls=found, total=total, page=page, zone=zone,
                           page_size=calls.CALL_PAGE_SIZE)


@bp.post("/calls/<int:call_id>/take")
@requires("leads.take")
def take_call(call_id):
    if not CallForm().validate_on_submit():
        abort(400, _("The form has expired: reload the page."))
    try:
        calls.take_call(call_id, current_user)
    except LookupError:
        abort(404)
    except calls.CallError as exc:
        flash(str(exc), "error")
    return redirect(url_for("leads.take"))


@bp.post("/calls/<int:call_id>/dismiss")
@requires("leads.take")
def dismiss_call(call_id):
    if not CallForm().validate_on_submit():
        abort(400, _("The form has expired: reload the page."))
    try:
        calls.finish_call(call_id, current_user, "dismissed")
    except LookupError:
        abort(404)
    except calls.CallError as exc:
        flash(str(exc), "error")
        return redirect(url_for("leads.take"))
    flash(_("Call dismissed: you are free for the next one."), "info")
    return redirect(url_for("leads.take"))


@bp.route("/lookup")
@requires("leads.take")
def lookup():
    try:
        phone = normalize_phone(request.args.get("phone", ""))
    except InvalidPhone as exc:
        return jsonify(phone=None, error=str(exc), clients=[], leads=[]), 400
    matches = service.find_by_phone(phone)
    return jsonify(
        phone=phone, display=display_phone(phone),
        clients=[{"id": c.id, "name": c.name, "franchise": c.franchise.name if c.franchise else None}
                 for c in matches["clients"]],
        leads=[{"id": lead.id, "caller": lead.caller_name, "company": lead.company, "status": lead.status,
                "created_at": lead.created_at.isoformat(), "url": url_for("leads.detail", lead_id=lead.id)}
               for lead in matches["leads"]],
    )


@bp.route("/<int:lead_id>")
@requires("leads.view")
def detail(lead_id):
    lead = service.get_lead(lead_id) or abort(404)
    return render_template("leads/detail.html", lead=lead, accept_form=AcceptForm(), decline_form=DeclineForm())


@bp.route("/inbox")
@requires("leads.answer")
def inbox():
    waiting, answered = service.inbox()
    return render_template("leads/inbox.html", waiting=waiting, answered=answered, decline_form=DeclineForm(),
                           accept_form=AcceptForm())


@bp.route("/<int:lead_id>/accept", methods=["POST"])
@requires("leads.answer")
def accept(lead_id):
    if not AcceptForm().validate_on_submit():
        abort(400)
    try:
        lead = service.accept_lead(lead_id, current_user)
    except LookupError:
        abort(404)
    except service.LeadError as exc:
        return _refused(lead_id, exc)
    if lead.order_id:
        flash(_("Accepted: a draft order is ready to send out."), "info")
        return redirect(url_for("orders.detail", order_id=lead.order_id))
    flash(_("Accepted: the client and the site are ready; create the order from the client's card."), "info")
    return redirect(url_for("clients.detail", client_id=lead.client_id))


@bp.route("/<int:lead_id>/decline", methods=["POST"])
@requires("leads.answer")
def decline(lead_id):
    form = DeclineForm()
    if not form.validate_on_submit():
        lead = service.get_lead(lead_id) or abort(404)
        return render_template("leads/detail.html", lead=lead, accept_form=AcceptForm(), decline_form=form), 400
    try:
        service.decline_lead(lead_id, form.reason.data, current_user)
    except LookupError:
        abort(404)
    except service.LeadError as exc:
        return _refused(lead_id, exc)
    flash(_("Declined: the lead goes on to the next franchise."), "info")
    return redirect(url_for("leads.inbox"))


def _refused(lead_id, exc):
    """Show the lead again with why the answer was refused (another user answered it first)."""
    flash(str(exc), "error")
    lead = service.get_lead(lead_id) or abort(404)
    return render_template("leads/detail.html", lead=lead, accept_form=AcceptForm(), decline_form=DeclineForm()), exc.status


@bp.route("/funnel")
@requires("leads.report")
def funnel():
    form = FunnelForm(request.args)
    zone = viewer_timezone()
    if request.args and not form.validate():
        return render_template("leads/funnel.html", form=form, report=None, chart=None), 400
    first, last = funnel_math.period(form.first.data, form.last.data, to_zone(utcnow(), zone).date())
    try:
        report = reports.funnel_report(first, last, zone)
    except ValueError as exc:
        form.last.errors.append(_("The period ends before it starts.") if str(exc) == "last" else
                                _("Choose a period of at most ten years."))
        return render_template("leads/funnel.html", form=form, report=None, chart=None), 400
    form.first.data, form.last.data = first, last
    return render_template("leads/funnel.html", form=form, report=report, chart=reports.chart_data(report))


# --- Twilio Voice ---------------------------------------------------------------------------

@voice_bp.post("/inbound")
@public  # Twilio signs it
@limiter.exempt
def voice_inbound():
    if not gateway.signature_is_valid():
        abort(403, "The request is not signed by Twilio.")
    sid, caller = request.form.get("CallSid", ""), request.form.get("From", "")
    if not sid or not caller or len(sid) > 64:
        abort(400, "CallSid and From are required.")
    calls.receive_call(sid, caller, request.form.get("To"), request.form.get("CallStatus", "ringing"))
    with force_locale("ru"):  # the callers of the network's number speak Russian
        greeting = str(texts.VOICE_GREETING)
    return Response(gateway.voice_twiml(greeting, texts.VOICE_QUEUE), mimetype="application/xml")


@voice_bp.post("/status")
@public  # Twilio signs it
@limiter.exempt
def voice_status():
    if not gateway.signature_is_valid():
        abort(403, "The request is not signed by Twilio.")
    sid, status = request.form.get("CallSid", ""), request.form.get("CallStatus", "")
    if not sid or not status:
        abort(400, "CallSid and CallStatus are required.")
    calls.call_status(sid, status)
    return Response(status=204)


# --- the public web form --------------------------------------------------------------------

def _form_rate_limit() -> str:
    return current_app.config["LEAD_FORM_RATE_LIMIT"]


@bp.route("/web", methods=["GET", "POST"])
@public  # anyone on the company's or a franchise's site: a honeypot and a rate limit keep robots out
@limiter.limit(_form_rate_limit, methods=["POST"])
def web_form():
    # Whoever's cookie comes along, the form acts for the public: no franchise's scope, nobody's name.
    tenancy.activate(None)
    set_actor(None, label="web form")
    if request.method == "GET":
        return render_template("leads/web_form.html", values={}, errors={})
    wants_json = request.is_json
    raw = request.get_json(silent=True) if wants_json else request.form.to_dict()
    if isinstance(raw, dict) and raw.get(schemas.HONEYPOT):
        current_app.logger.warning("web form: a filled honeypot from %s was dropped", request.remote_addr)
        return _web_thanks(wants_json, None)
    try:
        loaded = schemas.WebLeadIn().load(raw if raw is not None else [])
        lead, _created = service.take_lead(schemas.service_data(loaded), keep_unlocated=True)
    except ValidationError as exc:
        return _web_refused(wants_json, raw, schemas.field_errors(exc.messages))
    except service.LeadError as exc:
        return _web_refused(wants_json, raw, {schemas.FIELD_OF.get(exc.field, exc.field): [str(exc)]})
    return _web_thanks(wants_json, lead)


def _web_thanks(wants_json: bool, lead):
    """The same answer for a lead taken, one added to an open lead, and a robot's (nothing tells them apart)."""
    message = _("Thank you: we will call you back shortly.")
    if wants_json:
        return jsonify(ok=True, message=message), 201
    return render_template("leads/web_form.html", values={}, errors={}, thanks=message), 201


def _web_refused(wants_json: bool, raw, errors: dict):
    if wants_json:
        return jsonify(errors=errors), 400
    values = raw if isinstance(raw, dict) else {}
    return render_template("leads/web_form.html", values=values, errors=errors), 400
