"""Where a lead goes: plain functions of plain values, the rule written once.

1. The territory: the region whose radius holds the point (the nearest centre if several
   do); else the nearest region whose centre is within LEAD_NEAREST_KM; else none.
2. In that region, the active official representative (one per city; the oldest if data
   ever holds two).
3. Else the region's other active franchises by round robin: the one that received a lead
   least recently (never before counts as longest ago; ties by the oldest franchise).
4. Else head office.
A branch that already had the lead (it declined it) is not asked again.
"""
from dataclasses import dataclass, field
from datetime import datetime

from core.geo import haversine_km


@dataclass(frozen=True)
class Area:
    """A region as routing sees it."""

    id: int
    name: str
    lat: float
    lon: float
    radius_km: float


@dataclass(frozen=True)
class Branch:
    """An active franchise of the region, with when it last received a lead (None: never)."""

    id: int
    name: str
    tier: str
    last_lead_at: datetime | None = None


@dataclass(frozen=True)
class Decision:
    """One step of the rule: what it chose (an area or a branch, or None) and why."""

    chosen: Area | Branch | None
    reason: str
    details: dict = field(default_factory=dict)


def locate(lat: float, lon: float, areas: list[Area], nearest_km: float) -> Decision:
    """Return the region of the point: inside a radius, else the nearest within nearest_km, else none."""
    measured = sorted(((haversine_km(lat, lon, a.lat, a.lon), a.id, a) for a in areas), key=lambda t: t[:2])
    for km, _id, area in measured:
        if km <= area.radius_km:
            return Decision(area, "inside_region", {"region": area.name, "km": round(km, 1)})
    if measured and measured[0][0] <= nearest_km:
        km, _id, area = measured[0]
        return Decision(area, "nearest_region", {"region": area.name, "km": round(km, 1), "limit": f"{nearest_km:g}"})
    return Decision(None, "no_region", {"limit": f"{nearest_km:g}"})


def choose_branch(branches: list[Branch], tried: set[int] | frozenset = frozenset()) -> Decision:
    """Return the region's branch for the lead: the official representative, else round robin; None if none is left."""
    left = [b for b in branches if b.id not in tried and b.tier != "head_office"]
    official = sorted((b for b in left if b.tier == "official"), key=lambda b: b.id)
    if official:
        return Decision(official[0], "official", {"franchise": official[0].name})
    if not left:
        return Decision(None, "no_branch_left" if tried else "no_branch", {})
    chosen = min(left, key=lambda b: (b.last_lead_at is not None, b.last_lead_at or datetime.min, b.id))
    last = chosen.last_lead_at.isoformat() if chosen.last_lead_at else None
    return Decision(chosen, "round_robin", {"franchise": chosen.name, "last": last})
