"""Forms of the dispatcher's console and the SMS simulator."""
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from core.i18n import lazy_gettext as _l
from dispatch.console import REPLY_MAX


class InboxForm(FlaskForm):
    """Handle one inbox message, texting an answer back if one is written."""

    answer = TextAreaField(_l("Answer by SMS (optional)"), validators=[Optional(), Length(max=REPLY_MAX)])


class ReplyForm(FlaskForm):
    """Answer as a worker in the SMS simulator."""

    body = StringField(_l("Answer as this worker"), validators=[DataRequired(), Length(max=1600)])
