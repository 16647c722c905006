"""Playbook: head office's know-how for partners, each document gated by package tier, every copy stamped and logged."""
from flask import Blueprint

bp = Blueprint("playbook", __name__, url_prefix="/playbook")
