"""Forms of the call-centre screen."""
from flask_wtf import FlaskForm
from wtforms import (DateField, DecimalField, HiddenField, IntegerField, SelectField, StringField, TextAreaField,
                     TimeField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from core.i18n import lazy_gettext as _l
from core.phones import InvalidPhone, normalize_phone
from leads.texts import CALL_FILTER_LABELS, SOURCE_LABELS


class LocateForm(FlaskForm):
    class Meta:
        csrf = False  # a read-only lookup submitted by GET

    lat = DecimalField(_l("Latitude"), places=6, validators=[InputRequired(), NumberRange(-90, 90)])
    lon = DecimalField(_l("Longitude"), places=6, validators=[InputRequired(), NumberRange(-180, 180)])


SOURCE_CHOICES = list(SOURCE_LABELS.items())


class LeadForm(FlaskForm):
    """Everything the agent asks during the call, in the order it is asked."""

    phone = StringField(_l("Caller's phone"), validators=[DataRequired(), Length(max=32)])
    caller_name = StringField(_l("Caller"), validators=[DataRequired(), Length(max=120)])
    company = StringField(_l("Company"), validators=[Optional(), Length(max=200)])
    address = StringField(_l("Address or city"), validators=[DataRequired(), Length(max=300)])
    lat = DecimalField(_l("Latitude (a map click)"), places=6, validators=[Optional(), NumberRange(-90, 90)])
    lon = DecimalField(_l("Longitude (a map click)"), places=6, validators=[Optional(), NumberRange(-180, 180)])
    work_type = StringField(_l("Work type"), default="loading", validators=[DataRequired(), Length(max=40)])
    headcount = IntegerField(_l("Workers needed"), default=1, validators=[InputRequired(), NumberRange(1, 500)])
    day = DateField(_l("Day"), validators=[InputRequired()])
    start = TimeField(_l("Starts (local time)"), validators=[InputRequired()])
    hours = IntegerField(_l("Hours"), default=8, validators=[InputRequired(), NumberRange(1, 24)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])
    source = SelectField(_l("Source"), choices=SOURCE_CHOICES, default="phone")
    campaign = StringField(_l("Campaign"), validators=[Optional(), Length(max=120)])
    call_id = HiddenField()  # the inbound call on the agent's screen, closed when the lead is saved

    def validate_phone(self, field):
        try:
            field.data = normalize_phone(field.data)
        except InvalidPhone as exc:
            raise ValidationError(str(exc)) from exc

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.source.data == "campaign" and not (self.campaign.data or "").strip():
            self.campaign.errors = [*self.campaign.errors, _l("Name the campaign.")]
            return False
        return valid

    def service_data(self) -> dict:
        return {k: v for k, v in self.data.items() if k not in ("csrf_token", "call_id")}

    def call(self) -> int | None:
        """Return the id of the call this lead is taken from, if any."""
        value = (self.call_id.data or "").strip()
        return int(value) if value.isdigit() and len(value) < 10 else None


class FunnelForm(FlaskForm):
    """The funnel's period: two days in the viewer's zone, both included (empty: the last 30 days)."""

    class Meta:
        csrf = False  # a read-only report asked by GET

    first = DateField(_l("From"), validators=[Optional()])
    last = DateField(_l("To"), validators=[Optional()])


class CallLogForm(FlaskForm):
    """The call log's filters: days received (in the viewer's zone, both included), what came of the call, a page."""

    class Meta:
        csrf = False  # a read-only list asked by GET

    first = DateField(_l("From"), validators=[Optional()])
    last = DateField(_l("To"), validators=[Optional()])
    status = SelectField(_l("Calls"), choices=[("", _l("all")), *CALL_FILTER_LABELS.items()], default="",
                         validate_choice=True)
    page = IntegerField(_l("Page"), default=1, validators=[Optional(), NumberRange(1, 100000)])

    def validate_last(self, field):
        if field.data and self.first.data and field.data < self.first.data:
            raise ValidationError(_l("The period ends before it starts."))


class DeclineForm(FlaskForm):
    reason = StringField(_l("Why do you decline it?"), validators=[DataRequired(), Length(max=300)])


class AcceptForm(FlaskForm):
    """No fields: the CSRF token alone."""


class CallForm(FlaskForm):
    """No fields: the CSRF token alone (take a waiting call, dismiss one)."""
