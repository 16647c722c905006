"""Leads: the central call centre's inbound requests and their routing to franchises."""
from flask import Blueprint

bp = Blueprint("leads", __name__, url_prefix="/leads")
