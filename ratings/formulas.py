"""Rating and reliability: plain functions of a worker's attendance history.

Every figure is a pure function of the ordered list of a worker's events, so replaying
the history always reproduces the stored figures exactly, and nothing depends on the
wall clock. "Recent" means recent in the worker's own history (the last shifts), not
in calendar time.

Events (``kind``) and what they do:

=====================  ==========================  ==========================  ============
kind                   quality observation         reliability (show-up)       penalty
=====================  ==========================  ==========================  ============
came                   foreman's score 1-5, if any  success                     earns back
late (minutes)         score (4 if none) minus      success                     earns back
                       0.5 per started 30 min,                                  only if
                       at most 2                                                < 15 min
left_early             score (4 if none) minus 1    success                     --
no_show                --                           failure                     +1.00
withdrew, notice>24h   --                           -- (free)                   --
withdrew, 12-24h       --                           half a failure              +0.20
withdrew, <12h         --                           failure                     +0.50
missed_reconfirmation  --                           half a failure              +0.30
complaint              score 1 (a client's word)    --                          +0.50
client_cancelled       --                           -- (never the worker's)     --
=====================  ==========================  ==========================  ============

rating = clamp(1, 5, B - P), where

* B is a Bayesian average of quality observations: (C*m + sum w_i*q_i) / (C + sum w_i)
  with prior mean m = 3.5 and prior weight C = 3; the weight of an observation is
  0.9 ** (number of newer observations), so the latest shifts weigh most;
* P is the penalty: each bad event adds the amount above at once (a no-show drops the
  rating by a full point immediately), and each good shift (came or < 15 min late, with
  no score below 3) earns back 0.10, never below zero.

reliability = alpha / (alpha + beta), a Beta posterior over the last 30 bookings with
prior Beta(7, 3) (a newcomer is assumed to show up 70% of the time, the field's
"a third drop out"); a success adds 1 to alpha, a failure 1 to beta, half a failure 0.5.

Tiers follow from the figures and the number of shifts worked:
gold (>= 10 shifts, rating >= 4.5, reliability >= 0.90), silver (>= 5 shifts,
rating >= 4.0, reliability >= 0.80), new (< 3 shifts), bronze otherwise.

Auto-suspension: K no-shows within D days (settings NO_SHOW_SUSPEND_COUNT and
NO_SHOW_SUSPEND_DAYS, default 3 in 30) suspends the worker; see ``should_suspend``.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

PRIOR_MEAN = 3.5
PRIOR_WEIGHT = 3.0
RECENCY = 0.9
EARN_BACK = 0.10
DEFAULT_SCORE = 4
RELIABILITY_PRIOR = (7.0, 3.0)
RELIABILITY_WINDOW = 30

KINDS = ("came", "late", "left_early", "no_show", "withdrew", "missed_reconfirmation", "complaint", "client_cancelled")
PENALTY = {"no_show": 1.0, "withdrew_heavy": 0.5, "withdrew_light": 0.2, "missed_reconfirmation": 0.3, "complaint": 0.5}


@dataclass(frozen=True)
class Event:
    """One thing that happened on (or before) a booked shift."""

    kind: str
    at: datetime
    quality: int | None = None  # foreman's score 1-5
    minutes: int | None = None  # late by
    notice_hours: float | None = None  # withdrew this long before the start


@dataclass(frozen=True)
class Figures:
    rating: Decimal
    reliability: Decimal
    penalty: Decimal
    shifts: int
    tier: str


def withdrawal_grade(notice_hours: float | None) -> str:
    """Grade a withdrawal by its notice: free (> 24 h), light (12-24 h) or heavy (< 12 h)."""
    if notice_hours is None or notice_hours < 12:
        return "heavy"
    return "light" if notice_hours <= 24 else "free"


def _quality(event: Event) -> float | None:
    if event.kind == "came":
        return float(event.quality) if event.quality is not None else None
    if event.kind == "late":
        steps = -(-(event.minutes or 0) // 30)  # started half-hours
        return max(1.0, (event.quality or DEFAULT_SCORE) - min(2.0, 0.5 * steps))
    if event.kind == "left_early":
        return max(1.0, float(event.quality or DEFAULT_SCORE) - 1.0)
    if event.kind == "complaint":
        return 1.0
    return None


def _show(event: Event) -> float | None:
    """Return 1 for a show, 0 for a failure, 0.5 for half a failure, None if it does not count."""
    if event.kind in ("came", "late", "left_early"):
        return 1.0
    if event.kind == "no_show":
        return 0.0
    if event.kind == "withdrew":
        return {"heavy": 0.0, "light": 0.5, "free": None}[withdrawal_grade(event.notice_hours)]
    if event.kind == "missed_reconfirmation":
        return 0.5
    return None


def _penalty_step(event: Event) -> float:
    if event.kind == "withdrew":
        grade = withdrawal_grade(event.notice_hours)
        return PENALTY.get(f"withdrew_{grade}", 0.0)
    return PENALTY.get(event.kind, 0.0)


def _is_good_shift(event: Event) -> bool:
    if event.kind == "came":
        return event.quality is None or event.quality >= 3
    return event.kind == "late" and (event.minutes or 0) < 15 and (event.quality is None or event.quality >= 3)


def bayesian_quality(observations: list[float]) -> float:
    """Return the recency-weighted Bayesian average of quality scores (oldest first)."""
    n = len(observations)
    weights = [RECENCY ** (n - 1 - i) for i in range(n)]
    return (PRIOR_WEIGHT * PRIOR_MEAN + sum(w * q for w, q in zip(weights, observations))) / (PRIOR_WEIGHT + sum(weights))


def beta_reliability(outcomes: list[float]) -> float:
    """Return the Beta posterior mean of showing up over the last bookings (oldest first)."""
    alpha, beta = RELIABILITY_PRIOR
    for show in outcomes[-RELIABILITY_WINDOW:]:
        alpha += show
        beta += 1.0 - show
    return alpha / (alpha + beta)


def tier(rating: Decimal, reliability: Decimal, shifts: int) -> str:
    """Return gold, silver, bronze or new."""
    if shifts < 3:
        return "new"
    if shifts >= 10 and rating >= Decimal("4.5") and reliability >= Decimal("0.9"):
        return "gold"
    if shifts >= 5 and rating >= Decimal("4.0") and reliability >= Decimal("0.8"):
        return "silver"
    return "bronze"


def compute(events: list[Event]) -> Figures:
    """Return a worker's figures from the whole ordered history (oldest first)."""
    observations, outcomes, penalty, shifts = [], [], 0.0, 0
    for event in events:
        quality = _quality(event)
        if quality is not None:
            observations.append(quality)
        show = _show(event)
        if show is not None:
            outcomes.append(show)
        if event.kind in ("came", "late", "left_early"):
            shifts += 1
        penalty += _penalty_step(event)
        if _is_good_shift(event):
            penalty = max(0.0, penalty - EARN_BACK)
    rating = _q2(min(5.0, max(1.0, bayesian_quality(observations) - penalty)))
    reliability = _q3(beta_reliability(outcomes))
    return Figures(rating, reliability, _q2(penalty), shifts, tier(rating, reliability, shifts))


def should_suspend(no_show_times: list[datetime], now: datetime, count: int = 3, days: int = 30) -> bool:
    """Return True when count or more no-shows fall within the last days before now."""
    since = now - timedelta(days=days)
    return sum(1 for t in no_show_times if since <= t <= now) >= count


def _q2(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _q3(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
