"""The call-centre screens (territories, taking a call, one lead) and the branch's lead inbox."""
from functools import partial

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from core import changes
from core.auth import requires
from core.i18n import gettext as _
from core.i18n import label
from core.phones import InvalidPhone, display_phone, normalize_phone, try_normalize_phone
from core.templating import viewer_timezone
from core.timeutil import to_zone, utcnow
from leads import bp, reports, service, texts
from leads import funnel as funnel_math
from leads.forms import AcceptForm, DeclineForm, FunnelForm, LeadForm, LocateForm

bp.add_app_template_global(partial(label, texts.STATUS_LABELS), "lead_status_label")
bp.add_app_template_global(partial(label, texts.SOURCE_LABELS), "lead_source_label")
changes.CODED.update({("lead", "status"): texts.STATUS_LABELS, ("lead", "source"): texts.SOURCE_LABELS})
bp.add_app_template_global(partial(label, texts.KINDS), "lead_event_label")
bp.add_app_template_global(texts.describe, "lead_reason")
bp.add_app_template_global(service.waiting_count, "leads_waiting")  # the nav's badge


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
    if form.validate_on_submit():
        try:
            lead, created = service.take_lead(form.service_data(), current_user)
        except service.LeadError as exc:
            form[exc.field].errors.append(str(exc))
        else:
            flash(_("Lead %(id)s taken and routed.", id=lead.id) if created else
                  _("This phone has an open lead: the call is added to it."), "info")
            return redirect(url_for("leads.detail", lead_id=lead.id))
    matches = service.find_by_phone(try_normalize_phone(form.phone.data or ""))
    status = 400 if request.method == "POST" else 200
    return render_template("leads/take.html", form=form, matches=matches, recent=service.recent_leads()), status


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
