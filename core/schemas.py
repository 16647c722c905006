"""API schemas of the caller and health."""
from marshmallow import Schema, fields


class MeOut(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    role = fields.String()
    franchise_id = fields.Integer(allow_none=True)
    locale = fields.String()
