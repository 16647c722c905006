"""Money is Decimal, never float, formatted per locale."""
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from babel import Locale
from babel.core import get_global
from babel.numbers import format_currency, get_currency_symbol, get_territory_currencies


KOPECK = Decimal("0.01")


def round_money(amount: Decimal) -> Decimal:
    """Round an amount to the kopeck (cent), halves away from zero: the one rounding rule for money.

    Applied once per line (an order's billed amount, its royalty, a fee, an adjustment); totals are
    exact sums of rounded lines, so a statement's lines always add up to its total.
    """
    return Decimal(amount).quantize(KOPECK, rounding=ROUND_HALF_UP)


def format_money(amount: Decimal, currency: str = "RUB", locale: str = "en", own_sign: bool = False) -> str:
    """Format an amount for people in the given locale: ``RUB1,234.50`` / ``1 234,50 ₽``.

    With own_sign, a locale that knows the currency only by its code shows the currency's
    own sign instead (``₽1,234.50``): for pages; an SMS keeps the code, which fits GSM-7.
    """
    text = format_currency(amount, currency, locale=locale)
    if own_sign:
        code_or_symbol = get_currency_symbol(currency, locale)
        if code_or_symbol == currency:
            text = text.replace(currency, home_sign(currency), 1)
    return text


@cache
def home_sign(currency: str) -> str:
    """Return the sign a currency has where it is used (₽ for RUB), else its code."""
    for territory in sorted(get_global("territory_currencies")):
        if currency in get_territory_currencies(territory):
            return get_currency_symbol(currency, Locale.parse(f"und_{territory}"))
    return currency
