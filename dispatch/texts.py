"""Outbound SMS texts in the worker's language, kept within two segments."""
from flask_babel import force_locale, gettext

from core.money import format_money
from core.timeutil import to_zone

GSM7 = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
           "¿abcdefghijklmnopqrstuvwxyzäöñüà")
MAX_SEGMENTS = 2


def segments(text: str) -> int:
    """Return how many SMS segments text takes (GSM-7: 160/153 chars; otherwise UCS-2: 70/67)."""
    single, multi = (160, 153) if set(text) <= GSM7 else (70, 67)
    return 1 if len(text) <= single else -(-len(text) // multi)


def offer_text(order, worker) -> str:
    """Return the offer SMS: code, place, time, pay, and how to answer; within two segments."""
    start = to_zone(order.starts_at, order.region.timezone)
    end = to_zone(order.ends_at, order.region.timezone)
    with force_locale(worker.language):
        pay = format_money(order.pay_rate, order.region.currency, worker.language).replace("\u00a0", " ")
        template = gettext("Work %(code)s: %(day)s %(start)s-%(end)s, %(address)s, %(pay)s/h. Reply YES %(code)s or NO")
        values = dict(code=order.code, day=start.strftime("%d.%m"), start=start.strftime("%H:%M"),
                      end=end.strftime("%H:%M"), pay=pay)
        address = order.site.address
        text = template % {**values, "address": address}
        while segments(text) > MAX_SEGMENTS and len(address) > 10:  # a long address gives way
            address = address[: len(address) - 5].rstrip(" ,") + "…"
            text = template % {**values, "address": address}
        return text
