"""API schemas of regions and franchises."""
from marshmallow import Schema, fields


class RegionOut(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    timezone = fields.String()
    currency = fields.String()
    center_lat = fields.Float()
    center_lon = fields.Float()
    radius_km = fields.Decimal(as_string=True)


class FranchiseOut(Schema):
    id = fields.Integer()
    name = fields.String()
    tier = fields.String()
    status = fields.String()
    region_id = fields.Integer(allow_none=True)
    royalty_rate = fields.Decimal(as_string=True)
