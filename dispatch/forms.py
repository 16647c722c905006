"""Forms of the dispatcher's console and the SMS simulator."""
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from core.i18n import lazy_gettext as _l
from core.phones import InvalidPhone, normalize_phone
from dispatch.console import REPLY_MAX


class InboxForm(FlaskForm):
    """Handle one inbox message, texting an answer back if one is written."""

    answer = TextAreaField(_l("Answer by SMS (optional)"), validators=[Optional(), Length(max=REPLY_MAX)])


class ReplyForm(FlaskForm):
    """Answer as a worker in the SMS simulator."""

    body = StringField(_l("Answer as this worker"), validators=[DataRequired(), Length(max=1600)])


class CallForm(FlaskForm):
    """Place a call to the network's number in the simulator, from a caller's phone."""

    phone = StringField(_l("Place a call from"), validators=[DataRequired(), Length(max=32)])

    def validate_phone(self, field):
        try:
            field.data = normalize_phone(field.data)
        except InvalidPhone as exc:
            raise ValidationError(str(exc)) from exc
