"""Head office's playbook forms: a new document, a new version of its file, withdrawing it."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from core.i18n import TIER_LABELS
from core.i18n import lazy_gettext as _l
from playbook.models import DOCUMENT_TIERS

FILE_LABEL = _l("File: PDF, plain text or Markdown, JPEG, PNG or WebP")


class DocumentForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    min_tier = SelectField(_l("Packages that get it, from"), choices=[(t, TIER_LABELS[t]) for t in DOCUMENT_TIERS])
    file = FileField(FILE_LABEL)


class VersionForm(FlaskForm):
    file = FileField(FILE_LABEL)


class WithdrawForm(FlaskForm):
    """Only its CSRF token."""
