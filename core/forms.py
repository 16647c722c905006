"""Forms of the shared pages (sign-in, profile, API tokens)."""
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from core.i18n import lazy_gettext as _l
from core.service import MAX_TOKEN_DAYS, sign_in_address


def _sign_in_address(form, field):
    if not sign_in_address(field.data):
        raise ValidationError(_l("Enter a valid email address."))


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), _sign_in_address, Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class ProfileForm(FlaskForm):
    locale = SelectField(_l("Language"), choices=[("en", "English"), ("ru", "Русский")])


class TokenForm(FlaskForm):
    name = StringField(_l("What the token is for"), validators=[DataRequired(), Length(max=80)])
    expires_days = IntegerField(_l("Expires after (days; empty: never)"),
                                validators=[Optional(), NumberRange(1, MAX_TOKEN_DAYS)])
