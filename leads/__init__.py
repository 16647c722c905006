"""Leads: the central call centre's inbound requests and their routing to franchises."""
from flask import Blueprint

bp = Blueprint("leads", __name__, url_prefix="/leads")
voice_bp = Blueprint("voice", __name__, url_prefix="/voice")  # Twilio Voice webhooks, signed, never cookies
