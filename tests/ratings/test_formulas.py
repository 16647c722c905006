"""Worked examples of the rating and reliability formulas (ratings/formulas.py docstring)."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from ratings.formulas import Event, compute, explain, should_suspend, tier, withdrawal_grade

T0 = datetime(2026, 11, 1, 8, tzinfo=timezone.utc)


def ev(kind, n=0, **kw):
    return Event(kind=kind, at=T0 + timedelta(days=n), **kw)


def figures(*events):
    f = compute(list(events))
    return f.rating, f.reliability, f.penalty, f.shifts, f.tier


def test_a_newcomer_has_the_priors():
    assert figures() == (Decimal("3.50"), Decimal("0.700"), Decimal("0.00"), 0, "new")


def test_one_excellent_shift():
    # B = (3*3.5 + 5) / (3 + 1) = 3.875; reliability 8/11
    assert figures(ev("came", quality=5)) == (Decimal("3.88"), Decimal("0.727"), Decimal("0.00"), 1, "new")


def test_a_no_show_drops_the_rating_by_a_full_point_at_once():
    # two fives: weights 0.9 and 1 -> B = (10.5 + 4.5 + 5) / 4.9 = 4.0816; then P = 1.0
    before = compute([ev("came", 0, quality=5), ev("came", 1, quality=5)])
    after = compute([ev("came", 0, quality=5), ev("came", 1, quality=5), ev("no_show", 2)])
    assert before.rating == Decimal("4.08") and after.rating == Decimal("3.08")
    assert after.reliability == Decimal("0.692")  # (7+2) / (7+2+3+1)


def test_good_shifts_earn_the_penalty_back():
    # P = 1.0 - 3 * 0.1 = 0.7 with no scores at all: 3.5 - 0.7
    rating, reliability, penalty, shifts, _ = figures(ev("no_show", 0), ev("came", 1), ev("came", 2), ev("came", 3))
    assert (rating, penalty, shifts) == (Decimal("2.80"), Decimal("0.70"), 3)
    assert reliability == Decimal("0.714")  # (7+3) / (7+3+3+1)


def test_penalty_never_goes_below_zero():
    assert figures(*[ev("came", i) for i in range(5)])[2] == Decimal("0.00")


def test_lateness_costs_half_a_point_per_started_half_hour():
    # 40 min late, score 4: 4 - 2*0.5 = 3.0 -> B = (10.5 + 3) / 4 = 3.375
    rating, reliability, penalty, shifts, _ = figures(ev("late", minutes=40, quality=4))
    assert (rating, reliability, shifts) == (Decimal("3.38"), Decimal("0.727"), 1)


def test_lateness_is_capped_at_two_points():
    assert compute([ev("late", minutes=300, quality=5)]).rating == Decimal("3.38")  # 5 - 2 = 3


@pytest.mark.parametrize("hours,grade", [(48, "free"), (24.5, "free"), (24, "light"), (12, "light"), (11.9, "heavy"), (None, "heavy")])
def test_withdrawals_are_graded_by_notice(hours, grade):
    assert withdrawal_grade(hours) == grade


def test_withdrawal_costs_follow_the_grade():
    free = compute([ev("withdrew", notice_hours=30)])
    light = compute([ev("withdrew", notice_hours=20)])
    heavy = compute([ev("withdrew", notice_hours=3)])
    assert (free.rating, free.reliability) == (Decimal("3.50"), Decimal("0.700"))
    assert (light.rating, light.reliability) == (Decimal("3.30"), Decimal("0.682"))  # 7.5 / 11
    assert (heavy.rating, heavy.reliability) == (Decimal("3.00"), Decimal("0.636"))  # 7 / 11


def test_client_cancellations_never_count_against_the_worker():
    assert compute([ev("came", 0, quality=4), ev("client_cancelled", 1)]) == compute([ev("came", 0, quality=4)])


def test_a_complaint_is_a_score_of_one_and_a_penalty():
    # B = (10.5 + 1) / 4 = 2.875, P = 0.5
    assert compute([ev("complaint")]).rating == Decimal("2.38")


def test_recent_shifts_weigh_more():
    improving = compute([ev("came", 0, quality=2), ev("came", 1, quality=5)])
    declining = compute([ev("came", 0, quality=5), ev("came", 1, quality=2)])
    assert improving.rating > declining.rating


def test_reliability_counts_only_the_last_thirty_bookings():
    old_failures = [ev("no_show", i) for i in range(10)]
    recent_shows = [ev("came", 10 + i) for i in range(30)]
    assert compute(old_failures + recent_shows).reliability == compute(recent_shows).reliability == Decimal("0.925")


def test_rating_is_clamped_between_one_and_five():
    assert compute([ev("no_show", i) for i in range(6)]).rating == Decimal("1.00")


@pytest.mark.parametrize(
    "rating,reliability,shifts,expected",
    [("4.9", "0.95", 2, "new"), ("4.5", "0.90", 10, "gold"), ("4.5", "0.89", 10, "silver"),
     ("4.0", "0.80", 5, "silver"), ("3.9", "0.99", 50, "bronze"), ("4.8", "0.95", 4, "bronze")],
)
def test_tiers(rating, reliability, shifts, expected):
    assert tier(Decimal(rating), Decimal(reliability), shifts) == expected


def test_replaying_the_same_history_gives_the_same_figures():
    history = [ev("came", 0, quality=4), ev("late", 1, minutes=10), ev("no_show", 2), ev("withdrew", 3, notice_hours=15),
               ev("came", 4, quality=5), ev("missed_reconfirmation", 5), ev("left_early", 6, quality=3)]
    assert compute(history) == compute(list(history))


def test_auto_suspension_counts_no_shows_in_the_window():
    now = T0 + timedelta(days=40)
    assert should_suspend([now - timedelta(days=d) for d in (1, 10, 29)], now)
    assert not should_suspend([now - timedelta(days=d) for d in (1, 10, 31)], now)
    assert should_suspend([now - timedelta(days=1)] * 2, now, count=2, days=7)


def opening(shifts, no_shows, rating, n=-1):
    return ev("opening", n, shifts=shifts, no_shows=no_shows, rating=Decimal(rating))


def test_an_opening_record_alone_gives_its_own_figures():
    # reliability Beta(7 + 106, 3 + 2) = 113 / 118; the rating is the one carried over
    assert figures(opening(106, 2, "4.73")) == (Decimal("4.73"), Decimal("0.958"), Decimal("0.00"), 106, "gold")


def test_a_perfect_shift_after_an_opening_of_five_stays_five():
    after = compute([opening(20, 0, "5.00"), ev("came", quality=5)])
    assert (after.rating, after.shifts) == (Decimal("5.00"), 21)  # not 3.88 over 1


def test_an_on_time_shift_after_ninety_six_percent_over_106_shifts():
    # 113/118 = 0.9576 ("96% over 106 shifts"); one more show: 114/119 = 0.9580, over 107 shifts
    start = compute([opening(106, 2, "5.00")])
    after = compute([opening(106, 2, "5.00"), ev("came", quality=5)])
    assert (start.reliability, start.shifts) == (Decimal("0.958"), 106)
    assert (after.reliability, after.shifts) == (Decimal("0.958"), 107)  # not 0.727 over 1
    assert after.reliability >= start.reliability


def test_a_no_show_after_an_opening_costs_a_point_from_the_opening_rating():
    after = compute([opening(106, 2, "5.00"), ev("no_show")])
    assert after.rating == Decimal("4.00")  # not 2.50
    assert after.reliability == Decimal("0.950")  # 113 / 119


def test_later_scores_fold_in_over_the_opening_and_old_shifts_fade():
    # opening 4.00 over 1 shift (weight 1), prior weight 3 at mean 4.00, then a 2:
    # B = (3*4 + 0.9*1*4 + 2) / (3 + 0.9 + 1) = 17.6 / 4.9 = 3.5918
    assert compute([opening(1, 0, "4.00"), ev("came", quality=2)]).rating == Decimal("3.59")
    # a long opening weighs more than a short one: the same 2 moves it less
    assert compute([opening(50, 0, "4.00"), ev("came", quality=2)]).rating == Decimal("3.85")


def test_an_opening_with_no_shifts_sets_the_starting_rating_only():
    assert figures(opening(0, 0, "4.20")) == (Decimal("4.20"), Decimal("0.700"), Decimal("0.00"), 0, "new")


def test_the_opening_comes_first():
    with pytest.raises(ValueError):
        compute([ev("came", 0, quality=5), opening(10, 0, "4.00", n=1)])


def test_each_step_says_why_the_figures_moved():
    steps = explain([opening(106, 2, "5.00"), ev("came", 1, quality=5), ev("no_show", 2), ev("came", 3)])
    assert [(s.before.rating, s.after.rating) for s in steps] == [
        (Decimal("3.50"), Decimal("5.00")), (Decimal("5.00"), Decimal("5.00")), (Decimal("5.00"), Decimal("4.00")),
        (Decimal("4.00"), Decimal("4.10"))]
    assert [(s.quality, s.show, s.penalty_added, s.earned_back) for s in steps] == [
        (None, None, Decimal("0.00"), Decimal("0.00")), (5.0, 1.0, Decimal("0.00"), Decimal("0.00")),
        (None, 0.0, Decimal("1.00"), Decimal("0.00")), (None, 1.0, Decimal("0.00"), Decimal("0.10"))]
    assert steps[-1].after == compute([s.event for s in steps])


def _random_history(rng):
    kinds = ["came", "came", "came", "late", "left_early", "no_show", "withdrew", "missed_reconfirmation", "complaint",
             "client_cancelled"]
    events = []
    if rng.random() < 0.5:
        events.append(opening(rng.randint(0, 150), rng.randint(0, 10), f"{rng.uniform(1, 5):.2f}"))
    for i in range(rng.randint(0, 40)):
        kind = rng.choice(kinds)
        kw = {"quality": rng.choice([None, 1, 2, 3, 4, 5])} if kind in ("came", "late", "left_early") else {}
        if kind == "late":
            kw["minutes"] = rng.randint(1, 120)
        if kind == "withdrew":
            kw["notice_hours"] = rng.uniform(0, 48)
        events.append(ev(kind, i, **kw))
    return events


def test_a_perfect_shift_never_lowers_a_rating_or_reliability():
    import random

    rng = random.Random(12)
    for _ in range(500):
        history = _random_history(rng)
        before = compute(history)
        after = compute(history + [ev("came", 99, quality=5)])
        assert after.rating >= before.rating and after.reliability >= before.reliability, history
