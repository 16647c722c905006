"""The worker pool: find, list and register workers."""
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from core.i18n import lazy_gettext as _l
from core.phones import try_normalize_phone
from extensions import db
from franchise.models import Region
from workers import skills
from workers.models import Worker

PAGE_SIZE = 50


class WorkerError(ValueError):
    """A worker could not be saved; .field names the input at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def search_workers(q: str = "", status: str | None = None, page: int = 1) -> tuple[list[Worker], int]:
    """Return one page of workers matching a name or a phone typed any way, and the total."""
    stmt = select(Worker)
    q = (q or "").strip()
    if q:
        phone = try_normalize_phone(q)
        pattern = f"%{q.lower()}%"
        name_match = or_(func.lower(Worker.first_name).like(pattern), func.lower(Worker.last_name).like(pattern))
        stmt = stmt.where(or_(Worker.phone == phone, name_match) if phone else name_match)
    if status:
        stmt = stmt.where(Worker.status == status)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(stmt.order_by(Worker.last_name, Worker.id).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))
    return list(rows), total


def find_by_phone(raw: str) -> Worker | None:
    """Return the worker with this phone however it was typed, or None."""
    phone = try_normalize_phone(raw)
    return db.session.scalar(select(Worker).where(Worker.phone == phone)) if phone else None


def get_worker(worker_id: int) -> Worker | None:
    return db.session.get(Worker, worker_id)


def register_worker(data: dict) -> Worker:
    """Add an applicant to the pool of a region the caller can see, and commit."""
    if db.session.get(Region, data["region_id"]) is None:
        raise WorkerError(_l("No such region."), "region_id")
    existing = db.session.scalar(
        select(Worker.id).where(Worker.phone == data["phone"]).execution_options(include_deleted=True)
    )
    if existing is not None:
        raise WorkerError(_l("A worker with this phone is already in the pool."), "phone")
    data = dict(data)
    try:
        data["skill_mask"] = skills.mask_for(data.pop("skills", ()))
    except skills.SkillError as exc:
        raise WorkerError(str(exc), "skills") from exc
    worker = Worker(status="applicant", **data)
    db.session.add(worker)
    try:
        db.session.commit()
    except IntegrityError as exc:  # the same phone in a region the caller cannot see
        db.session.rollback()
        raise WorkerError(_l("A worker with this phone is already in the pool."), "phone") from exc
    return worker
