"""Forms of the call-centre screen."""
from flask_wtf import FlaskForm
from wtforms import DecimalField
from wtforms.validators import InputRequired, NumberRange

from core.i18n import lazy_gettext as _l


class LocateForm(FlaskForm):
    class Meta:
        csrf = False  # a read-only lookup submitted by GET

    lat = DecimalField(_l("Latitude"), places=6, validators=[InputRequired(), NumberRange(-90, 90)])
    lon = DecimalField(_l("Longitude"), places=6, validators=[InputRequired(), NumberRange(-180, 180)])
