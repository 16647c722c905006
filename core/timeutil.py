"""UTC time: stored everywhere, converted to a region's zone only for display."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(timezone.utc)


def to_zone(value: datetime, tz_name: str) -> datetime:
    """Convert a stored UTC datetime (aware or naive-as-UTC) into the zone tz_name."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(ZoneInfo(tz_name))
