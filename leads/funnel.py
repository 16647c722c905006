"""The lead funnel's arithmetic: plain functions of plain values (leads.reports counts, these divide).

The steps, each a subset of the one before, for the leads taken in a period:

    taken      every lead the call centre took
    routed     handed to a franchise (a branch or head office) at least once
    accepted   a branch accepted it (a client was made)
    converted  a draft order was made from it
    completed  that order, the one the lead converted into, was completed (or invoiced)

A step's rate is its count over the step before; the overall rate is completed over taken.
A rate with nothing to divide by is None (shown as a dash), never zero.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

STEPS = ("taken", "routed", "accepted", "converted", "completed")
DEFAULT_DAYS = 30  # the period the report opens on: the last 30 days, today included
LONGEST_DAYS = 3660  # ten years: a longer period is a typo


def ratio(part: int, whole: int) -> Fraction | None:
    """Return part / whole, or None when whole is zero."""
    return Fraction(part, whole) if whole else None


@dataclass(frozen=True)
class Rates:
    """The conversion of each step from the one before (routed: routed / taken, ...), and overall."""

    steps: dict[str, Fraction | None]
    overall: Fraction | None


def step_rates(counts: dict[str, int]) -> Rates:
    """Return each step's rate from the step before it and the overall rate (completed / taken)."""
    steps = {later: ratio(counts.get(later, 0), counts.get(earlier, 0)) for earlier, later in zip(STEPS, STEPS[1:])}
    return Rates(steps, ratio(counts.get("completed", 0), counts.get("taken", 0)))


def percent(value: Fraction | None) -> float | None:
    """Return a rate as a percentage rounded to one decimal, or None."""
    return None if value is None else round(float(value) * 100, 1)


def period(first: date | None, last: date | None, today: date) -> tuple[date, date]:
    """Return the period asked, a missing end filled in: last defaults to today, first to DEFAULT_DAYS before last."""
    last = last or max(today, first or today)
    return first or last - timedelta(days=DEFAULT_DAYS - 1), last


def check_period(first: date, last: date) -> None:
    """Refuse a period that ends before it starts or spans more than LONGEST_DAYS; raise ValueError."""
    if last < first:
        raise ValueError("last")
    if (last - first).days >= LONGEST_DAYS:
        raise ValueError("long")


def bounds(first: date, last: date, tz_name: str) -> tuple[datetime, datetime]:
    """Return the moments (aware) from the start of first to the start of the day after last, in tz_name."""
    zone = ZoneInfo(tz_name)
    return (datetime.combine(first, time(0), tzinfo=zone),
            datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone))
