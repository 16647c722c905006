"""Outbound SMS texts in the worker's language, kept within two segments.

A text tells the worker where even when the site was deleted after the order was made
(``site_of`` reads it past the soft-delete filter): the shift still happens there.
"""
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace

from flask import current_app
from flask_babel import force_locale, gettext

from clients.models import Site
from core.money import format_money
from core.timeutil import to_zone
from extensions import db

GSM7 = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
           "¿abcdefghijklmnopqrstuvwxyzäöñüà")
MAX_SEGMENTS = 2


def segments(text: str) -> int:
    """Return how many SMS segments text takes (GSM-7: 160/153 chars; otherwise UCS-2: 70/67)."""
    single, multi = (160, 153) if set(text) <= GSM7 else (70, 67)
    return 1 if len(text) <= single else -(-len(text) // multi)


def site_of(order):
    """Return the order's site, even one deleted since the order was made."""
    return order.site or db.session.get(Site, order.site_id, execution_options={"include_deleted": True})


def offer_text(order, worker) -> str:
    """Return the offer SMS: code, place, time, pay, and how to answer; within two segments."""
    start = to_zone(order.starts_at, order.region.timezone)
    end = to_zone(order.ends_at, order.region.timezone)
    with force_locale(worker.language):
        pay = format_money(order.pay_rate, order.region.currency, worker.language).replace("\u00a0", " ")
        template = gettext("Work %(code)s: %(day)s %(start)s-%(end)s, %(address)s, %(pay)s/h. Reply YES %(code)s or NO")
        values = dict(code=order.code, day=start.strftime("%d.%m"), start=start.strftime("%H:%M"),
                      end=end.strftime("%H:%M"), pay=pay)
        return _fit(template, values, site_of(order).address)  # a long address gives way


def _when(order) -> dict:
    start = to_zone(order.starts_at, order.region.timezone)
    return dict(code=order.code, day=start.strftime("%d.%m"), start=start.strftime("%H:%M"))


def _fit(template: str, values: dict, address: str) -> str:
    """Fill template, shortening the address until the text fits in two segments."""
    text = template % {**values, "address": address}
    while segments(text) > MAX_SEGMENTS and len(address) > 10:
        address = address[: len(address) - 5].rstrip(" ,") + "…"
        text = template % {**values, "address": address}
    return text


def reminder_text(order, worker, *, evening: bool, confirm: bool) -> str:
    """The evening-before or last reminder; asks for "1 <code>" unless the worker confirmed already."""
    with force_locale(worker.language):
        if evening:
            template = gettext("Reminder: tomorrow %(start)s, order %(code)s, %(address)s. Reply 1 %(code)s to confirm, DROP %(code)s if you cannot come")
        elif confirm:
            template = gettext("Today %(start)s, order %(code)s, %(address)s. Reply 1 %(code)s within %(minutes)s min to keep your place")
        else:
            template = gettext("See you today at %(start)s, order %(code)s, %(address)s")
        return _fit(template, {**_when(order), "minutes": _confirm_minutes()}, site_of(order).address)


def promoted_text(order, worker, *, confirm: bool) -> str:
    """A place came free and the worker, first on the waitlist, has it now."""
    with force_locale(worker.language):
        if confirm:
            template = gettext("A place opened: you are booked for order %(code)s, %(day)s %(start)s, %(address)s. Reply 1 %(code)s within %(minutes)s min to keep it")
        else:
            template = gettext("A place opened: you are booked for order %(code)s, %(day)s %(start)s, %(address)s. DROP %(code)s if you cannot come")
        return _fit(template, {**_when(order), "minutes": _confirm_minutes()}, site_of(order).address)


def booked_text(order, worker) -> str:
    """The dispatcher booked the worker by hand."""
    with force_locale(worker.language):
        template = gettext("You are booked for order %(code)s, %(day)s %(start)s, %(address)s. DROP %(code)s if you cannot come")
        return _fit(template, _when(order), site_of(order).address)


def cancelled_text(order, worker) -> str:
    """The order is cancelled: the day, time and place say which shift, so that he does not go."""
    with force_locale(worker.language):
        template = gettext("Order %(code)s, %(day)s %(start)s, %(address)s, is cancelled: do not come. We will write when there is other work")
        return _fit(template, _when(order), site_of(order).address)


def released_text(order, worker) -> str:
    """The worker no longer has the place (fewer workers needed, or the dispatcher unbooked him)."""
    with force_locale(worker.language):
        return gettext("Your place on order %(code)s, %(day)s %(start)s, is no longer needed. Sorry: we will write when there is other work") % _when(order)


def expired_text(order, worker) -> str:
    """The worker did not confirm in time and his place went to the waitlist."""
    with force_locale(worker.language):
        return gettext("You did not confirm order %(code)s, so your place went to the next worker") % _when(order)


def moved_text(order, worker) -> str:
    """The shift the worker holds moved to another time."""
    end = to_zone(order.ends_at, order.region.timezone)
    with force_locale(worker.language):
        return gettext("Order %(code)s moved: %(day)s %(start)s-%(end)s. Reply DROP %(code)s if you cannot come") % {
            **_when(order), "end": end.strftime("%H:%M")}


def _confirm_minutes() -> int:
    return current_app.config["CONFIRM_WINDOW_MINUTES"]


def samples(language: str) -> list[tuple[str, str]]:
    """Return (template name, text) for every outgoing SMS, filled with a long sample order."""
    start = datetime(2026, 12, 2, 6, tzinfo=timezone.utc)
    region = SimpleNamespace(timezone="Europe/Moscow", currency="RUB")
    address = {"ru": "Москва, Ленинский проспект 32А, корпус 2, ворота 5"}.get(
        language, "Moscow, Leninsky Prospekt 32A, building 2, gate 5")
    site = SimpleNamespace(address=address)
    order = SimpleNamespace(code="4821", region=region, site=site, starts_at=start, ends_at=start + timedelta(hours=8),
                            pay_rate=Decimal("450.00"))
    worker = SimpleNamespace(language=language)
    return [
        ("offer", offer_text(order, worker)),
        ("reminder_evening", reminder_text(order, worker, evening=True, confirm=True)),
        ("reminder_confirm", reminder_text(order, worker, evening=False, confirm=True)),
        ("reminder_confirmed", reminder_text(order, worker, evening=False, confirm=False)),
        ("promoted_confirm", promoted_text(order, worker, confirm=True)),
        ("promoted", promoted_text(order, worker, confirm=False)),
        ("booked", booked_text(order, worker)),
        ("expired", expired_text(order, worker)),
        ("released", released_text(order, worker)),
        ("moved", moved_text(order, worker)),
        ("cancelled", cancelled_text(order, worker)),
    ]
