"""Head office's forms: close a month, record a payment."""
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from core.i18n import lazy_gettext as _l


class CloseForm(FlaskForm):
    period = StringField(_l("Month (YYYY-MM)"), validators=[
        DataRequired(), Regexp(r"^20\d\d-(0[1-9]|1[0-2])$", message=_l("Write the month as YYYY-MM, for example 2026-11."))])


class PaymentForm(FlaskForm):
    amount = DecimalField(_l("Amount"), places=2, validators=[InputRequired(), NumberRange(min=0.01, max=10**11)])
    paid_on = DateField(_l("Paid on"), validators=[InputRequired()])
    reference = StringField(_l("Reference (bank order number)"), validators=[Optional(), Length(max=120)])
