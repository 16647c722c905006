"""The hours that govern messages: quiet nights, the evening before a shift, the last call."""
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from core.timeutil import to_zone

QUIET_FROM, QUIET_UNTIL = time(21), time(8)  # no offers in between, in the region's time, unless urgent


def quiet_until(order, now: datetime) -> datetime | None:
    """Return when quiet hours end in the order's region, or None if they are not on now."""
    local = to_zone(now, order.region.timezone)
    if QUIET_UNTIL <= local.time() < QUIET_FROM:
        return None
    morning = local.replace(hour=QUIET_UNTIL.hour, minute=0, second=0, microsecond=0)
    if local.time() >= QUIET_FROM:
        morning += timedelta(days=1)
    return morning


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
