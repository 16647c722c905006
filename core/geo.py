"""Distances on the globe: plain functions, fast enough for filtered survivors."""
from math import asin, cos, radians, sin, sqrt

from sqlalchemy import func, literal

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the great-circle distance between two points in km."""
    p1, p2 = radians(lat1), radians(lat2)
    dp, dl = p2 - p1, radians(lon2 - lon1)
    a = sin(dp / 2) ** 2 + cos(p1) * cos(p2) * sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * asin(min(1.0, sqrt(a)))


def bounding_box(lat: float, lon: float, km: float) -> tuple[float, float, float, float]:
    """Return (min_lat, max_lat, min_lon, max_lon) enclosing a circle of km around a point."""
    dlat = km / 111.32
    dlon = km / (111.32 * max(cos(radians(lat)), 0.01))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def haversine_sql(lat_column, lon_column, lat: float, lon: float):
    """Return a SQL expression of the haversine distance in km from (lat, lon) to the columns."""
    phi1 = func.radians(literal(lat))
    phi2 = func.radians(lat_column)
    half_dphi = (phi2 - phi1) / 2
    half_dlam = (func.radians(lon_column) - func.radians(literal(lon))) / 2
    a = func.power(func.sin(half_dphi), 2) + func.cos(phi1) * func.cos(phi2) * func.power(func.sin(half_dlam), 2)
    return 2 * EARTH_RADIUS_KM * func.asin(func.sqrt(a))
