"""The worker pool: find, register and change workers, and move them through the status workflow."""
from datetime import date

from blinker import Namespace

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.geo import bounding_box, haversine_sql
from core.geocoding import GeocodeError, geocode
from core.i18n import lazy_gettext as _l
from core.phones import try_normalize_phone
from core.search import matches, one_page
from core.timeutil import utcnow
from extensions import db
from franchise.models import Region
from workers import skills
from workers.availability import DAYS
from workers.models import TRANSITIONS, Interview, StatusChange, Worker, WorkerBlackout

PAGE_SIZE = 50
_events = Namespace()
# Sent with the worker (in the mover's transaction) when he is suspended or banned: dispatch
# withdraws his open offers and alerts the dispatchers of shifts he still holds.
left_active_pool = _events.signal("left-active-pool")
EDITABLE = ("first_name", "last_name", "phone", "email", "region_id", "language", "address", "lat", "lon",
            "max_travel_km", "notes", *(f"avail_{d}" for d in DAYS))


class WorkerError(ValueError):
    """A worker could not be saved; .field names the input at fault."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field


def search_workers(q: str = "", status: str | None = None, page: int = 1, *, skill: str | None = None,
                   region_id: int | None = None, min_rating=None, near: tuple[float, float] | None = None,
                   within_km: float | None = None) -> tuple[list[tuple[Worker, float | None]], int]:
    """Return one page of (worker, distance km or None) matching the filters, and the total.

    ``q`` matches names in any case (ё as е), word by word, or any run of a phone's digits
    typed any way (core.search). With ``near`` and ``within_km`` only workers that close are
    kept, nearest first.
    """
    stmt = select(Worker).where(matches(Worker.search, q))
    if status:
        stmt = stmt.where(Worker.status == status)
    if skill:
        mask = skills.mask_for([skill])
        stmt = stmt.where(Worker.skill_mask.op("&")(mask) >= mask)
    if region_id:
        stmt = stmt.where(Worker.region_id == region_id)
    if min_rating is not None:
        stmt = stmt.where(Worker.rating >= min_rating)
    distance = None
    if near is not None and within_km:
        min_lat, max_lat, min_lon, max_lon = bounding_box(near[0], near[1], within_km)
        distance = haversine_sql(Worker.lat, Worker.lon, *near)
        stmt = stmt.where(Worker.lat.between(min_lat, max_lat), Worker.lon.between(min_lon, max_lon),
                          distance <= within_km)
    order = (distance, Worker.id) if distance is not None else (Worker.last_name, Worker.first_name, Worker.id)
    return one_page(Worker, stmt, order, page, PAGE_SIZE, extra=distance)


def find_by_phone(raw: str) -> Worker | None:
    """Return the worker with this phone however it was typed, or None."""
    phone = try_normalize_phone(raw)
    return db.session.scalar(select(Worker).where(Worker.phone == phone)) if phone else None


def get_worker(worker_id: int) -> Worker | None:
    return db.session.get(Worker, worker_id)


def _place(data: dict, previous_address: str | None = None) -> None:
    """Fill lat/lon: typed coordinates win, else geocode a new address; raise WorkerError if it fails."""
    if data.get("lat") is not None and data.get("lon") is not None:
        return
    if data.get("lat") is not None or data.get("lon") is not None:
        raise WorkerError(_l("Give both latitude and longitude, or neither."), "lat")
    address = (data.get("address") or "").strip()
    if not address or address == (previous_address or ""):
        data.pop("lat", None), data.pop("lon", None)
        return
    try:
        place = geocode(address)
    except GeocodeError as exc:
        raise WorkerError(str(exc), "address") from exc
    data["lat"], data["lon"] = place.lat, place.lon


def _prepare(data: dict, previous_address: str | None = None) -> dict:
    data = dict(data)
    if "region_id" in data and db.session.get(Region, data["region_id"]) is None:
        raise WorkerError(_l("No such region."), "region_id")
    if "skills" in data:
        try:
            data["skill_mask"] = skills.mask_for(data.pop("skills"))
        except skills.SkillError as exc:
            raise WorkerError(str(exc), "skills") from exc
    _place(data, previous_address)
    return data


def _commit_unique_phone() -> None:
    try:
        db.session.commit()
    except IntegrityError as exc:  # the same phone in a region the caller cannot see
        db.session.rollback()
        raise WorkerError(_l("A worker with this phone is already in the pool."), "phone") from exc


def _phone_taken(phone: str, worker_id: int | None = None) -> bool:
    stmt = select(Worker.id).where(Worker.phone == phone).execution_options(include_deleted=True)
    if worker_id is not None:
        stmt = stmt.where(Worker.id != worker_id)
    return db.session.scalar(stmt) is not None


def register_worker(data: dict) -> Worker:
    """Add an applicant to the pool of a region the caller can see, and commit."""
    data = _prepare(data)
    if _phone_taken(data["phone"]):
        raise WorkerError(_l("A worker with this phone is already in the pool."), "phone")
    worker = Worker(status="applicant", **data)
    db.session.add(worker)
    _commit_unique_phone()
    return worker


def update_worker(worker: Worker, data: dict) -> Worker:
    """Change the worker's card (status and opt-out excepted) and commit."""
    data = _prepare(data, previous_address=worker.address)
    if "phone" in data and _phone_taken(data["phone"], worker.id):
        raise WorkerError(_l("A worker with this phone is already in the pool."), "phone")
    for key, value in data.items():
        if key in EDITABLE or key == "skill_mask":
            setattr(worker, key, value)
    _commit_unique_phone()
    return worker


def record_interview(worker: Worker, recruiter, outcome: str, notes: str | None = None) -> Interview:
    """Record a recruiter's interview; an approved applicant becomes active. Commits."""
    if outcome not in ("approved", "rejected"):
        raise WorkerError(_l("The outcome is approved or rejected."), "outcome")
    interview = Interview(worker_id=worker.id, recruiter_id=recruiter.id, outcome=outcome, notes=notes or None)
    db.session.add(interview)
    if outcome == "approved" and worker.status == "applicant":
        set_status(worker, "active", _l("interview passed"), recruiter)
    db.session.commit()
    return interview


def change_status(worker: Worker, to_status: str, reason: str | None, by) -> None:
    """Move the worker along the status workflow and commit.

    Activation needs an approved interview; suspending and banning need a reason.
    """
    reason = (reason or "").strip()
    if to_status not in TRANSITIONS.get(worker.status, ()):
        raise WorkerError(_l("A worker cannot go from this status to that one."), "status")
    if to_status in ("suspended", "banned") and not reason:
        raise WorkerError(_l("Give a reason."), "reason")
    if to_status == "active" and not _interviewed(worker):
        raise WorkerError(_l("A recruiter must interview the worker before the first job."), "status")
    set_status(worker, to_status, reason, by)
    db.session.commit()


def _interviewed(worker: Worker) -> bool:
    return db.session.scalar(
        select(Interview.id).where(Interview.worker_id == worker.id, Interview.outcome == "approved")
    ) is not None


def set_status(worker: Worker, to_status: str, reason, by=None) -> None:
    """Move the worker to to_status with its reason on record (the caller commits; no workflow check).

    The one place a status changes: people go through change_status, the product itself
    (repeated no-shows, a number the SMS provider refuses) calls this directly.
    """
    was_active = worker.status == "active"
    db.session.add(StatusChange(worker_id=worker.id, from_status=worker.status, to_status=to_status,
                                reason=str(reason)[:300] if reason else None, by_id=getattr(by, "id", None)))
    worker.status, worker.status_reason = to_status, (str(reason)[:300] if reason else None)
    if was_active and to_status != "active":
        left_active_pool.send(worker)


def status_history(worker: Worker) -> list[StatusChange]:
    return list(db.session.scalars(
        select(StatusChange).where(StatusChange.worker_id == worker.id).order_by(StatusChange.at.desc(), StatusChange.id.desc())))


def interviews(worker: Worker) -> list[Interview]:
    return list(db.session.scalars(
        select(Interview).where(Interview.worker_id == worker.id).order_by(Interview.held_at.desc())))


def blackouts(worker: Worker, from_day: date | None = None) -> list[WorkerBlackout]:
    stmt = select(WorkerBlackout).where(WorkerBlackout.worker_id == worker.id).order_by(WorkerBlackout.day)
    if from_day is not None:
        stmt = stmt.where(WorkerBlackout.day >= from_day)
    return list(db.session.scalars(stmt))


def add_blackout(worker: Worker, day: date, note: str | None = None) -> WorkerBlackout:
    """Mark a day the worker cannot work (idempotent) and commit."""
    existing = db.session.scalar(select(WorkerBlackout).where(WorkerBlackout.worker_id == worker.id,
                                                              WorkerBlackout.day == day))
    if existing is not None:
        return existing
    blackout = WorkerBlackout(worker_id=worker.id, day=day, note=(note or None) and note[:200])
    db.session.add(blackout)
    db.session.commit()
    return blackout


def remove_blackout(worker: Worker, blackout_id: int) -> bool:
    """Remove one of the worker's blackout days; False if there was none. Commits."""
    blackout = db.session.get(WorkerBlackout, blackout_id)
    if blackout is None or blackout.worker_id != worker.id:
        return False
    db.session.delete(blackout)
    db.session.commit()
    return True


def set_opt_out(worker: Worker, opted_out: bool) -> None:
    """Record that the worker takes no SMS any more, or takes them again (the caller commits).

    The one place opt-outs are written: his STOP or START, his carrier's unsubscribe, and
    the erasure of his data. An opt-out that is already recorded keeps its first time.
    """
    if opted_out and worker.opted_out:
        return
    worker.opted_out = opted_out
    worker.opted_out_at = utcnow() if opted_out else None
