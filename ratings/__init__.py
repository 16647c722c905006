"""Ratings: attendance turned into each worker's rating and reliability."""
from flask import Blueprint

bp = Blueprint("ratings", __name__, url_prefix="/ratings")
