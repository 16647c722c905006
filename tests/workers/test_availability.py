"""Hour masks for weekly availability and what a shift needs of them."""
from datetime import date, datetime, timezone

import pytest

from workers.availability import ALL_HOURS, format_ranges, hours_mask, parse_ranges, shift_dates, shift_needs


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


def test_hours_mask():
    assert hours_mask(0, 24) == ALL_HOURS
    assert hours_mask(8, 10) == 0b1100000000
    assert hours_mask(5, 5) == 0
    with pytest.raises(ValueError):
        hours_mask(10, 8)


@pytest.mark.parametrize("text,ranges", [("08-13, 14-20", "08-13, 14-20"), ("all", "all"), ("", ""), ("0-24", "all"),
                                         ("8-12,10-14", "08-14")])
def test_parse_and_format_round_trip(text, ranges):
    assert format_ranges(parse_ranges(text)) == ranges


@pytest.mark.parametrize("bad", ["8", "8-25", "ten-twelve", "12-8"])
def test_malformed_ranges_are_refused(bad):
    with pytest.raises(ValueError):
        parse_ranges(bad)


def test_a_day_shift_in_moscow():
    # 06:00-14:30 UTC on Wed 2 Dec 2026 is 09:00-17:30 in Moscow (UTC+3)
    assert shift_needs(utc(2026, 12, 2, 6), utc(2026, 12, 2, 14, 30), "Europe/Moscow") == {"wed": hours_mask(9, 18)}


def test_a_night_shift_spans_two_weekdays():
    # 19:00-03:00 UTC is 22:00-06:00 in Moscow, Friday into Saturday
    needs = shift_needs(utc(2026, 12, 4, 19), utc(2026, 12, 5, 3), "Europe/Moscow")
    assert needs == {"fri": hours_mask(22, 24), "sat": hours_mask(0, 6)}


def test_the_same_utc_shift_is_another_day_in_vladivostok():
    # 20:00-23:00 UTC Wed is 06:00-09:00 Thu in Vladivostok (UTC+10)
    assert shift_needs(utc(2026, 12, 2, 20), utc(2026, 12, 2, 23), "Asia/Vladivostok") == {"thu": hours_mask(6, 9)}


def test_shift_dates_are_local():
    assert shift_dates(utc(2026, 12, 4, 19), utc(2026, 12, 5, 3), "Europe/Moscow") == [date(2026, 12, 4), date(2026, 12, 5)]
    assert shift_dates(utc(2026, 12, 2, 6), utc(2026, 12, 2, 21), "Europe/Moscow") == [date(2026, 12, 2)]  # ends at midnight


def test_a_shift_must_end_after_it_starts():
    with pytest.raises(ValueError):
        shift_needs(utc(2026, 12, 2, 6), utc(2026, 12, 2, 6), "Europe/Moscow")
