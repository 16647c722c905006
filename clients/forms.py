"""Forms of the client pages."""
from flask_wtf import FlaskForm
from wtforms import DecimalField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp, ValidationError

from clients.models import SITE_CONDITIONS
from core.i18n import CONDITION_LABELS, lazy_gettext as _l
from core.phones import InvalidPhone, normalize_phone


class ClientForm(FlaskForm):
    name = StringField(_l("Company"), validators=[DataRequired(), Length(max=200)])
    inn = StringField(
        _l("Taxpayer number (INN)"),
        validators=[Optional(), Regexp(r"^\d{10}(\d{2})?$", message=_l("An INN has 10 or 12 digits."))],
    )
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=32)])
    email = EmailField(_l("Email"), validators=[Optional(), Email(), Length(max=254)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])

    def validate_phone(self, field):
        if field.data:
            try:
                field.data = normalize_phone(field.data)
            except InvalidPhone as exc:
                raise ValidationError(_l("This phone number is not valid.")) from exc


class SiteForm(FlaskForm):
    name = StringField(_l("Site name"), validators=[DataRequired(), Length(max=200)])
    address = StringField(_l("Address"), validators=[DataRequired(), Length(max=300)])
    lat = DecimalField(_l("Latitude"), places=6, validators=[Optional(), NumberRange(-90, 90)])
    lon = DecimalField(_l("Longitude"), places=6, validators=[Optional(), NumberRange(-180, 180)])
    conditions = SelectField(_l("Conditions"), choices=[(c, CONDITION_LABELS[c]) for c in SITE_CONDITIONS])
