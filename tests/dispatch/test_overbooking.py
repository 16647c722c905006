"""Overbooking on the worked examples of DESIGN.md and dispatch/overbooking.py."""
from math import comb

import pytest

from dispatch.overbooking import auto_target, fixed_target, prob_at_least


def binomial_tail(n, m, p):
    return sum(comb(m, k) * p**k * (1 - p) ** (m - k) for k in range(n, m + 1))


def test_the_field_rule_ten_needed_fifteen_booked():
    assert fixed_target(10, 1.5) == 15
    assert fixed_target(7, 1.5) == 11
    assert fixed_target(10, 1.0) == 10


def test_fifteen_workers_of_two_thirds_give_ten_only_sixty_three_percent_of_the_time():
    assert prob_at_least(10, [0.67] * 15) == pytest.approx(0.63, abs=0.01)


def test_ninety_five_percent_needs_twenty_such_workers():
    assert auto_target(10, [0.67] * 40) == 20
    assert prob_at_least(10, [0.67] * 19) < 0.95 <= prob_at_least(10, [0.67] * 20)


def test_reliable_workers_need_only_thirteen():
    assert auto_target(10, [0.9] * 40) == 13


def test_equal_probabilities_match_the_binomial():
    for m in (10, 12, 17, 25):
        assert prob_at_least(10, [0.7] * m) == pytest.approx(binomial_tail(10, m, 0.7), rel=1e-12)


def test_mixed_reliabilities_by_brute_force():
    ps = [0.95, 0.5, 0.8, 0.3, 0.99]
    exact = 0.0
    for mask in range(32):
        came = [i for i in range(5) if mask >> i & 1]
        prob = 1.0
        for i, p in enumerate(ps):
            prob *= p if i in came else 1 - p
        if len(came) >= 3:
            exact += prob
    assert prob_at_least(3, ps) == pytest.approx(exact, rel=1e-12)


def test_the_cap_and_short_lists():
    assert auto_target(10, [0.3] * 40, max_factor=2.0) == 20  # 95% unreachable: stop at the cap
    assert auto_target(10, [0.9] * 8) == 10  # fewer candidates than needed: book all, at least N places
    assert prob_at_least(0, []) == 1.0 and prob_at_least(3, [0.9, 0.9]) == 0.0
