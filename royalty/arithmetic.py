"""Royalty arithmetic on plain values: months in a region's time zone, lines, and a statement's totals.

The rule, applied everywhere money is rounded: each line is rounded once, to the kopeck, halves
away from zero (core.money.round_money); a total is the exact sum of its rounded lines.

- an order line: billed = round(hours worked x the order's frozen bill rate);
  amount = round(billed x the franchise's royalty rate)
- an adjustment line (a shift of a month already closed, re-marked or closed late): billed = the
  change in the order's billed amount; amount = round(that change x the royalty rate)
- the fixed monthly fee: one line, its amount as the contract says
- turnover = sum of the order lines' billed; royalty = sum of their amounts; adjustments = sum of
  the adjustment lines' amounts; total due = royalty + fee + adjustments = sum of every line's amount.
"""
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Iterable, Optional
from zoneinfo import ZoneInfo

from core.money import round_money

PERIOD = re.compile(r"^(20\d\d)-(0[1-9]|1[0-2])$")
ZERO = Decimal("0.00")


def parse_period(text: str) -> tuple[int, int]:
    """Return (year, month) of a period written YYYY-MM; raise ValueError otherwise."""
    found = PERIOD.match((text or "").strip())
    if not found:
        raise ValueError(f"{text!r} is not a month written as YYYY-MM")
    return int(found.group(1)), int(found.group(2))


def _next(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def month_bounds(period: str, tz_name: str) -> tuple[datetime, datetime]:
    """Return the UTC instants where the month begins and where the next begins, in the zone tz_name."""
    year, month = parse_period(period)
    zone = ZoneInfo(tz_name)
    start = datetime(year, month, 1, tzinfo=zone)
    end = datetime(*_next(year, month), 1, tzinfo=zone)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def period_of(moment: datetime, tz_name: str) -> str:
    """Return the month (YYYY-MM) a stored UTC instant falls in, in the zone tz_name."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    local = moment.astimezone(ZoneInfo(tz_name))
    return f"{local.year:04d}-{local.month:02d}"


def previous_period(period: str) -> str:
    year, month = parse_period(period)
    return f"{year - 1:04d}-12" if month == 1 else f"{year:04d}-{month - 1:02d}"


def due_date(period: str, days: int) -> date:
    """Return the day a month's statement is due: that many days after the month's last day."""
    year, month = parse_period(period)
    return date(*_next(year, month), 1) - timedelta(days=1) + timedelta(days=days)


def billed(hours: Decimal, bill_rate: Decimal) -> Decimal:
    """Return an order's billed amount: hours worked by attendance x its frozen bill rate, rounded once."""
    return round_money(Decimal(hours) * Decimal(bill_rate))


@dataclass(frozen=True)
class Line:
    kind: str  # order | adjustment | fee
    period: str
    label: str
    billed: Decimal
    amount: Decimal
    order_id: Optional[int] = None
    hours: Optional[Decimal] = None


def order_line(order_id: int, label: str, period: str, hours: Decimal, billed_amount: Decimal, rate: Decimal) -> Line:
    return Line("order", period, label, billed_amount, round_money(billed_amount * rate), order_id, hours)


def adjustment_line(order_id: int, label: str, period: str, hours: Decimal, change: Decimal, rate: Decimal) -> Line:
    return Line("adjustment", period, label, change, round_money(change * rate), order_id, hours)


def fee_line(period: str, fee: Decimal) -> Line:
    return Line("fee", period, "", ZERO, round_money(fee))


@dataclass(frozen=True)
class Totals:
    turnover: Decimal
    royalty: Decimal
    fixed_fee: Decimal
    adjustments: Decimal
    total: Decimal


def totals(lines: list[Line]) -> Totals:
    """Add up a statement's lines; the total is the sum of every line's amount, to the kopeck."""
    return counted_totals((line, 1) for line in lines)


def counted_totals(counted: Iterable[tuple[Line, int]]) -> Totals:
    """Add up (line, how many times it occurs) as totals() adds up the lines written out that many times."""
    turnover = royalty = fixed_fee = adjustments = total = ZERO
    for line, times in counted:
        amount = line.amount * times
        total += amount
        if line.kind == "order":
            turnover += line.billed * times
            royalty += amount
        elif line.kind == "fee":
            fixed_fee += amount
        elif line.kind == "adjustment":
            adjustments += amount
    return Totals(turnover=turnover, royalty=royalty, fixed_fee=fixed_fee, adjustments=adjustments, total=total)
