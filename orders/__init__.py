"""Orders: a client's request for N workers on a shift, and the foreman's day on site."""
from flask import Blueprint
from flask_smorest import Blueprint as ApiBlueprint

bp = Blueprint("orders", __name__, url_prefix="/orders")
api_bp = ApiBlueprint("orders_api", __name__, url_prefix="/orders", description="Orders and their fill")
