"""Geocoding through geopy against a fake Nominatim on 127.0.0.1, with the cache and fallbacks."""
import socket

import pytest
from sqlalchemy import func, select

from core import geocoding
from core.models import GeocodeCache
from tests.fakes.nominatim import FakeNominatim

RED_SQUARE = (55.7539, 37.6208, "Красная площадь, Москва, Россия")


@pytest.fixture
def nominatim(app, db, monkeypatch):
    with FakeNominatim({"Красная площадь, Москва": RED_SQUARE}) as fake:
        monkeypatch.setitem(app.config, "GEOCODER_URL", fake.url)
        monkeypatch.setitem(app.config, "GEOCODER_TIMEOUT", 1.0)
        geocoding._limited.clear()
        yield fake
    geocoding._limited.clear()


def test_found_address_is_cached_and_asked_once(db, nominatim):
    first = geocoding.geocode("Красная площадь, Москва")
    assert (first.lat, first.lon, first.source) == (55.7539, 37.6208, "nominatim")
    again = geocoding.geocode("  красная   площадь,  Москва ")
    assert (again.lat, again.lon, again.source) == (55.7539, 37.6208, "cache")
    assert len(nominatim.requests) == 1
    assert db.session.scalar(select(func.count()).select_from(GeocodeCache)) == 1


def test_unknown_address_is_a_clear_error(db, nominatim):
    with pytest.raises(geocoding.GeocodeError, match="not found"):
        geocoding.geocode("Нигде, 0")
    assert db.session.scalar(select(func.count()).select_from(GeocodeCache)) == 0


def test_service_errors_are_a_clear_error(db, nominatim):
    nominatim.fail_with = 503
    with pytest.raises(geocoding.GeocodeError, match="did not answer"):
        geocoding.geocode("Красная площадь, Москва")


def test_slow_service_times_out_into_a_clear_error(app, db, nominatim, monkeypatch):
    monkeypatch.setitem(app.config, "GEOCODER_TIMEOUT", 0.3)
    geocoding._limited.clear()
    nominatim.delay = 1.0
    with pytest.raises(geocoding.GeocodeError, match="did not answer"):
        geocoding.geocode("Красная площадь, Москва")


def test_unreachable_service_is_a_clear_error(app, db, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    monkeypatch.setitem(app.config, "GEOCODER_URL", f"http://127.0.0.1:{port}")
    geocoding._limited.clear()
    with pytest.raises(geocoding.GeocodeError, match="did not answer"):
        geocoding.geocode("Тверская, 1")
    geocoding._limited.clear()


@pytest.mark.parametrize("typed,expected", [("55.7558, 37.6173", (55.7558, 37.6173)), ("-33.9 18.4", (-33.9, 18.4)),
                                           ("55.7558;37.6173", (55.7558, 37.6173))])
def test_typed_coordinates_never_leave_the_machine(db, nominatim, typed, expected):
    place = geocoding.geocode(typed)
    assert (place.lat, place.lon, place.source) == (*expected, "typed")
    assert nominatim.requests == []


def test_offline_mode_asks_for_coordinates(app, db):
    assert app.config["GEOCODER_URL"] == ""
    with pytest.raises(geocoding.GeocodeError, match="type coordinates"):
        geocoding.geocode("Тверская, 1")


@pytest.mark.parametrize("typed", ["", "   ", "95.0, 37.0", "55.0, 190.0"])
def test_empty_or_impossible_input_is_refused(db, typed):
    with pytest.raises(geocoding.GeocodeError):
        geocoding.geocode(typed)
