"""How candidates are ranked: the score of a worker for a shift, as plain functions of plain values.

    score = 0.45 * (rating - 1) / 4
          + 0.35 * reliability
          + 0.15 * (1 - distance / radius)
          + 0.05 * fairness

where radius is the smaller of the order's travel radius and the worker's own, and fairness
nudges up workers who had no offer lately (fairness()).
"""
from datetime import datetime, timedelta
from decimal import Decimal

WEIGHTS = {"rating": 0.45, "reliability": 0.35, "distance": 0.15, "fairness": 0.05}


def fairness(last_offer_at: datetime | None, now: datetime) -> float:
    """Return the fairness nudge for a worker last offered at last_offer_at."""
    if last_offer_at is None:
        return 1.0
    age = now - last_offer_at
    if age >= timedelta(days=14):
        return 1.0
    if age >= timedelta(days=7):
        return 0.5
    if age >= timedelta(days=2):
        return 0.25
    return 0.0


def score(rating: Decimal, reliability: Decimal, distance_km: float, radius_km: float, fair: float) -> float:
    """Return the ranking score (the module docstring gives the formula)."""
    return (
        WEIGHTS["rating"] * (float(rating) - 1) / 4
        + WEIGHTS["reliability"] * float(reliability)
        + WEIGHTS["distance"] * (1 - distance_km / radius_km if radius_km > 0 else 0)
        + WEIGHTS["fairness"] * fair
    )
