"""Core: sign-in, roles, tenancy, audit, money, phones, the queue; pages every role shares."""
from flask import Blueprint
from flask_smorest import Blueprint as ApiBlueprint

bp = Blueprint("core", __name__)
api_bp = ApiBlueprint("core_api", __name__, url_prefix="", description="The caller and its tokens")
