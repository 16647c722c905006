"""Weekly availability as hour masks: one 24-bit integer per weekday, bit h = hour h.

Stored as seven integer columns so that the candidate search can test "free for the
whole shift" in SQL with one bitwise AND per weekday the shift touches.
"""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from core.timeutil import to_zone

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALL_HOURS = (1 << 24) - 1


def hours_mask(start: int, end: int) -> int:
    """Return the mask of hours start..end-1 (0 <= start <= end <= 24)."""
    if not 0 <= start <= end <= 24:
        raise ValueError("hours run from 0 to 24, start before end")
    return ((1 << end) - 1) ^ ((1 << start) - 1)


def parse_ranges(text: str) -> int:
    """Parse '08-13, 14-20' (or 'all', or '' for none) into a mask; raise ValueError if malformed."""
    text = (text or "").strip().lower()
    if text in ("all", "*", "0-24"):
        return ALL_HOURS
    mask = 0
    for part in filter(None, (p.strip() for p in text.split(","))):
        try:
            start, end = (int(x) for x in part.replace("–", "-").split("-"))
        except ValueError as exc:
            raise ValueError(f"'{part}' is not a range of hours like 08-20") from exc
        mask |= hours_mask(start, end)
    return mask


def format_ranges(mask: int) -> str:
    """Return a mask as '08-13, 14-20' ('all' for every hour, '' for none)."""
    if mask == ALL_HOURS:
        return "all"
    ranges, hour = [], 0
    while hour < 24:
        if mask >> hour & 1:
            start = hour
            while hour < 24 and mask >> hour & 1:
                hour += 1
            ranges.append(f"{start:02d}-{hour:02d}")
        hour += 1
    return ", ".join(ranges)


def shift_needs(starts_at: datetime, ends_at: datetime, tz_name: str) -> dict[str, int]:
    """Return, per weekday column, the hours a shift occupies in the region's local time.

    A shift from 22:00 to 06:00 needs 22-24 on its first day and 00-06 on the next.
    An hour counts when any minute of the shift falls in it.
    """
    if ends_at <= starts_at:
        raise ValueError("a shift ends after it starts")
    start, end = to_zone(starts_at, tz_name), to_zone(ends_at, tz_name)
    needs: dict[str, int] = {}
    day = start.date()
    while day <= end.date():
        first = start.hour if day == start.date() else 0
        last = 24 if day != end.date() else end.hour + (1 if end.minute or end.second else 0)
        if last > first:
            column = DAYS[day.weekday()]
            needs[column] = needs.get(column, 0) | hours_mask(first, last)
        day += timedelta(days=1)
    return needs


def shift_dates(starts_at: datetime, ends_at: datetime, tz_name: str) -> list[date]:
    """Return the local dates a shift touches (for blackout dates)."""
    start, end = to_zone(starts_at, tz_name), to_zone(ends_at - timedelta(microseconds=1), tz_name)
    return [start.date() + timedelta(days=i) for i in range((end.date() - start.date()).days + 1)]


def local_shift(day: date, start: time, end: time, tz_name: str) -> tuple[datetime, datetime]:
    """Return a shift typed in the region's local time as UTC (start, end); ending at or before
    the start means it ends the next day."""
    zone = ZoneInfo(tz_name)
    starts = datetime.combine(day, start, tzinfo=zone)
    ends = datetime.combine(day + timedelta(days=1) if end <= start else day, end, tzinfo=zone)
    return starts.astimezone(timezone.utc), ends.astimezone(timezone.utc)
