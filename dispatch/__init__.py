"""Dispatch: candidates, waves of SMS offers, replies and bookings."""
from flask import Blueprint

bp = Blueprint("dispatch", __name__, url_prefix="/dispatch")
sms_bp = Blueprint("sms", __name__, url_prefix="/sms")  # Twilio webhooks, signed, never cookies
