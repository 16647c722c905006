"""Input of the public web form (the company's and the franchises' sites), form-encoded or JSON."""
from datetime import time

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from core.fields import Text
from core.i18n import lazy_gettext as _l
from core.phones import PhoneField

HONEYPOT = "website"  # hidden from people by the form's style; only robots fill it in
_REQUIRED = {"required": _l("This field is required.")}


class WebLeadIn(Schema):
    """A request from a site's form: who, where, what, when."""

    class Meta:
        unknown = EXCLUDE

    name = Text(required=True, validate=validate.Length(min=1, max=120), error_messages=_REQUIRED)
    company = Text(load_default=None, validate=validate.Length(max=200))
    phone = PhoneField(required=True, error_messages=_REQUIRED)
    address = Text(load_default=None, validate=validate.Length(max=300))
    city = Text(load_default=None, validate=validate.Length(max=120))
    work_type = Text(load_default="loading", validate=validate.Length(min=1, max=40))
    headcount = fields.Integer(required=True, validate=validate.Range(1, 500, error=_l("From 1 to 500 workers.")),
                               error_messages={**_REQUIRED, "invalid": _l("Give a whole number of workers.")})
    date = fields.Date(required=True, error_messages={**_REQUIRED, "invalid": _l("Give a date such as 2026-12-05.")})
    time = fields.Time(load_default=time(9, 0), error_messages={"invalid": _l("Give a time such as 09:00.")})
    hours = fields.Integer(load_default=8, validate=validate.Range(1, 24, error=_l("From 1 to 24 hours.")),
                           error_messages={"invalid": _l("Give a whole number of hours.")})
    notes = Text(load_default=None, validate=validate.Length(max=5000))
    campaign = Text(load_default=None, validate=validate.Length(max=120))
    website = fields.Raw(load_default=None, data_key=HONEYPOT)

    @pre_load
    def _blank_is_absent(self, data, **kwargs):
        """A form sends every field, empty ones as "": those are not given."""
        if not isinstance(data, dict):
            raise ValidationError(_l("Send the form's fields."))
        return {k: v.strip() if isinstance(v, str) else v for k, v in data.items()
                if not (isinstance(v, str) and not v.strip())}

    @validates_schema(skip_on_field_errors=False)
    def _somewhere(self, data, **kwargs):
        if not data.get("address") and not data.get("city"):
            raise ValidationError(_l("Give the address or at least the city."), "address")


def service_data(loaded: dict) -> dict:
    """Return the web form's fields as leads.service.take_lead reads them."""
    return {"phone": loaded["phone"], "caller_name": loaded["name"], "company": loaded.get("company"),
            "address": _address(loaded), "lat": None, "lon": None, "work_type": loaded["work_type"],
            "headcount": loaded["headcount"], "day": loaded["date"], "start": loaded["time"],
            "hours": loaded["hours"], "notes": loaded.get("notes"), "source": "web_form",
            "campaign": loaded.get("campaign")}


def _address(loaded: dict) -> str:
    """The address with its city in front unless it names the city already (the map finds it then)."""
    address, city = loaded.get("address"), loaded.get("city")
    if address and city and city.casefold() not in address.casefold():
        return f"{city}, {address}"[:300]
    return address or city


# the web form's fields the service's field names stand for, for its errors
FIELD_OF = {"day": "date", "start": "time", "caller_name": "name"}


def field_errors(messages) -> dict[str, list[str]]:
    """Return marshmallow's messages as {field: [text, ...]} (a lazy message comes back unwrapped otherwise)."""
    if not isinstance(messages, dict):
        messages = {"_schema": messages}
    return {field: [str(m) for m in (texts if isinstance(texts, list) else [texts])] for field, texts in messages.items()}
