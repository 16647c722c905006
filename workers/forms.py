"""Forms of the worker pages."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (DateField, DecimalField, FloatField, IntegerField, SelectField, SelectMultipleField, StringField,
                     TextAreaField, TimeField)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError

from core.i18n import lazy_gettext as _l
from core.phones import InvalidPhone, normalize_phone
from workers.availability import DAYS, format_ranges, parse_ranges

DAY_LABELS = {"mon": _l("Monday"), "tue": _l("Tuesday"), "wed": _l("Wednesday"), "thu": _l("Thursday"),
              "fri": _l("Friday"), "sat": _l("Saturday"), "sun": _l("Sunday")}


class HoursField(StringField):
    """Hours of one weekday typed as '08-13, 14-20' or 'all', stored as a mask."""

    def process_formdata(self, valuelist):
        if not valuelist:  # not sent at all: keep the default (a browser sends "" for a day off)
            return
        self.raw = valuelist[0]
        try:
            self.data = parse_ranges(self.raw)
        except ValueError as exc:
            self.data = None
            raise ValueError(_l("Type hours like 08-20 or 08-13, 14-20, or 'all'.")) from exc

    def _value(self):
        if getattr(self, "raw", None) is not None:
            return self.raw
        return format_ranges(self.data) if isinstance(self.data, int) else ""


class WorkerForm(FlaskForm):
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=80)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=80)])
    phone = StringField(_l("Phone"), validators=[DataRequired(), Length(max=32)])
    email = StringField(_l("Email"), validators=[Optional(), Email(), Length(max=254)])
    region_id = SelectField(_l("Home region"), coerce=int)
    language = SelectField(_l("SMS language"), choices=[("ru", "Русский"), ("en", "English")])
    skills = SelectMultipleField(_l("Skills"))  # choices: the managed list, set per request
    address = StringField(_l("Home address"), validators=[Optional(), Length(max=300)])
    lat = FloatField(_l("Latitude"), validators=[Optional(), NumberRange(-90, 90)])
    lon = FloatField(_l("Longitude"), validators=[Optional(), NumberRange(-180, 180)])
    max_travel_km = DecimalField(_l("Travels at most (km)"), places=2, default=25,
                                 validators=[Optional(), NumberRange(1, 300)])
    avail_mon = HoursField(DAY_LABELS["mon"], default=(1 << 24) - 1)
    avail_tue = HoursField(DAY_LABELS["tue"], default=(1 << 24) - 1)
    avail_wed = HoursField(DAY_LABELS["wed"], default=(1 << 24) - 1)
    avail_thu = HoursField(DAY_LABELS["thu"], default=(1 << 24) - 1)
    avail_fri = HoursField(DAY_LABELS["fri"], default=(1 << 24) - 1)
    avail_sat = HoursField(DAY_LABELS["sat"], default=(1 << 24) - 1)
    avail_sun = HoursField(DAY_LABELS["sun"], default=(1 << 24) - 1)
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])

    def validate_phone(self, field):
        try:
            field.data = normalize_phone(field.data)
        except InvalidPhone as exc:
            raise ValidationError(_l("This phone number is not valid.")) from exc

    def data_for_service(self) -> dict:
        data = {k: v for k, v in self.data.items() if k != "csrf_token"}
        if data["max_travel_km"] is None:
            data.pop("max_travel_km")  # left empty: the default
        return data


AVAILABILITY_FIELDS = tuple(f"avail_{d}" for d in DAYS)


class PoolFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a search submitted by GET

    q = StringField(_l("Name or phone"), validators=[Optional(), Length(max=100)])
    status = SelectField(_l("Status"), validators=[Optional()])
    skill = SelectField(_l("Skill"), validators=[Optional()])
    region_id = SelectField(_l("Region"), coerce=lambda v: int(v) if v else None, validators=[Optional()])
    min_rating = DecimalField(_l("Rating at least"), places=2, validators=[Optional(), NumberRange(1, 5)])
    near = StringField(_l("Near (address or coordinates)"), validators=[Optional(), Length(max=300)])
    within_km = FloatField(_l("Within (km)"), default=10, validators=[Optional(), NumberRange(0.1, 300)])
    page = IntegerField(default=1, validators=[Optional(), NumberRange(1, 100000)])


class InterviewForm(FlaskForm):
    outcome = SelectField(_l("Outcome"), choices=[("approved", _l("approved: may work")), ("rejected", _l("rejected"))])
    notes = TextAreaField(_l("Interview notes"), validators=[Optional(), Length(max=5000)])


class StatusForm(FlaskForm):
    status = SelectField(_l("New status"))
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=300)])


class BlackoutForm(FlaskForm):
    day = DateField(_l("Day off"), validators=[InputRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])


class PhotoForm(FlaskForm):
    photo = FileField(_l("Photo (JPEG, PNG or WebP, up to 5 MB)"), validators=[FileRequired()])


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired()])
    on_duplicate = SelectField(_l("A phone already in the pool"), choices=[
        ("report", _l("report it and import nothing")), ("merge", _l("update that worker's card"))])


class SkillForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=80)])
    name_ru = StringField(_l("Name in Russian"), validators=[DataRequired(), Length(max=80)])


class CandidateForm(FlaskForm):
    class Meta:
        csrf = False  # a search submitted by GET

    region_id = SelectField(_l("Region"), coerce=int)
    site = StringField(_l("Site (address or coordinates)"), validators=[DataRequired(), Length(max=300)])
    day = DateField(_l("Day"), validators=[InputRequired()])
    start = TimeField(_l("Starts"), validators=[InputRequired()])
    end = TimeField(_l("Ends"), validators=[InputRequired()])
    skills = SelectMultipleField(_l("Skills needed"))
    radius_km = FloatField(_l("Radius (km)"), default=15, validators=[InputRequired(), NumberRange(1, 200)])
    limit = IntegerField(_l("How many"), default=50, validators=[InputRequired(), NumberRange(1, 500)])
