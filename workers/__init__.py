"""Workers: the shared pool, partitioned by home region."""
from flask import Blueprint
from flask_smorest import Blueprint as ApiBlueprint

bp = Blueprint("workers", __name__, url_prefix="/workers")
api_bp = ApiBlueprint("workers_api", __name__, url_prefix="/workers", description="The worker pool")
