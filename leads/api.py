"""The leads API: the visible leads, one lead with its routing log, taking a lead, and the funnel."""
from flask import abort
from flask_login import current_user
from flask_smorest import abort as api_abort

from core.auth import api_requires
from core.templating import viewer_timezone
from core.timeutil import to_zone, utcnow
from leads import api_bp, funnel, reports, service, texts
from leads.schemas import FunnelOut, FunnelQuery, LeadDetailOut, LeadIn, LeadOut, LeadQuery


def _detail(lead):
    events = [{"at": e.at, "kind": e.kind, "reason": e.reason, "text": texts.describe(e.reason, e.details or {}),
               "note": e.note, "franchise_id": e.franchise_id, "user_id": e.user_id} for e in lead.events]
    return {**{name: getattr(lead, name) for name in LeadOut().fields}, "events": events}


@api_bp.route("/")
@api_requires("leads.view")
@api_bp.arguments(LeadQuery, location="query")
@api_bp.response(200, LeadOut(many=True))
def api_list(args):
    """Leads the caller can see (a branch: those routed to it), the latest taken first, 50 a page."""
    return service.list_leads(args["status"], args["source"], args["since"], args["until"], args["page"])


@api_bp.route("/", methods=["POST"])
@api_requires("leads.take")
@api_bp.arguments(LeadIn)
@api_bp.response(201, LeadDetailOut, description="A new lead, routed at once.")
@api_bp.alt_response(200, schema=LeadDetailOut, description="The phone has an open lead: the call is added to it.")
def api_create(data):
    """Take a lead as the intake screen does: routed by the rule at once, or a repeat call on the phone's open lead."""
    try:
        lead, created = service.take_lead(data, current_user)
    except service.LeadError as exc:
        api_abort(422, message=str(exc), errors={"json": {exc.field or "_schema": [str(exc)]}})
    return _detail(lead), 201 if created else 200


@api_bp.route("/<int:lead_id>")
@api_requires("leads.view")
@api_bp.response(200, LeadDetailOut)
def api_get(lead_id):
    """One lead with its routing log (every step and why)."""
    return _detail(service.get_lead(lead_id) or abort(404))


@api_bp.route("/funnel")
@api_requires("leads.report")
@api_bp.arguments(FunnelQuery, location="query")
@api_bp.response(200, FunnelOut)
def api_funnel(args):
    """The funnel of the leads taken from since to until (days in the caller's zone): counts, rates, time to accept."""
    zone = viewer_timezone()
    first, last = funnel.period(args["since"], args["until"], to_zone(utcnow(), zone).date())
    try:
        return reports.as_dict(reports.funnel_report(first, last, zone))
    except ValueError:
        api_abort(422, errors={"query": {"since": ["Choose a period of at most ten years."]}})
