"""Values from outside bounded to what the database stores: row ids, moments, text and decimals.

A row id beyond PostgreSQL's `integer`, a year-1 date, a NUL character or a float for money
would reach the database and fail there (500); these refuse them at the edge with a 404 or a
422 instead, and the OpenAPI document shows the same bounds.
"""
import re
from datetime import datetime, timezone

from marshmallow import ValidationError, fields, validate
from werkzeug.routing import IntegerConverter

# Every id column is PostgreSQL `integer`.
MAX_ID = 2**31 - 1
# Shifts, reminders and reports live in these years; outside them a date is a typo.
EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2100, 1, 1, tzinfo=timezone.utc)


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: digits from 1 to MAX_ID, anything else is a 404."""

    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class Id(fields.Integer):
    """A row id in a query or a body: an integer from 1 to MAX_ID."""

    def __init__(self, **kwargs):
        kwargs.setdefault("validate", validate.Range(1, MAX_ID))
        super().__init__(**kwargs)


class Moment(fields.AwareDateTime):
    """A date and time with its offset, from EARLIEST up to LATEST."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            moment = super()._deserialize(value, attr, data, **kwargs)
            inside = EARLIEST <= moment < LATEST
        except OverflowError as exc:  # year 1 with a positive offset is before year 1 in UTC
            raise ValidationError(self._range_message()) from exc
        if not inside:
            raise ValidationError(self._range_message())
        return moment

    @staticmethod
    def _range_message() -> str:
        return f"Dates from {EARLIEST.year} to {LATEST.year - 1} only."


class Text(fields.String):
    """A string without NUL characters (PostgreSQL text cannot hold them)."""

    pattern = r"^[^\u0000]*$"

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise ValidationError("Text cannot contain a NUL character.")
        return text


class DecimalString(fields.Decimal):
    """An exact decimal written as a JSON string ("110.00"), both ways: money never passes through a float.

    digits and places bound what a request may send (the pattern the document shows);
    answers carry the stored value as it is.
    """

    def __init__(self, *, digits: int = 8, places: int | None = None, signed: bool = False, **kwargs):
        sign = "-?" if signed else ""
        fraction = rf"(\.[0-9]{{1,{places}}})?" if places else r"(\.[0-9]+)?"
        self.pattern = rf"^{sign}[0-9]{{1,{digits}}}{fraction}$"
        super().__init__(places=places, as_string=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not re.fullmatch(self.pattern, value):
            raise ValidationError(f'Write the number as a string, e.g. "110.00" (pattern {self.pattern}).')
        return super()._deserialize(value, attr, data, **kwargs)


def pattern_properties(self, field, **kwargs) -> dict:
    """Document the pattern of a Text or DecimalString field (an apispec attribute function)."""
    if isinstance(field, (Text, DecimalString)):
        return {"pattern": field.pattern}
    return {}
