"""Royalty arithmetic on worked examples: months in a region's zone, one rounding per line, totals to the kopeck."""
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from core.money import round_money
from royalty import arithmetic


@pytest.mark.parametrize("zone,start,end", [
    ("Asia/Vladivostok", datetime(2026, 10, 31, 14, tzinfo=timezone.utc), datetime(2026, 11, 30, 14, tzinfo=timezone.utc)),
    ("Europe/Kaliningrad", datetime(2026, 10, 31, 22, tzinfo=timezone.utc), datetime(2026, 11, 30, 22, tzinfo=timezone.utc)),
    ("Europe/Moscow", datetime(2026, 10, 31, 21, tzinfo=timezone.utc), datetime(2026, 11, 30, 21, tzinfo=timezone.utc)),
])
def test_a_month_begins_and_ends_at_local_midnight(zone, start, end):
    assert arithmetic.month_bounds("2026-11", zone) == (start, end)


@pytest.mark.parametrize("zone,utc,period", [
    ("Asia/Vladivostok", datetime(2026, 11, 30, 13, 30, tzinfo=timezone.utc), "2026-11"),  # 23:30 local on the 30th
    ("Asia/Vladivostok", datetime(2026, 11, 30, 14, 30, tzinfo=timezone.utc), "2026-12"),  # 00:30 local on the 1st
    ("Europe/Kaliningrad", datetime(2026, 11, 30, 21, 30, tzinfo=timezone.utc), "2026-11"),  # 23:30 local
    ("Europe/Kaliningrad", datetime(2026, 10, 31, 22, 30, tzinfo=timezone.utc), "2026-11"),  # 00:30 local, 1 Nov
])
def test_a_shift_counts_in_the_month_of_its_local_start(zone, utc, period):
    assert arithmetic.period_of(utc, zone) == period


def test_december_ends_in_the_next_year():
    start, end = arithmetic.month_bounds("2026-12", "Europe/Moscow")
    assert end == datetime(2026, 12, 31, 21, tzinfo=timezone.utc)
    assert arithmetic.previous_period("2027-01") == "2026-12"
    assert arithmetic.due_date("2026-12", 15) == date(2027, 1, 15)
    assert arithmetic.due_date("2026-02", 15) == date(2026, 3, 15)


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "26-11", "", "2026-11-01", "1999-11"])
def test_a_month_is_written_yyyy_mm(text):
    with pytest.raises(ValueError):
        arithmetic.parse_period(text)


def test_halves_round_away_from_zero_once_per_line():
    assert round_money(Decimal("106.685")) == Decimal("106.69")
    assert round_money(Decimal("-106.685")) == Decimal("-106.69")
    assert arithmetic.billed(Decimal("1.25"), Decimal("213.37")) == Decimal("266.71")  # 266.7125


def test_the_lines_add_up_to_the_total_to_the_kopeck():
    rate = Decimal("0.15")
    lines = [
        arithmetic.order_line(1, "1001", "2026-11", Decimal("1.25"), Decimal("266.71"), rate),  # 40.0065 -> 40.01
        arithmetic.order_line(2, "1002", "2026-11", Decimal("0.50"), Decimal("106.69"), rate),  # 16.0035 -> 16.00
        arithmetic.adjustment_line(3, "0999", "2026-10", Decimal("2"), Decimal("-33.33"), rate),  # -4.9995 -> -5.00
        arithmetic.fee_line("2026-11", Decimal("5000")),
    ]
    figures = arithmetic.totals(lines)
    assert figures.turnover == Decimal("373.40")
    assert figures.royalty == Decimal("56.01")
    assert figures.adjustments == Decimal("-5.00")
    assert figures.fixed_fee == Decimal("5000.00")
    assert figures.total == Decimal("5051.01") == sum(line.amount for line in lines)
