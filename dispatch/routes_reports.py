"""Reports for dispatchers: overbooking calibration per region, and the SMS templates' segment counts."""
from typing import NamedTuple

from flask import render_template, request

from core.auth import requires
from dispatch import bp, calibration, texts

DAY_CHOICES = (30, 90, 365)
LANGUAGES = ("ru", "en")


class TemplateRow(NamedTuple):
    name: str
    text: str
    characters: int
    encoding: str
    segments: int


@bp.route("/calibration")
@requires("dispatch.reports")
def calibration_report():
    days = request.args.get("days", type=int)
    days = days if days in DAY_CHOICES else 90
    return render_template("dispatch/calibration.html", days=days, day_choices=DAY_CHOICES,
                           regions=calibration.calibrate(calibration.placements(days)),
                           orders=calibration.recent_orders(days))


@bp.route("/templates")
@requires("dispatch.reports")
def sms_templates():
    rows = {language: [_measure(name, text) for name, text in texts.samples(language)] for language in LANGUAGES}
    return render_template("dispatch/templates.html", rows=rows, max_segments=texts.MAX_SEGMENTS)


def _measure(name: str, text: str) -> TemplateRow:
    # the same test segments() applies: one character outside GSM-7 makes the whole text UCS-2
    encoding = "GSM-7" if set(text) <= texts.GSM7 else "UCS-2"
    return TemplateRow(name, text, len(text), encoding, texts.segments(text))
