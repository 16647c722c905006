"""API schemas of workers: separate input and output classes."""
from datetime import timedelta

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from webargs.fields import DelimitedList

from core.fields import DecimalString, Id, Moment, Text
from core.phones import PhoneField
from workers.skills import codes_for
from workers.models import WORKER_STATUSES


class WorkerIn(Schema):
    first_name = Text(required=True, validate=validate.Length(min=1, max=80))
    last_name = Text(required=True, validate=validate.Length(min=1, max=80))
    phone = PhoneField(required=True)
    region_id = Id(required=True, strict=True)
    language = fields.String(load_default="ru", validate=validate.OneOf(["ru", "en"]))
    skills = fields.List(Text(validate=validate.Length(max=40)), load_default=list)  # codes
    address = Text(load_default=None, allow_none=True, validate=validate.Length(max=300))
    lat = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    lon = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    notes = Text(load_default=None, allow_none=True, validate=validate.Length(max=5000))


class CandidateQuery(Schema):
    region_id = Id(required=True)
    lat = fields.Float(required=True, validate=validate.Range(-90, 90))
    lon = fields.Float(required=True, validate=validate.Range(-180, 180))
    starts_at = Moment(required=True)
    ends_at = Moment(required=True)
    skills = DelimitedList(Text(validate=validate.Length(max=40)), load_default=list)
    radius_km = fields.Float(load_default=15.0, validate=validate.Range(0.5, 200))
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 500))

    @validates_schema
    def _ends_after_start(self, data, **kwargs):
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            raise ValidationError({"ends_at": ["A shift ends after it starts."]})
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] - data["starts_at"] > timedelta(hours=24):
            raise ValidationError({"ends_at": ["A shift lasts at most 24 hours."]})


class WorkerQuery(Schema):
    q = Text(load_default="", validate=validate.Length(max=100))
    status = fields.String(load_default=None, validate=validate.OneOf(WORKER_STATUSES))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))


class WorkerOut(Schema):
    id = fields.Integer()
    first_name = fields.String()
    last_name = fields.String()
    phone = fields.String()
    status = fields.String()
    region_id = fields.Integer()
    language = fields.String()
    skills = fields.Function(lambda w: codes_for(w.skill_mask), metadata={"type": "array", "items": {"type": "string"}})
    tier = fields.String()
    address = fields.String(allow_none=True)
    lat = fields.Float(allow_none=True)
    lon = fields.Float(allow_none=True)
    rating = DecimalString()
    reliability = DecimalString()
    opted_out = fields.Boolean()


class CandidateOut(Schema):
    worker = fields.Nested(WorkerOut)
    distance_km = fields.Float()
    score = fields.Float()


class RatingEventOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    occurred_at = fields.DateTime()
    quality = fields.Integer(allow_none=True)
    minutes = fields.Integer(allow_none=True)
    notice_hours = DecimalString(signed=True, allow_none=True)
    opening_shifts = fields.Integer(allow_none=True, metadata={"description": "opening record: shifts worked before"})
    opening_no_shows = fields.Integer(allow_none=True, metadata={"description": "opening record: no-shows before"})
    opening_rating = DecimalString(allow_none=True, metadata={"description": "opening record: the rating he had"})
    rating_before = DecimalString()
    rating_after = DecimalString()
    reliability_before = DecimalString()
    reliability_after = DecimalString()
