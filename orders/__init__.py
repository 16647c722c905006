"""Orders: a client's request for N workers on a shift, and the foreman's day on site."""
from flask import Blueprint

bp = Blueprint("orders", __name__, url_prefix="/orders")
