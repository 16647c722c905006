"""Phone numbers: stored as E.164, found however they were typed."""
from functools import lru_cache

import phonenumbers
from marshmallow import ValidationError, fields

from core.i18n import lazy_gettext as _l


class InvalidPhone(ValueError):
    """The text is not a valid phone number."""


def normalize_phone(raw: str, default_region: str = "RU") -> str:
    """Return raw as E.164 (``+79123456789``); raise InvalidPhone if it is not a real number.

    A Russian trunk prefix 8 is understood (``8 912 …`` is ``+7 912 …``), as is any
    punctuation people type.
    """
    text = (raw or "").strip()
    if not text or len(text) > 32:
        raise InvalidPhone(_l("Enter a phone number."))
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(_l("This is not a phone number.")) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(_l("This phone number is not valid."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=4096)
def try_normalize_phone(raw: str, default_region: str = "RU") -> str | None:
    """Return raw as E.164 when it is a valid phone, else None (for search boxes).

    Remembered: every SMS reply normalizes its sender and the number it was sent to, often the same ones.
    """
    try:
        return normalize_phone(raw, default_region)
    except InvalidPhone:
        return None


def display_phone(e164: str | None) -> str:
    """Format a stored number for people: ``+7 912 345-67-89``."""
    if not e164:
        return ""
    try:
        return phonenumbers.format_number(
            phonenumbers.parse(e164, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
    except phonenumbers.NumberParseException:
        return e164


class PhoneField(fields.String):
    """A marshmallow field that loads any typed phone as E.164."""

    def __init__(self, *args, default_region: str = "RU", **kwargs):
        super().__init__(*args, **kwargs)
        self.default_region = default_region

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return normalize_phone(text, self.default_region)
        except InvalidPhone as exc:
            raise ValidationError(str(exc)) from exc
