"""Clients: companies that order workers, their contacts and sites."""
from flask import Blueprint

bp = Blueprint("clients", __name__, url_prefix="/clients")
