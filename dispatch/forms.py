"""Forms of the dispatcher's console."""
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from core.i18n import lazy_gettext as _l
from dispatch.console import REPLY_MAX


class InboxForm(FlaskForm):
    """Handle one inbox message, texting an answer back if one is written."""

    answer = TextAreaField(_l("Answer by SMS (optional)"), validators=[Optional(), Length(max=REPLY_MAX)])
