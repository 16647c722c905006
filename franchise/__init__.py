"""Franchise: regions, franchises, the head-office dashboard and the partner portal."""
from flask import Blueprint
from flask_smorest import Blueprint as ApiBlueprint

bp = Blueprint("franchise", __name__)
api_bp = ApiBlueprint("franchise_api", __name__, url_prefix="", description="Regions and franchises")
