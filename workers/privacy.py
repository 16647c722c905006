"""A worker's personal data: exported for him on request, erased on request (head office only).

Erasing anonymises name, phone, e-mail, photo, address, notes, status reasons, interview and
rating notes, blackout notes and the texts of his SMS (both ways, and those from his number
before he was known), and stops all SMS; it keeps every row that figures count (offers,
attendance, rating events, messages), still pointing to the anonymised worker. The audit log
never held those values (each model's __audit_hidden__), so it needs no scrubbing; the
download and the erasure themselves are recorded there: who, when, which worker.
"""
from sqlalchemy import or_, select, update

from core.i18n import lazy_gettext as _l
from core import audit
from core.timeutil import utcnow
from dispatch.models import Message
from extensions import db
from ratings.service import history as rating_history
from workers import service, skills
from workers.availability import DAYS, format_ranges
from workers.models import Worker
from workers.photos import delete_photo

ERASED_TEXT = "—"  # what an erased message body reads (the column holds text, never nothing)


def export_personal_data(worker: Worker) -> dict:
    """Return everything held about the worker as plain JSON-able values, and audit the export; commit."""
    data = {
        "worker": {
            "id": worker.id, "first_name": worker.first_name, "last_name": worker.last_name,
            "phone": worker.phone, "email": worker.email, "language": worker.language,
            "address": worker.address, "lat": worker.lat, "lon": worker.lon, "region": worker.region.name,
            "status": worker.status, "status_reason": worker.status_reason, "skills": skills.codes_for(worker.skill_mask),
            "max_travel_km": str(worker.max_travel_km), "availability": {d: format_ranges(getattr(worker, f"avail_{d}")) for d in DAYS},
            "rating": str(worker.rating), "reliability": str(worker.reliability), "shifts_worked": worker.shifts_worked,
            "opted_out_of_sms": worker.opted_out, "has_photo": bool(worker.photo_path), "notes": worker.notes,
            "registered_at": worker.created_at.isoformat(),
        },
        "interviews": [{"held_at": i.held_at.isoformat(), "outcome": i.outcome, "notes": i.notes}
                       for i in service.interviews(worker)],
        "status_changes": [{"at": c.at.isoformat(), "from": c.from_status, "to": c.to_status, "reason": c.reason}
                           for c in service.status_history(worker)],
        "blackout_days": [{"day": b.day.isoformat(), "note": b.note} for b in service.blackouts(worker)],
        "rating_events": [{"at": e.occurred_at.isoformat(), "kind": e.kind, "quality": e.quality, "note": e.note,
                           **({"shifts_before": e.opening_shifts, "no_shows_before": e.opening_no_shows,
                               "rating_before": str(e.opening_rating)} if e.kind == "opening" else {}),
                           "rating_after": str(e.rating_after), "reliability_after": str(e.reliability_after)}
                          for e in rating_history(worker)],
        "messages": [{"at": m.created_at.isoformat(), "direction": m.direction, "phone": m.phone, "body": m.body,
                      "answer": m.answer} for m in db.session.scalars(_messages_of(worker).order_by(Message.id))],
    }
    audit.record("export", "worker", worker.id, note="personal data exported on the worker's request")
    db.session.commit()
    return data


def _messages_of(worker: Worker):
    """Select the worker's SMS, and those from his number before it was known to be his."""
    return select(Message).where(or_(Message.worker_id == worker.id, Message.phone == worker.phone))


def erase_personal_data(worker: Worker) -> None:
    """Anonymise the worker (history kept), stop every message to him, and commit."""
    if worker.anonymized_at is not None:
        raise service.WorkerError(_l("This worker's personal data is already erased."))
    messages = [m.id for m in db.session.scalars(_messages_of(worker))]
    delete_photo(worker)
    worker.first_name, worker.last_name = "—", f"#{worker.id}"
    worker.phone = f"erased-{worker.id}"  # unique, and no number: nothing can be sent there
    worker.email = worker.address = worker.notes = worker.status_reason = worker.lat = worker.lon = None
    service.set_opt_out(worker, True)
    worker.anonymized_at = utcnow()
    for interview in service.interviews(worker):
        interview.notes = None
    for change in service.status_history(worker):
        change.reason = None
    for blackout in service.blackouts(worker):
        blackout.note = None
    for event in rating_history(worker):
        event.note = None
    if messages:  # kept, and counted
        db.session.execute(update(Message).where(Message.id.in_(messages)).values(
            phone=worker.phone, body=ERASED_TEXT, answer=None))
    audit.record("erase", "worker", worker.id, note="personal data erased on the worker's request")
    db.session.commit()
