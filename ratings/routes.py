"""Recording an attendance event by hand from the worker's card."""
from datetime import datetime, time, timezone

from flask import abort, flash, redirect, url_for
from flask_login import current_user

from core.auth import requires
from core.i18n import gettext as _
from ratings import bp, service
from workers.forms import RatingEventForm
from workers.service import get_worker


@bp.post("/workers/<int:worker_id>/events")
@requires("ratings.record")
def record_event(worker_id):
    worker = get_worker(worker_id) or abort(404)
    form = RatingEventForm()
    if not form.validate_on_submit():
        abort(400, "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in form.errors.items()))
    occurred = datetime.combine(form.day.data, time(12), tzinfo=timezone.utc)
    try:
        service.record_event(worker.id, form.kind.data, occurred, quality=form.quality.data, minutes=form.minutes.data,
                             notice_hours=form.notice_hours.data, note=form.note.data, by=current_user)
    except service.RatingError as exc:
        abort(400, str(exc))
    flash(_("Recorded; the rating is updated."), "info")
    return redirect(url_for("workers.detail", worker_id=worker.id))
