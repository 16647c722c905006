"""How candidates are ranked: the score of a worker for a shift, as plain functions of plain values.

    score = 0.45 * (rating - 1) / 4
          + 0.35 * reliability
          + 0.15 * (1 - distance / radius)
          + 0.05 * fairness

The first two terms are the worker's merit, his own and the same for every shift; the worker
pool's candidate index holds it (workers/models.py), so a search can skip workers whose merit
cannot reach the best. The other two add at most 0.20 and depend on the shift.
"""
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import Float, cast, literal_column

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


def merit_sql(rating, reliability):
    """Return the SQL expression of a worker's merit: exact decimal arithmetic, rounded once to a float.

    The candidate index is built on this very expression, so it is written with literal
    constants (PostgreSQL matches an index expression only to an identical one); a change of
    the two weights needs a migration that rebuilds the index.
    """
    per_point = literal_column(repr(WEIGHTS["rating"] / 4))
    return cast(per_point * (rating - literal_column("1")) + literal_column(repr(WEIGHTS["reliability"])) * reliability,
                Float)
