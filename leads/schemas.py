"""API schemas of leads (separate input and output classes), and the input of the public web form (the company's and
the franchises' sites), form-encoded or JSON."""
from datetime import date, time

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from core.fields import Moment, Text
from core.i18n import lazy_gettext as _l
from core.phones import PhoneField
from leads.models import LEAD_SOURCES, LEAD_STATUSES

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


# The days a lead's shift or a report's period may name; outside them a date is a typo.
DAYS = validate.Range(date(2000, 1, 1), date(2099, 12, 31))
FILLED = validate.Regexp(r"\S", error="Fill this in.")  # the form's DataRequired: blanks are not an answer


class LeadIn(Schema):
    """What the agent asks during the call (the intake form's fields, with the same limits)."""

    phone = PhoneField(required=True, validate=validate.Length(max=32))
    caller_name = Text(required=True, validate=[validate.Length(min=1, max=120), FILLED])
    company = Text(load_default=None, allow_none=True, validate=validate.Length(max=200))
    address = Text(required=True, validate=[validate.Length(min=1, max=300), FILLED])
    lat = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90), metadata={
        "description": "With lon: the point on the map; without both the address is geocoded."})
    lon = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    work_type = Text(load_default="loading", validate=[validate.Length(min=1, max=40), FILLED])
    headcount = fields.Integer(load_default=1, strict=True, validate=validate.Range(1, 500))
    day = fields.Date(required=True, validate=DAYS, metadata={"description": "The shift's day in the lead's region."})
    start = fields.Time(required=True, metadata={"description": "The shift's start, local to the lead's region."})
    hours = fields.Integer(load_default=8, strict=True, validate=validate.Range(1, 24))
    notes = Text(load_default=None, allow_none=True, validate=validate.Length(max=5000))
    source = fields.String(load_default="phone", validate=validate.OneOf(LEAD_SOURCES))
    campaign = Text(load_default=None, allow_none=True, validate=validate.Length(max=120),
                    metadata={"description": "Required when source is campaign."})

    @validates_schema
    def _campaign_named(self, data, **kwargs):
        if data.get("source") == "campaign" and not (data.get("campaign") or "").strip():
            raise ValidationError({"campaign": ["Name the campaign."]})


class LeadQuery(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(LEAD_STATUSES))
    source = fields.String(load_default=None, validate=validate.OneOf(LEAD_SOURCES))
    since = Moment(load_default=None, metadata={"description": "Taken at or after this moment."})
    until = Moment(load_default=None, metadata={"description": "Taken before this moment."})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))


class LeadEventOut(Schema):
    at = fields.DateTime()
    kind = fields.String()
    reason = fields.String(allow_none=True)
    text = fields.String(metadata={"description": "The reason in words, with its figures."})
    note = fields.String(allow_none=True)
    franchise_id = fields.Integer(allow_none=True)
    user_id = fields.Integer(allow_none=True)


class LeadOut(Schema):
    id = fields.Integer()
    status = fields.String()
    source = fields.String()
    campaign = fields.String(allow_none=True)
    caller_name = fields.String()
    company = fields.String(allow_none=True)
    phone = fields.String()
    address = fields.String()
    lat = fields.Float(allow_none=True, metadata={"description": "null: no map found the address"})
    lon = fields.Float(allow_none=True)
    work_type = fields.String()
    headcount = fields.Integer()
    starts_at = fields.DateTime()
    hours = fields.Integer()
    notes = fields.String(allow_none=True)
    region_id = fields.Integer(allow_none=True)
    franchise_id = fields.Integer(allow_none=True)
    routed_at = fields.DateTime(allow_none=True)
    sla_due_at = fields.DateTime(allow_none=True)
    client_id = fields.Integer(allow_none=True)
    order_id = fields.Integer(allow_none=True)
    taken_by_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class LeadDetailOut(LeadOut):
    events = fields.List(fields.Nested(LeadEventOut), metadata={"description": "The routing log, oldest first."})


class FunnelQuery(Schema):
    since = fields.Date(load_default=None, validate=DAYS, metadata={
        "description": "First day (in the caller's region's zone, head office's for head office); "
                       "default: 29 days before until."})
    until = fields.Date(load_default=None, validate=DAYS, metadata={"description": "Last day, included; default: today."})

    @validates_schema
    def _forward(self, data, **kwargs):
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            raise ValidationError({"until": ["The period ends before it starts."]})


class StepsOut(Schema):
    taken = fields.Integer()
    routed = fields.Integer()
    accepted = fields.Integer()
    converted = fields.Integer()
    completed = fields.Integer(metadata={"description": "The order the lead converted into was completed."})


class RatesOut(Schema):
    routed = fields.Float(allow_none=True, metadata={"description": "routed / taken; null when nothing to divide by"})
    accepted = fields.Float(allow_none=True, metadata={"description": "accepted / routed"})
    converted = fields.Float(allow_none=True, metadata={"description": "converted / accepted"})
    completed = fields.Float(allow_none=True, metadata={"description": "completed / converted"})
    overall = fields.Float(allow_none=True, metadata={"description": "completed / taken"})


class FunnelRowOut(Schema):
    name = fields.String()
    source = fields.String(allow_none=True)
    campaign = fields.String(allow_none=True)
    franchise_id = fields.Integer(allow_none=True)
    user_id = fields.Integer(allow_none=True)
    counts = fields.Nested(StepsOut)
    rates = fields.Nested(RatesOut)
    median_accept_minutes = fields.Float(allow_none=True)


class LostOut(Schema):
    kind = fields.String(metadata={"description": "declined, expired or lost"})
    reason = fields.String(allow_none=True)
    text = fields.String()
    leads = fields.Integer()


class FunnelOut(Schema):
    since = fields.Date()
    until = fields.Date()
    timezone = fields.String()
    total = fields.Nested(FunnelRowOut)
    by_source = fields.List(fields.Nested(FunnelRowOut))
    by_branch = fields.List(fields.Nested(FunnelRowOut))
    by_agent = fields.List(fields.Nested(FunnelRowOut))
    lost = fields.List(fields.Nested(LostOut))
    lost_for_good = fields.Integer()
