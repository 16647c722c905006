"""The day on site: the foreman marks each booked worker, and closing the shift feeds ratings.

Rating events of a shift come only from here: a foreman cannot record them any other way.
"""
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from core import locks
from core.i18n import lazy_gettext as _l
from dispatch import service as dispatch
from extensions import db
from orders import service as order_service
from orders.models import ATTENDANCE_OUTCOMES, Attendance, Order
from ratings import service as ratings_service
from workers.models import Worker

CLOSABLE = ("dispatching", "filled", "in_progress")


class AttendanceError(ValueError):
    """Attendance cannot be saved or the shift closed; the message says why."""


class NotYourShift(PermissionError):
    """The user may not mark this shift (a foreman of another franchise, or not the foreman it names)."""


def may_mark(order: Order, user) -> bool:
    """Say whether user may mark the order's attendance.

    A foreman marks only shifts of his own franchise, and where the order names a foreman,
    only that one. Dispatchers and partners are held to their franchise by tenancy, and who
    reaches this sheet at all is core.roles' "orders.attendance".
    """
    if user.role != "foreman":
        return True
    return user.franchise_id == order.franchise_id and order.foreman_id in (None, user.id)


def shifts_to_mark(user) -> list[Order]:
    """Return the shifts of the coming days whose attendance user may mark, soonest first."""
    return [order for order in order_service.shifts_for_foreman() if may_mark(order, user)]


def _check_marker(order: Order, by) -> None:
    if by is not None and not may_mark(order, by):
        raise NotYourShift(f"user {by.id} may not mark order {order.id}")


def sheet(order: Order) -> list[tuple[Worker, Attendance | None]]:
    """Return every booked worker of the order with what was marked for him so far."""
    marks = {a.worker_id: a for a in db.session.scalars(select(Attendance).where(Attendance.order_id == order.id))}
    workers = dispatch.booked_workers(order)
    return [(w, marks.get(w.id)) for w in workers]


def mark(order: Order, entries: list[dict], by) -> None:
    """Save the foreman's marks (outcome, minutes_late, hours, quality per worker) and commit.

    Raises NotYourShift when by may not mark this order (see may_mark), AttendanceError for a bad mark.
    """
    _check_marker(order, by)
    if order.status not in CLOSABLE:
        raise AttendanceError(_l("This shift is closed."))
    booked = [w.id for w, _mark in sheet(order)]
    for entry in entries:  # check everything before changing anything
        if entry["worker_id"] not in booked:
            raise AttendanceError(_l("This worker is not booked on the shift."))
        if entry["outcome"] not in ATTENDANCE_OUTCOMES:
            raise AttendanceError(_l("Mark came, late, left early or no-show."))
        if entry["outcome"] == "late" and not entry.get("minutes_late"):
            raise AttendanceError(_l("Say how many minutes late."))
        if entry.get("quality") is not None and not 1 <= entry["quality"] <= 5:
            raise AttendanceError(_l("Quality is a score from 1 to 5."))
    marks = {a.worker_id: a for a in db.session.scalars(select(Attendance).where(Attendance.order_id == order.id))}
    came = 0
    for entry in sorted(entries, key=lambda e: booked.index(e["worker_id"])):
        attendance = marks.get(entry["worker_id"]) or Attendance(order_id=order.id, worker_id=entry["worker_id"],
                                                                 franchise_id=order.franchise_id)
        attendance.outcome, attendance.quality = entry["outcome"], entry.get("quality")
        attendance.minutes_late = entry.get("minutes_late") if entry["outcome"] == "late" else None
        attendance.hours = entry.get("hours")
        attendance.recorded_by_id = getattr(by, "id", None)
        if entry["outcome"] != "no_show":
            came += 1
        attendance.surplus = entry["outcome"] != "no_show" and came > order.workers_needed
        db.session.add(attendance)
    if order.status != "in_progress":
        order.status = "in_progress"
    db.session.commit()


def close_shift(order: Order, by) -> None:
    """Close the shift: every booked worker must be marked; each mark becomes a rating event.

    One transaction: the booked workers locked, then the order (the lock order replies use
    too), all events applied, the order completed, then commit. Raises NotYourShift when by
    may not mark this order.
    """
    workers = locks.lock_all(Worker, [w.id for w, _mark in sheet(order)])
    order = locks.lock(Order, order.id)
    _check_marker(order, by)
    if order.status not in CLOSABLE:
        raise AttendanceError(_l("This shift is closed."))
    rows = sheet(order)
    if {w.id for w, _mark in rows} - {w.id for w in workers}:  # someone was booked while we took the locks
        raise AttendanceError(_l("The crew changed a moment ago: reload the sheet and check it."))
    if not rows or any(m is None for _w, m in rows):
        raise AttendanceError(_l("Mark every booked worker before closing the shift."))
    for worker, attendance in rows:
        minutes = attendance.minutes_late if attendance.outcome == "late" else None
        ratings_service.apply_event(worker.id, attendance.outcome, order.starts_at, quality=attendance.quality,
                                    minutes=minutes, order_id=order.id, by=by)
    order.status = "completed"
    db.session.commit()


def default_hours(order: Order) -> Decimal:
    return Decimal((order.ends_at - order.starts_at) / timedelta(hours=1)).quantize(Decimal("0.25"))
