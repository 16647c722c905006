"""Money is Decimal, rounded half-up to kopecks/cents, formatted per locale."""
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency

CENT = Decimal("0.01")


def to_money(value) -> Decimal:
    """Return value as a Decimal rounded to cents; floats are refused."""
    if isinstance(value, float):
        raise TypeError("money must not be a float; pass a str or Decimal")
    try:
        return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ValueError(f"not an amount of money: {value!r}") from exc


def format_money(amount: Decimal, currency: str = "RUB", locale: str = "en") -> str:
    """Format an amount for people in the given locale: ``₽1,234.50`` / ``1 234,50 ₽``."""
    return format_currency(amount, currency, locale=locale)
