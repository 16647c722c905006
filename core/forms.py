"""Forms of the shared pages (sign-in, profile, API tokens)."""
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional, ValidationError

from core.i18n import lazy_gettext as _l
from core.service import MAX_PASSWORD, MAX_TOKEN_DAYS, MIN_PASSWORD, sign_in_address

LANGUAGES = [("en", "English"), ("ru", "Русский")]


def _sign_in_address(form, field):
    if not sign_in_address(field.data):
        raise ValidationError(_l("Enter a valid email address."))


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), _sign_in_address, Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class ProfileForm(FlaskForm):
    locale = SelectField(_l("Language"), choices=LANGUAGES)


class TokenForm(FlaskForm):
    name = StringField(_l("What the token is for"), validators=[DataRequired(), Length(max=80)])
    expires_days = IntegerField(_l("Expires after (days; empty: never)"),
                                validators=[Optional(), NumberRange(1, MAX_TOKEN_DAYS)])


class PasswordForm(FlaskForm):
    """A new password typed twice, or nothing: then one is generated and shown once."""

    password = PasswordField(_l("New password (empty: generate one)"), validators=[
        Optional(), Length(MIN_PASSWORD, MAX_PASSWORD, message=_l(
            "The password needs at least %(min)s characters (at most %(max)s).", min=MIN_PASSWORD, max=MAX_PASSWORD))])
    confirm = PasswordField(_l("The same password again"), validators=[
        EqualTo("password", message=_l("The two passwords differ."))])


class StaffForm(PasswordForm):
    """A new user of the partner's own franchise (the roles are the ones he may give)."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[DataRequired(), _sign_in_address, Length(max=254)])
    role = SelectField(_l("Role"), validate_choice=True)
    locale = SelectField(_l("Language"), choices=LANGUAGES)


def _franchise_or_head_office(value):
    return int(value) if value not in (None, "", "None") else None


class UserForm(StaffForm):
    """A new user of any franchise or of head office."""

    franchise_id = SelectField(_l("Works for"), coerce=_franchise_or_head_office)


class OwnPasswordForm(FlaskForm):
    """The user's own new password, typed twice, after his current one."""

    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=MAX_PASSWORD)])
    password = PasswordField(_l("New password"), validators=[
        DataRequired(), Length(MIN_PASSWORD, MAX_PASSWORD, message=_l(
            "The password needs at least %(min)s characters (at most %(max)s).", min=MIN_PASSWORD, max=MAX_PASSWORD))])
    confirm = PasswordField(_l("The same password again"), validators=[
        EqualTo("password", message=_l("The two passwords differ."))])
