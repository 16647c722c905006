"""Jinja filters and globals: phones, money and times shown the way people read them."""
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

from babel import dates
from flask_babel import get_locale
from flask_login import current_user

from core import i18n, roles
from core.money import format_money
from core.phones import display_phone
from core.timeutil import to_zone

HEAD_OFFICE_TIMEZONE = "Europe/Moscow"


def local_time(value, tz_name: str | None = None, fmt: str = "medium") -> str:
    """Show a stored UTC time in a zone (the viewer's by default), in the user's locale."""
    if value is None:
        return ""
    local = to_zone(value, tz_name or viewer_timezone())
    return f"{dates.format_datetime(local, fmt, locale=str(get_locale() or 'en'))} {local.strftime('%Z')}"


def local_date(value, fmt: str = "medium") -> str:
    """Show a calendar day in the user's locale (1 Dec 2026 / 1 дек. 2026 г.)."""
    if value is None:
        return ""
    return dates.format_date(value, fmt, locale=str(get_locale() or "en"))


def viewer_timezone() -> str:
    """Return the zone of the viewer's franchise region, else head office's (Moscow)."""
    franchise = getattr(current_user, "franchise", None)
    if franchise is not None and franchise.region is not None:
        return franchise.region.timezone
    return HEAD_OFFICE_TIMEZONE


def money(amount, currency: str = "RUB") -> str:
    if amount is None:
        return ""
    return format_money(amount, currency, str(get_locale() or "en"), own_sign=True)


def hours_minutes(hours) -> str:
    """Show a number of hours (7.5) as people say it: "7 h 30 min"."""
    if hours is None:
        return ""
    h, m = divmod(int((Decimal(hours) * 60).to_integral_value(ROUND_HALF_UP)), 60)
    if h and m:
        return i18n.gettext("%(h)s h %(m)s min", h=h, m=m)
    if m:
        return i18n.gettext("%(m)s min", m=m)
    return i18n.gettext("%(h)s h", h=h)


def may(action: str) -> bool:
    """Say whether the viewer may take the action (core.roles), to show only what he can use."""
    return roles.may(current_user, action)


def init_app(app) -> None:
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["may"] = may
    app.jinja_env.filters["phone"] = display_phone
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["local_date"] = local_date
    app.jinja_env.filters["hours_minutes"] = hours_minutes
    app.jinja_env.globals["alert_text"] = i18n.alert_text
    app.jinja_env.globals["counted"] = i18n.counted
    for name, table in (
        ("role_label", i18n.ROLE_LABELS),
        ("tier_label", i18n.TIER_LABELS),
        ("status_label", i18n.STATUS_LABELS),
        ("condition_label", i18n.CONDITION_LABELS),
        ("action_label", i18n.ACTION_LABELS),
        ("event_label", i18n.EVENT_LABELS),
        ("worker_tier_label", i18n.TIER_NAMES),
        ("order_status_label", i18n.ORDER_STATUS_LABELS),
        ("offer_state_label", i18n.OFFER_STATE_LABELS),
        ("franchise_status_label", i18n.FRANCHISE_STATUS_LABELS),
        ("message_status_label", i18n.MESSAGE_STATUS_LABELS),
        ("language_label", i18n.LANGUAGE_LABELS),
        ("sms_template_label", i18n.SMS_TEMPLATE_LABELS),
    ):
        app.jinja_env.globals[name] = partial(i18n.label, table)
