"""API schemas of orders: separate input and output classes."""
from marshmallow import Schema, ValidationError, fields, validate, validates

from core.fields import DecimalString, Id, Moment, Text

class OrderIn(Schema):
    client_id = Id(required=True, strict=True)
    site_id = Id(required=True, strict=True)
    work_type = Text(required=True, validate=validate.Length(min=1, max=40))
    workers_needed = fields.Integer(required=True, strict=True, validate=validate.Range(1, 500))
    starts_at = Moment(required=True)
    ends_at = Moment(required=True)
    skills = fields.List(Text(validate=validate.Length(max=40)), load_default=list)
    overbooking = Text(load_default="1.5", validate=validate.Length(max=5))
    urgent = fields.Boolean(load_default=False)
    notes = Text(load_default=None, allow_none=True, validate=validate.Length(max=5000))
    pay_rate = DecimalString(digits=5, places=2, load_default=None, allow_none=True)
    bill_rate = DecimalString(digits=5, places=2, load_default=None, allow_none=True)
    dispatch = fields.Boolean(load_default=True)
    confirm_loss = fields.Boolean(load_default=False, metadata={
        "description": "Required true when the pay rate is not below the bill rate (the order earns nothing)."})

    @validates("overbooking")
    def _overbooking(self, value, **kwargs):
        if value != "auto":
            try:
                float(value)
            except ValueError as exc:
                raise ValidationError("Overbooking is 'auto' or a factor such as 1.5.") from exc


class OfferOut(Schema):
    worker_id = fields.Integer()
    worker_name = fields.String()
    phone = fields.String()
    state = fields.String()
    wave = fields.Integer()
    offered_at = fields.DateTime(allow_none=True)
    answered_at = fields.DateTime(allow_none=True)


class FillOut(Schema):
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    booked = fields.Integer()
    target = fields.Integer()
    needed = fields.Integer()
    show_up_probability = fields.Float()


class OrderOut(Schema):
    id = fields.Integer()
    code = fields.String()
    status = fields.String()
    client_id = fields.Integer()
    site_id = fields.Integer()
    region_id = fields.Integer()
    work_type = fields.String()
    workers_needed = fields.Integer()
    booking_target = fields.Integer()
    overbooking = fields.Method("_overbooking", metadata={"type": "string"})
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    pay_rate = DecimalString()
    bill_rate = DecimalString()
    urgent = fields.Boolean()

    def _overbooking(self, obj):
        factor = obj["overbooking_factor"] if isinstance(obj, dict) else obj.overbooking_factor
        return "auto" if factor is None else str(factor)


class OrderDetailOut(OrderOut):
    fill = fields.Nested(FillOut)
    offers = fields.List(fields.Nested(OfferOut))


class OrderQuery(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(
        ["draft", "dispatching", "filled", "in_progress", "completed", "invoiced", "cancelled"]))
