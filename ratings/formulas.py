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

An opening record (``kind`` "opening") is a worker's past from before Artel kept his
history: an agency's own record brought in by CSV import, or the demo's seeded past. It
carries S shifts worked, N no-shows and a rating R, and comes first in the history (it is
older than every event). It is folded in like this:

* quality: the opening stands for S past shifts, each scored R, older than every later
  shift (so they fade like any old shift: their weight is the weight S shifts would have,
  sum of 0.9 ** i for i < S, times 0.9 per later observation), and R takes the place of
  the newcomer's prior mean 3.5 (prior weight C = 3 stays). The opening alone gives
  B = R, and a later score of 5 after an opening of 5.00 keeps B at 5.00;
* penalty: starts at 0 (R already holds whatever the past cost him);
* reliability: the opening's S shows and N no-shows are added to the prior, Beta(7 + S,
  3 + N); the window of the last 30 ranks bookings by recency, and the opening's have no
  order, so it counts them whole and applies to the bookings after it;
* shifts: start at S.

Worked examples (tests/ratings/test_formulas.py): an opening of 5.00 over 20 shifts,
then a shift scored 5 on time: rating 5.00, not 3.88. An opening of 106 shifts and 2
no-shows gives reliability 113/118 = 0.958 ("96% over 106 shifts"); one on-time shift
gives 114/119 = 0.958 over 107 shifts, not 8/11 = 0.727 over 1. The same opening, then a
no-show: rating 5.00 - 1.00 = 4.00 at once, not 2.50.

Because B never falls when a 5 is added (the prior weight C is fixed and the recency
weights sum to less than 1 / (1 - 0.9) = 10) and a good shift only lowers the penalty,
a perfect shift (came, scored 5) never lowers a rating, with or without an opening.

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

OPENING = "opening"
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
    shifts: int | None = None  # opening: shifts worked before
    no_shows: int | None = None  # opening: no-shows before
    rating: Decimal | None = None  # opening: the rating he had


@dataclass(frozen=True)
class Opening:
    """A worker's record from before his history in Artel: shifts, no-shows and rating."""

    shifts: int
    no_shows: int
    rating: float

    @property
    def weight(self) -> float:
        """The weight its shifts carry as quality observations: sum of 0.9 ** i for i < shifts."""
        return (1.0 - RECENCY ** self.shifts) / (1.0 - RECENCY)


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


def bayesian_quality(observations: list[float], opening: Opening | None = None) -> float:
    """Return the recency-weighted Bayesian average of quality scores (oldest first), after an opening if any."""
    n = len(observations)
    weights = [RECENCY ** (n - 1 - i) for i in range(n)]
    mean, block = (opening.rating, opening.weight * RECENCY ** n) if opening else (PRIOR_MEAN, 0.0)
    return ((PRIOR_WEIGHT * mean + block * mean + sum(w * q for w, q in zip(weights, observations)))
            / (PRIOR_WEIGHT + block + sum(weights)))


def beta_reliability(outcomes: list[float], opening: Opening | None = None) -> float:
    """Return the Beta posterior mean of showing up over the last bookings (oldest first), after an opening if any."""
    alpha, beta = RELIABILITY_PRIOR
    if opening:
        alpha, beta = alpha + opening.shifts, beta + opening.no_shows
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


@dataclass(frozen=True)
class Step:
    """What one event did: the figures before and after it and why they moved."""

    event: Event
    before: Figures
    after: Figures
    quality: float | None  # the score it added to the average, if any
    show: float | None  # 1 shown up, 0 a failure, 0.5 half a failure, None not counted
    penalty_added: Decimal
    earned_back: Decimal


def explain(events: list[Event]) -> list[Step]:
    """Return one step per event of the ordered history (oldest first), folding each into the figures.

    Raises ValueError if an opening record is not the first event.
    """
    steps, before = [], _figures(None, [], [], 0.0, 0)
    for event, state, quality, show, added, earned in _fold(events):
        after = _figures(*state)
        steps.append(Step(event, before, after, quality, show, _q2(added), _q2(earned)))
        before = after
    return steps


def compute(events: list[Event]) -> Figures:
    """Return a worker's figures from the whole ordered history (oldest first, an opening record first)."""
    state = (None, [], [], 0.0, 0)
    for _event, state, *_why in _fold(events):
        pass
    return _figures(*state)


def _fold(events):
    """Yield each event with the state after it and what it did: score, show, penalty added and earned back."""
    opening, observations, outcomes, penalty, shifts = None, [], [], 0.0, 0
    for i, event in enumerate(events):
        quality = show = None
        added = earned = 0.0
        if event.kind == OPENING:
            if i:
                raise ValueError("an opening record comes first in a history")
            opening = Opening(event.shifts or 0, event.no_shows or 0, float(event.rating))
            shifts = opening.shifts
        else:
            quality, show = _quality(event), _show(event)
            if quality is not None:
                observations.append(quality)
            if show is not None:
                outcomes.append(show)
            if event.kind in ("came", "late", "left_early"):
                shifts += 1
            added = _penalty_step(event)
            penalty += added
            if _is_good_shift(event):
                earned = min(penalty, EARN_BACK)
                penalty -= earned
        yield event, (opening, observations, outcomes, penalty, shifts), quality, show, added, earned


def _figures(opening, observations, outcomes, penalty, shifts) -> Figures:
    rating = _q2(min(5.0, max(1.0, bayesian_quality(observations, opening) - penalty)))
    reliability = _q3(beta_reliability(outcomes, opening))
    return Figures(rating, reliability, _q2(penalty), shifts, tier(rating, reliability, shifts))


def should_suspend(no_show_times: list[datetime], now: datetime, count: int = 3, days: int = 30) -> bool:
    """Return True when count or more no-shows fall within the last days before now."""
    since = now - timedelta(days=days)
    return sum(1 for t in no_show_times if since <= t <= now) >= count


def _q2(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _q3(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
