"""Distances on the globe: plain functions, fast enough for filtered survivors, and SQL for the rest."""
from math import asin, cos, degrees, floor, hypot, radians, sin, sqrt

from sqlalchemy import Float, Integer, cast, func, literal, literal_column

EARTH_RADIUS_KM = 6371.0088
# The WGS-84 ellipsoid: semi-major axis and first eccentricity squared.
SEMI_MAJOR_KM = 6378.137
_FLATTENING = 1 / 298.257223563
E2 = _FLATTENING * (2 - _FLATTENING)

# near_km_sql against the WGS-84 geodesic, up to NEAR_KM_RANGE: at most this share of the
# distance plus NEAR_KM_ABSOLUTE. Measured (tests/core/test_geo.py): about 2e-11 x km² of it
# (2e-9 at 10 km, 2e-7 at 100 km, 2e-6 at 300 km) and 2e-12 km for points a metre apart.
NEAR_KM_ERROR = 1e-5
NEAR_KM_ABSOLUTE = 1e-9
NEAR_KM_RANGE = 300.0

# Candidate search's grid (the candidate index is built on grid_cell_sql): rows of 0.04° of
# latitude (4.4 km) by columns of 0.08° of longitude (5 km at 55°N, 3 km at 70°N).
GRID_ROWS_PER_DEGREE = 25
GRID_COLUMNS_PER_DEGREE = 12.5
GRID_MAX_CELLS = 1000
_MILLIMETRE_KM = 1e-6


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


def near_km_sql(lat_column, lon_column, lat, lon, cos_lat):
    """Return a SQL expression of the distance in km from (lat, lon) to the columns on the WGS-84 ellipsoid,
    within NEAR_KM_ERROR of the geodesic up to NEAR_KM_RANGE km.

    The haversine on the sphere of the ellipsoid's transverse radius N at the mid-latitude, the
    difference of latitude stretched to the meridian's radius there (M / N = (1 - e²) / (1 - e² sin²)):
    the plain haversine errs by up to 0.56% (near the equator), this by a few millionths. Meant for
    points inside reach() of (lat, lon): it takes no care of the antipodes. lat, lon and cos_lat (the cosine of
    lat) are values or parameters.
    """
    sin, cos_, sqrt_, radians_ = (lambda x: func.sin(x, type_=Float)), (lambda x: func.cos(x, type_=Float)), (
        lambda x: func.sqrt(x, type_=Float)), (lambda x: func.radians(x, type_=Float))
    w = 1.0 - E2 * func.power(sin(radians_((lat_column + lat) / 2.0)), 2.0, type_=Float)
    half_dphi = radians_(lat_column - lat) * (1 - E2) / w / 2.0
    half_dlam = radians_(lon_column - lon) / 2.0
    h = func.power(sin(half_dphi), 2.0, type_=Float) + cos_lat * cos_(radians_(lat_column)) * func.power(
        sin(half_dlam), 2.0, type_=Float)
    return 2 * SEMI_MAJOR_KM / sqrt_(w) * func.asin(sqrt_(h), type_=Float)


def reach(lat: float, lon: float, km: float) -> tuple[float, float, float | None, float | None]:
    """Return (min_lat, max_lat, min_lon, max_lon) holding every point within km of (lat, lon) on the ellipsoid;
    the longitudes are None when the box would pass a pole or the antimeridian.

    A path of length km changes latitude by at most km / a(1 - e²) (the least meridian radius), and
    longitude by at most km over the least radius of a parallel within that band.
    """
    band = degrees(km / (SEMI_MAJOR_KM * (1 - E2)))
    low, high = lat - band, lat + band
    farthest = radians(max(abs(low), abs(high)))
    if farthest >= radians(89):
        return low, high, None, None
    wide = degrees(km / _parallel_radius(farthest))
    if lon - wide < -180 or lon + wide >= 180:
        return low, high, None, None
    return low, high, lon - wide, lon + wide


def grid_cell_sql(lat_column, lon_column):
    """Return the SQL expression of the grid cell holding a point: its row times 10000 plus its column."""
    row = cast(func.floor(lat_column * literal_column(repr(GRID_ROWS_PER_DEGREE))), Integer)
    column = cast(func.floor(lon_column * literal_column(repr(GRID_COLUMNS_PER_DEGREE))), Integer)
    return row * literal_column("10000") + column


def grid_cells_within(lat: float, lon: float, km: float) -> list[tuple[int, float]] | None:
    """Return the grid cells holding the points within km of (lat, lon) on the ellipsoid, each with a lower bound
    of the distance to its points (in km); None near a pole, across the antimeridian or past GRID_MAX_CELLS.

    The bound holds for the cell's points within km: a geodesic that short stays in the latitude band
    that reach() gives, where the meridian's radius is at least M and a parallel's at least P, so its
    length is at least hypot(M x the difference of latitude, P x the difference of longitude).
    """
    low, high, west, east = reach(lat, lon, km)
    if west is None:
        return None
    rows = range(floor(low * GRID_ROWS_PER_DEGREE), floor(high * GRID_ROWS_PER_DEGREE) + 1)
    columns = range(floor(west * GRID_COLUMNS_PER_DEGREE), floor(east * GRID_COLUMNS_PER_DEGREE) + 1)
    if len(rows) * len(columns) > GRID_MAX_CELLS:
        return None
    nearest = 0.0 if low <= 0 <= high else radians(min(abs(low), abs(high)))
    meridian = SEMI_MAJOR_KM * (1 - E2) / (1 - E2 * sin(nearest) ** 2) ** 1.5
    parallel = _parallel_radius(radians(max(abs(low), abs(high))))
    cells = []
    for row in rows:
        dphi = radians(max(0.0, row / GRID_ROWS_PER_DEGREE - lat, lat - (row + 1) / GRID_ROWS_PER_DEGREE))
        for column in columns:
            dlam = radians(max(0.0, column / GRID_COLUMNS_PER_DEGREE - lon, lon - (column + 1) / GRID_COLUMNS_PER_DEGREE))
            least = max(0.0, hypot(meridian * dphi, parallel * dlam) - _MILLIMETRE_KM)  # a cell's edge, rounded
            if least <= km:
                cells.append((row * 10000 + column, least))
    return cells


def _parallel_radius(phi: float) -> float:
    """The radius of the parallel at latitude phi (radians): N cos(phi)."""
    return SEMI_MAJOR_KM / sqrt(1 - E2 * sin(phi) ** 2) * cos(phi)
