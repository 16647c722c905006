"""The SLA clock of a routed lead: minutes counted only within the branch's working hours.

Plain functions of plain values. Working hours are one daily span ("09:00-18:00", the
LEAD_WORKING_HOURS setting) on the working days (ISO weekdays, LEAD_WORKING_DAYS) in the
zone of the branch's region. A lead routed at 17:55 with 15 minutes to answer has 5 of
them that evening and the other 10 from 09:00 of the next working day: it expires at 09:10.
A lead routed outside the hours waits for the next opening before its clock starts.
"""
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_DAY_NAMES = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}


@dataclass(frozen=True)
class WorkingHours:
    """When a branch answers leads: opens to closes (local, closes after opens) on days (ISO weekdays)."""

    opens: time
    closes: time
    days: frozenset[int] = frozenset(range(1, 8))


def parse_working_hours(span: str, days: str = "mon-sun") -> WorkingHours:
    """Read "09:00-18:00" and "mon-fri" (or "mon,wed,sat", or ISO numbers "1-5"); raise ValueError."""
    match = _SPAN.match(span or "")
    if not match:
        raise ValueError(f"working hours {span!r}: write them as HH:MM-HH:MM, e.g. 09:00-18:00")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59 or (h2, m2) <= (h1, m1):
        raise ValueError(f"working hours {span!r}: two times of one day, the closing after the opening")
    return WorkingHours(time(h1, m1), time(h2, m2), _parse_days(days))


def _parse_days(text: str) -> frozenset[int]:
    def day(word: str) -> int:
        word = word.strip().lower()[:3]
        number = _DAY_NAMES.get(word) or (int(word) if word.isdigit() else 0)
        if not 1 <= number <= 7:
            raise ValueError(f"working days {text!r}: use mon..sun or 1..7")
        return number

    found: set[int] = set()
    for part in (text or "").split(","):
        first, _, last = part.partition("-")
        start, end = day(first), day(last) if last else day(first)
        if end < start:
            raise ValueError(f"working days {text!r}: a range runs forward, e.g. mon-fri")
        found.update(range(start, end + 1))
    return frozenset(found)


def _at(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """Return the UTC moment of clock on day in zone (a wall time in a DST gap or fold: the first)."""
    return datetime.combine(day, clock, tzinfo=zone).astimezone(timezone.utc)


def due_at(start: datetime, minutes: int, hours: WorkingHours, tz_name: str) -> datetime:
    """Return (in UTC) when minutes of working time have passed since start (aware)."""
    zone = ZoneInfo(tz_name)
    left = timedelta(minutes=minutes)
    now = start.astimezone(timezone.utc)
    day = now.astimezone(zone).date()
    for _ in range(3700):  # ten years of days: ends at once unless no day is a working day
        if day.isoweekday() in hours.days:
            opens, closes = _at(day, hours.opens, zone), _at(day, hours.closes, zone)
            begin = max(now, opens)
            if begin < closes:
                if begin + left <= closes:
                    return begin + left
                left -= closes - begin
        day += timedelta(days=1)
        now = _at(day, hours.opens, zone)
    raise ValueError("no working day: LEAD_WORKING_DAYS names none")
