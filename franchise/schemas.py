"""API schemas of regions and franchises."""
from marshmallow import Schema, fields

from core.fields import DecimalString


class RegionOut(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    timezone = fields.String()
    currency = fields.String()
    center_lat = fields.Float()
    center_lon = fields.Float()
    radius_km = DecimalString()


class FranchiseOut(Schema):
    id = fields.Integer()
    name = fields.String()
    tier = fields.String()
    status = fields.String()
    region_id = fields.Integer(allow_none=True)
    royalty_rate = DecimalString()
