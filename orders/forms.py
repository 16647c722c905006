"""Forms of the order pages."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, DecimalField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from clients.models import SITE_CONDITIONS
from core.i18n import CONDITION_LABELS
from core.i18n import lazy_gettext as _l


class OrderForm(FlaskForm):
    site_id = SelectField(_l("Client and site"), coerce=int)
    work_type = StringField(_l("Work type"), default="loading", validators=[DataRequired(), Length(max=40)])
    workers_needed = IntegerField(_l("Workers needed"), default=10, validators=[InputRequired(), NumberRange(1, 500)])
    day = DateField(_l("Day"), validators=[InputRequired()])
    start = TimeField(_l("Starts"), validators=[InputRequired()])
    end = TimeField(_l("Ends"), validators=[InputRequired()])
    overnight = BooleanField(_l("Overnight: ends the next day"))
    skills = SelectMultipleField(_l("Skills needed"))
    overbooking = SelectField(_l("Overbooking"), choices=[("1.5", "×1.5"), ("1.3", "×1.3"), ("1.0", "×1.0"),
                                                          ("2.0", "×2.0"), ("auto", _l("auto, from reliability"))])
    pay_rate = DecimalField(_l("Pay per hour (empty: the rate card)"), places=2, validators=[Optional(), NumberRange(0, 100000)])
    bill_rate = DecimalField(_l("Bill per hour (empty: the rate card)"), places=2, validators=[Optional(), NumberRange(0, 100000)])
    urgent = BooleanField(_l("Urgent: offer even in quiet hours"))
    confirm_loss = BooleanField(_l("Yes: the pay is not below the bill, create it anyway"))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])


class CancelForm(FlaskForm):
    reason = StringField(_l("Why is it cancelled?"), validators=[DataRequired(), Length(max=200)])


class ChangeForm(FlaskForm):
    """Headcount and time of an order already dispatching: saving re-plans it."""

    workers_needed = IntegerField(_l("Workers needed"), validators=[InputRequired(), NumberRange(1, 500)])
    day = DateField(_l("Day"), validators=[InputRequired()])
    start = TimeField(_l("Starts"), validators=[InputRequired()])
    end = TimeField(_l("Ends"), validators=[InputRequired()])
    overnight = BooleanField(_l("Overnight: ends the next day"))


class BookForm(FlaskForm):
    phone = StringField(_l("Book a worker by phone"), validators=[DataRequired(), Length(max=32)])


class RateCardForm(FlaskForm):
    """One rate card; head office also picks the region and whose card it is (a franchise's, or the default)."""

    region_id = SelectField(_l("Region"), coerce=int)
    franchise_id = SelectField(_l("Whose card"), coerce=int)
    work_type = StringField(_l("Work type"), default="loading", validators=[DataRequired(), Length(max=40)])
    conditions = SelectField(_l("Conditions"), choices=[(c, CONDITION_LABELS[c]) for c in SITE_CONDITIONS])
    min_headcount = IntegerField(_l("From this many workers"), default=1, validators=[InputRequired(), NumberRange(1, 500)])
    pay_rate = DecimalField(_l("Pay per hour"), places=2, validators=[InputRequired(), NumberRange(0.01, 100000)])
    bill_rate = DecimalField(_l("Bill per hour"), places=2, validators=[InputRequired(), NumberRange(0.01, 100000)])
    valid_from = DateField(_l("Valid from"), validators=[InputRequired()])
    valid_to = DateField(_l("Valid until (empty: open-ended)"), validators=[Optional()])
    confirm_loss = BooleanField(_l("Yes: the pay is not below the bill, save it anyway"))


class EndCardForm(FlaskForm):
    last_day = DateField(_l("Last day it applies"), validators=[InputRequired()])
