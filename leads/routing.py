"""Where a lead goes: plain functions of plain values, the rule written once.

1. The territory: the region whose radius holds the point (the nearest centre if several
   do); else the nearest region whose centre is within LEAD_NEAREST_KM; else none.
2. In that region, the active official representative (one per city; the oldest if data
   ever holds two).
3. Else the region's other active franchises by round robin weighted by how each one used
   its leads of the last LEAD_ROUTING_DAYS (90) days (``weight`` and ``choose_branch``):

       acceptance  = (accepted + 1) / (answered + 2)   answered = accepted + declined + expired
       conversion  = (converted + 1) / (accepted + 2)  converted = a draft order made from it
       weight      = acceptance × conversion
       the lead goes to the branch with the least (received + 1) / weight

   so over the window each branch receives leads in proportion to its weight: a branch that
   accepts and converts everything tends to weight 1, one that declines or lets its leads
   expire tends to 0. Worked example: Bravo received 10, accepted 9, declined 1, converted
   9 (weight 10/12 × 10/11 = 0.76, load 11 / 0.76 = 14.5); Delta received 10, accepted 2,
   let 8 expire, converted 1 (weight 3/12 × 2/4 = 0.125, load 11 / 0.125 = 88): Bravo gets
   the next leads until its load passes 88, near 66 received if it answers none of them
   meanwhile (its weight, and so its share, grows as it accepts). The +1/+2 (Laplace's rule)
   give a branch with no history the even weight 1/2 × 1/2 = 1/4, so a newcomer is neither
   starved nor flooded. Ties go to the branch that received a lead least recently (never
   before counts as longest ago), then to the oldest franchise: with equal figures it is the
   plain round robin.
4. Else head office.
A branch that already had the lead (it declined it, or let it expire) is not asked again.
"""
from dataclasses import dataclass, field
from datetime import datetime, timezone
from fractions import Fraction

from core.geo import haversine_km

_NEVER = datetime.min.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Area:
    """A region as routing sees it."""

    id: int
    name: str
    lat: float
    lon: float
    radius_km: float
    timezone: str = ""  # its zone, carried along so taking a call reads regions once


@dataclass(frozen=True)
class Branch:
    """An active franchise of the region: when it last received a lead (None: never), and what it
    did with its leads of the routing window (received, accepted, declined or expired, converted)."""

    id: int
    name: str
    tier: str
    last_lead_at: datetime | None = None
    received: int = 0
    accepted: int = 0
    refused: int = 0  # declined or let expire
    converted: int = 0


def weight(branch: Branch) -> Fraction:
    """Return the branch's share weight: smoothed acceptance rate × smoothed conversion rate, in (0, 1)."""
    acceptance = Fraction(branch.accepted + 1, branch.accepted + branch.refused + 2)
    conversion = Fraction(min(branch.converted, branch.accepted) + 1, branch.accepted + 2)
    return acceptance * conversion


def load(branch: Branch) -> Fraction:
    """Return how far the branch is ahead of its share: (received + 1) / weight; the least gets the next lead."""
    # weight's two fractions multiplied out and turned over: one exact Fraction made instead of four (the
    # rule compares every branch of a city on each lead)
    accepted = branch.accepted
    return Fraction((branch.received + 1) * (accepted + branch.refused + 2) * (accepted + 2),
                    (accepted + 1) * (min(branch.converted, accepted) + 1))


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
    """Return the region's branch for the lead: the official representative, else weighted round robin; None if none is left."""
    left = [b for b in branches if b.id not in tried and b.tier != "head_office"]
    official = sorted((b for b in left if b.tier == "official"), key=lambda b: b.id)
    if official:
        return Decision(official[0], "official", {"franchise": official[0].name})
    if not left:
        return Decision(None, "no_branch_left" if tried else "no_branch", {})
    chosen = min(left, key=lambda b: (load(b), b.last_lead_at is not None, b.last_lead_at or _NEVER, b.id))
    last = chosen.last_lead_at.isoformat() if chosen.last_lead_at else None
    share = weight(chosen)
    return Decision(chosen, "weighted_round_robin", {
        "franchise": chosen.name, "last": last, "received": chosen.received, "accepted": chosen.accepted,
        "refused": chosen.refused, "converted": chosen.converted, "weight": f"{float(share):.2f}",
        "others": len(left) - 1})
