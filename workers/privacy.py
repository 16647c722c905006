"""A worker's personal data: exported for him on request, erased on request.

Erasing anonymises name, phone, e-mail, photo, address and notes and stops all SMS,
but keeps the shift and rating history, which clients' and franchises' figures need.
The audit log never held those values (Worker.__audit_hidden__), so it needs no
scrubbing; the erasure itself is recorded there.
"""
from core.i18n import lazy_gettext as _l
from core import audit
from core.timeutil import utcnow
from extensions import db
from ratings.service import history as rating_history
from workers import service, skills
from workers.availability import DAYS, format_ranges
from workers.models import Worker
from workers.photos import delete_photo


def export_personal_data(worker: Worker) -> dict:
    """Return everything held about the worker, as plain JSON-able values."""
    return {
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
        "blackout_days": [b.day.isoformat() for b in service.blackouts(worker)],
        "rating_events": [{"at": e.occurred_at.isoformat(), "kind": e.kind, "quality": e.quality,
                           "rating_after": str(e.rating_after), "reliability_after": str(e.reliability_after)}
                          for e in rating_history(worker)],
    }


def erase_personal_data(worker: Worker) -> None:
    """Anonymise the worker (history kept), stop every message to him, and commit."""
    if worker.anonymized_at is not None:
        raise service.WorkerError(_l("This worker's personal data is already erased."))
    delete_photo(worker)
    worker.first_name, worker.last_name = "—", f"#{worker.id}"
    worker.phone = f"erased-{worker.id}"  # unique, and no number: nothing can be sent there
    worker.email = worker.address = worker.notes = worker.lat = worker.lon = None
    worker.opted_out, worker.opted_out_at = True, utcnow()
    worker.anonymized_at = utcnow()
    for interview in service.interviews(worker):
        interview.notes = None
    audit.record("erase", "worker", worker.id, note="personal data erased on the worker's request")
    db.session.commit()
