"""The hours that govern messages: quiet nights, the evening before a shift, the last call.

Quiet hours are 21:00-08:00 in the region's zone. They are checked when each message is
sent, not only when its wave or reminder is planned, so a send job that runs late (behind
a backlog, retried, taken up again by the sweep) obeys them too. In quiet hours:

- offers, and an offer sent again by hand, wait until the morning, unless the order is
  urgent;
- a notice of a change to a shift the worker holds or held (cancelled, moved, released,
  booked by hand, promoted from the waitlist, place lost) goes at once if the order is
  urgent or the shift starts less than ``NOTICE_LEAD`` after the morning: he may set off
  before he could read it then. Otherwise it waits until the morning, and a promotion
  that asks him to confirm counts his window from then;
- the evening reminder ("tomorrow ...") goes only in its evening, before quiet hours
  begin. One that did not leave by then is withdrawn, and the last call asks him to
  confirm instead, as it asks a worker booked after that evening;
- the last call (``REMINDER_BEFORE_MINUTES`` before the start, when a worker starting
  early is up) goes at any hour while his place waits for his "1"; if he has confirmed
  already, its "see you today" is withdrawn rather than wake him;
- a dispatcher's answer goes at once: the worker wrote first, and a person chose to
  answer now.

At any hour, a reminder whose shift has begun is withdrawn: its moment has passed. A
withdrawn message ends "cancelled", as one to a worker who said STOP does.
"""
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from core.timeutil import to_zone

QUIET_FROM, QUIET_UNTIL = time(21), time(8)  # in the region's time
NOTICE_LEAD = timedelta(hours=3)  # a shift this soon after the morning: its notice goes at night
WAIT_FOR_MORNING = ("offer", "resend", "notice")  # message kinds that may wait; reminders go or are withdrawn


def quiet_until(order, now: datetime) -> datetime | None:
    """Return when quiet hours end in the order's region, or None if they are not on now."""
    local = to_zone(now, order.region.timezone)
    if QUIET_UNTIL <= local.time() < QUIET_FROM:
        return None
    morning = local.replace(hour=QUIET_UNTIL.hour, minute=0, second=0, microsecond=0)
    if local.time() >= QUIET_FROM:
        morning += timedelta(days=1)
    return morning


def held_until(kind: str, order, now: datetime) -> datetime | None:
    """Return when a message of this kind about order may go, if it must wait for the morning; None if it goes now."""
    if order is None or order.urgent or kind not in WAIT_FOR_MORNING:
        return None
    morning = quiet_until(order, now)
    if morning is None or (kind == "notice" and order.starts_at < morning + NOTICE_LEAD):
        return None
    return morning


def reminder_goes(order, now: datetime, *, written_at: datetime, awaits_answer: bool) -> bool:
    """Whether a reminder written at written_at still goes now; one that does not is withdrawn."""
    if now >= order.starts_at:
        return False
    if written_at < last_call(order):  # the evening reminder: it says "tomorrow"
        return evening_reminder_due(order, now)
    return awaits_answer or quiet_until(order, now) is None


def evening_before(order) -> datetime:
    """Return (in UTC) the evening reminder's time: the configured hour, local, the day before the start."""
    zone = ZoneInfo(order.region.timezone)
    day_before = to_zone(order.starts_at, order.region.timezone).date() - timedelta(days=1)
    local = datetime(day_before.year, day_before.month, day_before.day,
                     current_app.config["REMINDER_EVENING_HOUR"], tzinfo=zone)
    return local.astimezone(ZoneInfo("UTC"))


def evening_reminder_due(order, now: datetime) -> bool:
    """Whether the evening reminder goes now: from the evening hour the day before until quiet hours
    begin that night. Booked later than that (or on the day itself), the last call is the reminder."""
    evening = evening_before(order)
    closes = to_zone(evening, order.region.timezone).replace(hour=QUIET_FROM.hour, minute=0).astimezone(ZoneInfo("UTC"))
    return evening <= now < closes


def evening_reminder_ahead(order, now: datetime) -> bool:
    """Whether the evening reminder is still to come (a worker booked now will get it)."""
    return now < evening_before(order) or evening_reminder_due(order, now)


def last_call(order) -> datetime:
    return order.starts_at - timedelta(minutes=current_app.config["REMINDER_BEFORE_MINUTES"])
