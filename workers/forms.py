"""Forms of the worker pages."""
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from core.i18n import lazy_gettext as _l
from core.phones import InvalidPhone, normalize_phone


class WorkerForm(FlaskForm):
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=80)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=80)])
    phone = StringField(_l("Phone"), validators=[DataRequired(), Length(max=32)])
    region_id = SelectField(_l("Home region"), coerce=int)
    language = SelectField(_l("SMS language"), choices=[("ru", "Русский"), ("en", "English")])
    skills = SelectMultipleField(_l("Skills"))  # choices: the managed list, set per request
    address = StringField(_l("Home address"), validators=[Optional(), Length(max=300)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])

    def validate_phone(self, field):
        try:
            field.data = normalize_phone(field.data)
        except InvalidPhone as exc:
            raise ValidationError(_l("This phone number is not valid.")) from exc
