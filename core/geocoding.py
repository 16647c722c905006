"""Addresses to coordinates: geopy's Nominatim behind one small function, with a cache.

The only module that talks to a map service. Typed coordinates ("55.7558, 37.6173", as
a dispatcher copies them from a map) never leave the machine, and neither does an
address already in the cache; everything else goes to Nominatim through geopy's
RateLimiter (one request a second, the service's usage policy). Offline, or when the
service fails, the caller gets a GeocodeError that says what to do instead.
"""
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from core.i18n import lazy_gettext as _l
from core.models import GeocodeCache
from extensions import db

COORDINATES = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*[,; ]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")


class GeocodeError(ValueError):
    """The address could not be turned into coordinates; the message says why and what to do."""


@dataclass(frozen=True)
class Place:
    lat: float
    lon: float
    display_name: str
    source: str  # typed | cache | nominatim


def parse_coordinates(text: str) -> tuple[float, float] | None:
    """Return (lat, lon) when text is a pair of coordinates, else None; refuse impossible ones."""
    match = COORDINATES.match(text or "")
    if not match:
        return None
    lat, lon = float(match.group(1)), float(match.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise GeocodeError(_l("Coordinates out of range: latitude is -90..90, longitude -180..180."))
    return lat, lon


def _normalise(address: str) -> str:
    return " ".join(address.lower().replace(",", " , ").split())[:300]


_limited = {}


def _nominatim():
    """Return the process's rate-limited Nominatim (geopy's RateLimiter) for the configured URL."""
    url = current_app.config["GEOCODER_URL"]
    if url not in _limited:
        from geopy.extra.rate_limiter import RateLimiter
        from geopy.geocoders import Nominatim

        parts = urlsplit(url)
        geocoder = Nominatim(
            domain=parts.netloc,
            scheme=parts.scheme,
            user_agent=current_app.config["GEOCODER_USER_AGENT"],
            timeout=current_app.config["GEOCODER_TIMEOUT"],
        )
        _limited[url] = RateLimiter(
            geocoder.geocode, min_delay_seconds=current_app.config["GEOCODER_MIN_DELAY"], max_retries=0,
            swallow_exceptions=False,  # a person is waiting: fail fast, they can retry
        )
    return _limited[url]


def geocode(address: str, country_codes: str = "ru") -> Place:
    """Return the coordinates of address (typed coordinates, the cache, then Nominatim).

    Raises GeocodeError when the address is empty, unknown, or the service is unreachable.
    """
    address = (address or "").strip()
    if not address:
        raise GeocodeError(_l("Enter an address or coordinates."))
    typed = parse_coordinates(address)
    if typed is not None:
        return Place(typed[0], typed[1], address, "typed")
    key = _normalise(address)
    cached = db.session.scalar(select(GeocodeCache).where(GeocodeCache.query == key))
    if cached is not None:
        return Place(cached.lat, cached.lon, cached.display_name, "cache")
    if not current_app.config["GEOCODER_URL"]:
        raise GeocodeError(_l("Address lookup is off here: click the map or type coordinates such as 55.7558, 37.6173."))
    # geopy here, not at the top: only a typed address reaches it, and it weighs ~10 MB in every process
    from geopy.exc import GeopyError

    try:
        location = _nominatim()(address, exactly_one=True, country_codes=country_codes or None)
    except GeopyError as exc:
        current_app.logger.warning("geocoding %r failed: %s", address, exc)
        raise GeocodeError(
            _l("The map service did not answer. Click the map or type coordinates such as 55.7558, 37.6173.")
        ) from exc
    if location is None:
        raise GeocodeError(_l("This address was not found. Check it, or click the map or type coordinates."))
    place = Place(location.latitude, location.longitude, location.address[:500], "nominatim")
    _remember(key, place)
    return place


def _remember(key: str, place: Place) -> None:
    """Cache a found address in its own short transaction, so the caller's stays its own."""
    with db.engine.begin() as conn:
        exists = conn.execute(select(GeocodeCache.id).where(GeocodeCache.query == key)).first()
        if exists is None:
            conn.execute(
                GeocodeCache.__table__.insert().values(
                    query=key, lat=place.lat, lon=place.lon, display_name=place.display_name
                )
            )
