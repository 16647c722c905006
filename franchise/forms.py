"""Head office's franchise form: brand and legal name, package, region, contract, royalty, fee, SMS sender,
duty phone."""
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core.i18n import FRANCHISE_STATUS_LABELS, TIER_LABELS
from core.i18n import lazy_gettext as _l
from franchise.models import FRANCHISE_STATUSES, TIERS


class FranchiseForm(FlaskForm):
    name = StringField(_l("Brand name"), validators=[DataRequired(), Length(max=160)])
    legal_name = StringField(_l("Legal name (on the contract)"), validators=[Optional(), Length(max=200)])
    tier = SelectField(_l("Package"), choices=[(t, TIER_LABELS[t]) for t in TIERS])
    region_id = SelectField(_l("Region"), coerce=int)
    status = SelectField(_l("Status"), choices=[(s, FRANCHISE_STATUS_LABELS[s]) for s in FRANCHISE_STATUSES])
    royalty_percent = DecimalField(_l("Royalty, per cent of turnover"), places=2, default=15,
                                   validators=[InputRequired(), NumberRange(0, 50)])
    monthly_fee = DecimalField(_l("Fixed monthly fee"), places=2, default=0,
                               validators=[InputRequired(), NumberRange(0, 10**9)])
    contract_start = DateField(_l("Contract from"), validators=[Optional()])
    contract_end = DateField(_l("Contract until"), validators=[Optional()])
    duty_phone = StringField(_l("Duty phone for leads (told by SMS of each lead routed here)"),
                             validators=[Optional(), Length(max=32)])
    sms_sender = StringField(_l("Own SMS sender (number or Messaging Service SID; empty: the network's)"),
                             validators=[Optional(), Length(max=34)])


class RegionPairForm(FlaskForm):
    """Two regions head office lets borrow each other's workers."""

    region_id = SelectField(_l("Region"), coerce=int)
    neighbour_id = SelectField(_l("Neighbouring region"), coerce=int)


class ShiftWorkersForm(FlaskForm):
    """The partner's search among the workers of his shifts."""

    class Meta:
        csrf = False  # a search submitted by GET

    q = StringField(_l("Name or phone"), validators=[Optional(), Length(max=100)])
    page = IntegerField(default=1, validators=[Optional(), NumberRange(1, 100000)])
