"""Distances on the ellipsoid: the SQL measure against PROJ's geodesic, the grid's cells and their bounds."""
import math
import random

import pytest
from pyproj import Geod
from sqlalchemy import Float, column, func, select, values

from core.geo import NEAR_KM_ABSOLUTE, NEAR_KM_ERROR, NEAR_KM_RANGE, grid_cells_within, near_km_sql, reach

WGS84 = Geod(ellps="WGS84")


def points_around(rng, lat, lon, km, n):
    """n points within km of (lat, lon), at random bearings and distances, with their geodesic distances."""
    out = []
    for _ in range(n):
        lon2, lat2, _ = WGS84.fwd(lon, lat, rng.uniform(0, 360), km * 1000 * math.sqrt(rng.random()))
        out.append((lat2, lon2, WGS84.inv(lon, lat, lon2, lat2)[2] / 1000))
    return out


@pytest.mark.parametrize("lat", [0.0, 41.7, 55.75, 69.0, 78.2, 88.5])
def test_the_sql_measure_keeps_within_its_error_of_the_geodesic(db, lat):
    rng = random.Random(lat)
    lon = 37.6
    for km in (1.0, 25.0, NEAR_KM_RANGE):
        points = points_around(rng, lat, lon, km, 200)
        table = values(column("lat", Float), column("lon", Float), column("km", Float), name="p").data(points)
        measured = near_km_sql(table.c.lat, table.c.lon, lat, lon, math.cos(math.radians(lat)))
        for sql_km, geodesic in db.session.execute(select(measured, table.c.km)):
            assert abs(sql_km - geodesic) <= NEAR_KM_ERROR * geodesic + NEAR_KM_ABSOLUTE
            assert abs(sql_km - geodesic) <= 3e-11 * geodesic ** 3 + 1e-11  # as measured: 2e-11 x km² of the distance


def test_the_sql_measure_of_the_same_point_is_nought(db):
    assert db.session.scalar(select(near_km_sql(func.cast(55.75, Float), func.cast(37.6, Float), 55.75, 37.6,
                                                math.cos(math.radians(55.75))))) == 0


@pytest.mark.parametrize("lat, lon, km", [(55.7558, 37.6173, 15), (55.7558, 37.6173, 25), (0.01, 9.99, 40),
                                          (-33.9, 18.4, 5), (69.35, 88.2, 45), (43.1, 131.9, 0.7)])
def test_every_point_within_reach_lies_in_a_cell_no_nearer_than_its_bound(lat, lon, km):
    cells = dict(grid_cells_within(lat, lon, km))
    low, high, west, east = reach(lat, lon, km)
    for lat2, lon2, geodesic in points_around(random.Random(km), lat, lon, km, 3000):
        assert low <= lat2 <= high and west <= lon2 <= east
        cell = math.floor(lat2 * 25) * 10000 + math.floor(lon2 * 12.5)
        assert cell in cells
        assert cells[cell] <= geodesic


def test_the_cell_of_the_point_itself_is_at_nought():
    assert dict(grid_cells_within(55.7558, 37.6173, 15))[math.floor(55.7558 * 25) * 10000 + math.floor(37.6173 * 12.5)] == 0


@pytest.mark.parametrize("lat, lon, km", [(89.5, 0.0, 15), (55.0, 179.95, 15), (55.0, -179.95, 15), (55.75, 37.6, 250)])
def test_the_grid_stands_aside_near_a_pole_across_the_antimeridian_and_for_wide_circles(lat, lon, km):
    assert grid_cells_within(lat, lon, km) is None
