"""Jinja filters and globals: phones, money and times shown the way people read them."""
from functools import partial

from flask_babel import format_datetime, get_locale

from core import i18n
from core.money import format_money
from core.phones import display_phone
from core.timeutil import to_zone


def local_time(value, tz_name: str = "Europe/Moscow", fmt: str = "medium") -> str:
    """Show a stored UTC time in a region's zone, formatted for the user's locale."""
    if value is None:
        return ""
    return format_datetime(to_zone(value, tz_name), fmt, rezone=False) + " " + _tz_abbrev(value, tz_name)


def _tz_abbrev(value, tz_name):
    return to_zone(value, tz_name).strftime("%Z")


def money(amount, currency: str = "RUB") -> str:
    if amount is None:
        return ""
    return format_money(amount, currency, str(get_locale() or "en"))


def init_app(app) -> None:
    app.jinja_env.filters["phone"] = display_phone
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["local_time"] = local_time
    for name, table in (
        ("role_label", i18n.ROLE_LABELS),
        ("tier_label", i18n.TIER_LABELS),
        ("status_label", i18n.STATUS_LABELS),
        ("condition_label", i18n.CONDITION_LABELS),
        ("action_label", i18n.ACTION_LABELS),
    ):
        app.jinja_env.globals[name] = partial(i18n.label, table)
