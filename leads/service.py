"""Territories: which franchise serves a place."""
from dataclasses import dataclass

from core.geo import haversine_km
from franchise.models import Franchise, Region
from franchise.service import list_franchises, list_regions

TIER_ORDER = {"official": 0, "brand": 1, "basic": 2, "head_office": 3}


@dataclass
class Territory:
    region: Region
    distance_km: float
    franchises: list[Franchise]


def franchises_by_region() -> list[tuple[Region, list[Franchise]]]:
    """Return each region with its active franchises, the official representative first."""
    franchises = list_franchises()
    return [
        (
            region,
            sorted(
                (f for f in franchises if f.region_id == region.id and f.status == "active"),
                key=lambda f: (TIER_ORDER.get(f.tier, 9), f.name),
            ),
        )
        for region in list_regions()
    ]


def territory_for(lat: float, lon: float) -> Territory | None:
    """Return the nearest region whose radius covers the point, with its franchises."""
    best = None
    for region, franchises in franchises_by_region():
        distance = haversine_km(lat, lon, region.center_lat, region.center_lon)
        if distance <= float(region.radius_km) and (best is None or distance < best.distance_km):
            best = Territory(region, distance, franchises)
    return best
