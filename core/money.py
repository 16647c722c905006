"""Money is Decimal, never float, formatted per locale."""
from decimal import Decimal
from functools import cache

from babel import Locale
from babel.core import get_global
from babel.numbers import format_currency, get_currency_symbol, get_territory_currencies


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
