"""Recording by hand, from the worker's card, what the attendance sheet cannot give."""
from flask import abort, flash, redirect, url_for
from flask_login import current_user

from core.auth import requires
from core.i18n import gettext as _
from ratings import bp, service
from ratings.forms import RatingEventForm
from workers.service import get_worker


@bp.post("/workers/<int:worker_id>/events")
@requires("ratings.record")
def record_event(worker_id):
    worker = get_worker(worker_id) or abort(404)
    form = RatingEventForm(worker)
    if not form.validate_on_submit():
        abort(400, "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in form.errors.items()))
    try:
        service.record_shift_event(worker.id, form.order_id.data, form.kind.data, current_user,
                                   notice_hours=form.notice_hours.data, note=form.note.data)
    except service.RatingError as exc:
        abort(400, str(exc))
    flash(_("Recorded; the rating is updated."), "info")
    return redirect(url_for("workers.detail", worker_id=worker.id))
