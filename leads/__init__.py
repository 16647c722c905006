"""Leads: the central call centre's inbound requests and their routing to franchises."""
from flask import Blueprint
from flask_smorest import Blueprint as ApiBlueprint

bp = Blueprint("leads", __name__, url_prefix="/leads")
api_bp = ApiBlueprint("leads_api", __name__, url_prefix="/leads", description="Leads, their routing log and the funnel")
voice_bp = Blueprint("voice", __name__, url_prefix="/voice")  # Twilio Voice webhooks, signed, never cookies
