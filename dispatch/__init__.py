"""Dispatch: candidates, waves of SMS offers, replies and bookings."""
from flask import Blueprint

bp = Blueprint("dispatch", __name__, url_prefix="/dispatch")
