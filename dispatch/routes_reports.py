"""Reports for dispatchers: overbooking calibration per region, and the SMS templates' segment counts."""
from flask import render_template, request

from core.auth import role_required
from dispatch import bp, calibration, texts

DAY_CHOICES = (30, 90, 365)


@bp.route("/calibration")
@role_required("dispatcher", "partner")
def calibration_report():
    days = request.args.get("days", type=int)
    days = days if days in DAY_CHOICES else 90
    return render_template("dispatch/calibration.html", days=days, day_choices=DAY_CHOICES,
                           regions=calibration.calibrate(calibration.band_totals(days)),
                           orders=calibration.recent_orders(days))


@bp.route("/templates")
@role_required("dispatcher", "partner")
def sms_templates():
    rows = {language: [(name, text, len(text), set(text) <= texts.GSM7, texts.segments(text))
                       for name, text in texts.samples(language)] for language in ("ru", "en")}
    return render_template("dispatch/templates.html", rows=rows, max_segments=texts.MAX_SEGMENTS)
