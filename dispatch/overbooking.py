"""How many workers to book so that enough of them come.

A fixed factor books M = ceil(N * factor) (10 needed, factor 1.5: book 15).

``auto`` uses each booked worker's reliability p_i (his probability of showing up) and
books until the probability that at least N of them come reaches a target (default
0.95), never more than ceil(N * max_factor). The number that come is Poisson-binomial
(a sum of independent Bernoulli(p_i)); ``prob_at_least`` computes its tail exactly by
dynamic programming over the workers, O(M * N).

Worked examples (also tests): with p = 0.67 for everyone, 15 booked give a full crew of
10 only 63% of the time and 95% needs 20; workers of p = 0.9 reach 95% with 13 booked.
"""
from math import ceil
from typing import Sequence


def prob_at_least(n: int, ps: Sequence[float]) -> float:
    """Return P(at least n of the workers come), each coming independently with p_i."""
    if n <= 0:
        return 1.0
    if n > len(ps):
        return 0.0
    # dist[k] = P(exactly k came so far), for k < n; mass reaching n is collected in done
    dist = [1.0] + [0.0] * (n - 1)
    done = 0.0
    for p in ps:
        done += dist[n - 1] * p
        for k in range(n - 1, 0, -1):
            dist[k] = dist[k] * (1 - p) + dist[k - 1] * p
        dist[0] *= 1 - p
    return min(1.0, done)


def fixed_target(needed: int, factor: float) -> int:
    """Return how many to book with a fixed overbooking factor."""
    return max(needed, ceil(needed * factor - 1e-9))


def auto_target(needed: int, ps_best_first: Sequence[float], target: float = 0.95, max_factor: float = 2.0) -> int:
    """Return how many of these workers (best first) to book so that P(>= needed come) >= target.

    Capped at ceil(needed * max_factor); if even the cap (or every worker) falls short,
    that cap (or the whole list) is returned and the dispatcher sees the probability.
    """
    cap = fixed_target(needed, max_factor)
    for m in range(needed, min(cap, len(ps_best_first)) + 1):
        if prob_at_least(needed, ps_best_first[:m]) >= target:
            return m
    return min(cap, max(needed, len(ps_best_first)))
