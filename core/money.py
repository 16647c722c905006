"""Money is Decimal, never float, formatted per locale."""
from decimal import Decimal

from babel.numbers import format_currency


def format_money(amount: Decimal, currency: str = "RUB", locale: str = "en") -> str:
    """Format an amount for people in the given locale: ``₽1,234.50`` / ``1 234,50 ₽``."""
    return format_currency(amount, currency, locale=locale)
