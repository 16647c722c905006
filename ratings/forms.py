"""The form for recording by hand what the attendance sheet cannot give."""
from flask_wtf import FlaskForm
from wtforms import DecimalField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from core.i18n import EVENT_LABELS
from core.i18n import gettext as _
from core.i18n import lazy_gettext as _l
from core.timeutil import to_zone
from ratings.service import MANUAL_KINDS, shifts_held


class RatingEventForm(FlaskForm):
    order_id = SelectField(_l("Shift"), coerce=int, validators=[InputRequired()])
    kind = SelectField(_l("What happened"), choices=[(k, EVENT_LABELS[k]) for k in MANUAL_KINDS])
    notice_hours = DecimalField(_l("Hours of notice"), places=1, validators=[Optional(), NumberRange(0, 10000)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])

    def __init__(self, worker, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_id.choices = [
            (o.id, f"{_('Order %(code)s', code=o.code)} · {to_zone(o.starts_at, o.region.timezone).date().isoformat()}")
            for o in shifts_held(worker)
        ]
