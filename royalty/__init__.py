"""Royalty: a month's statement per franchise, issued once and never edited, and the payments against it."""
from flask import Blueprint

bp = Blueprint("royalty", __name__, url_prefix="/royalty")
