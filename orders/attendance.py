"""The day on site: the foreman marks each booked worker, and closing the shift feeds ratings.

Rating events of a shift come only from here: a foreman cannot record them any other way.
Marks are taken from ATTENDANCE_OPENS_MINUTES before the start, and the shift closes only once
it has begun: the sheet never moves an order along by itself (the sweep starts it on time).
"""
from datetime import datetime, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select

from core import locks
from core.i18n import gettext as _
from core.i18n import lazy_gettext as _l
from core.money import round_money
from core.templating import local_time
from core.timeutil import utcnow
from dispatch import service as dispatch
from extensions import db
from franchise import borrowing
from orders import service as order_service
from orders.models import ATTENDANCE_OUTCOMES, Attendance, Order
from orders.tally import WORKED
from ratings import service as ratings_service
from workers.models import Worker

CLOSABLE = ("dispatching", "filled", "in_progress")
CLOSED = ("completed", "invoiced")
# Any number of hours or minutes beyond a day is a typo, not a shift.
MAX_HOURS = Decimal(24)
MAX_MINUTES_LATE = 24 * 60


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


def opens_at(order: Order) -> datetime:
    """Return when the order's sheet starts taking marks."""
    return order.starts_at - timedelta(minutes=current_app.config["ATTENDANCE_OPENS_MINUTES"])


def marks_open(order: Order, now: datetime | None = None) -> bool:
    """Say whether the sheet takes marks now."""
    return (now or utcnow()) >= opens_at(order)


def has_started(order: Order, now: datetime | None = None) -> bool:
    """Say whether the shift has begun, so that it may be closed."""
    return (now or utcnow()) >= order.starts_at


def _check_time(order: Order, closing: bool) -> None:
    zone = order.region.timezone
    if not marks_open(order):
        raise AttendanceError(_("Marks open %(minutes)s minutes before the start, at %(time)s.",
                                minutes=current_app.config["ATTENDANCE_OPENS_MINUTES"],
                                time=local_time(opens_at(order), zone, "short")))
    if closing and not has_started(order):
        raise AttendanceError(_("The shift can be closed once it has started, at %(time)s.",
                                time=local_time(order.starts_at, zone, "short")))


def _check_entry(entry: dict, booked: list[int]) -> None:
    if entry["worker_id"] not in booked:
        raise AttendanceError(_l("This worker is not booked on the shift."))
    if entry["outcome"] not in ATTENDANCE_OUTCOMES:
        raise AttendanceError(_l("Mark came, late, left early or no-show."))
    minutes = entry.get("minutes_late")
    if entry["outcome"] == "late" and not minutes:
        raise AttendanceError(_l("Say how many minutes late."))
    if minutes is not None and not 0 <= minutes <= MAX_MINUTES_LATE:
        raise AttendanceError(_l("Minutes late are from 0 to 1440."))
    if entry.get("quality") is not None and not 1 <= entry["quality"] <= 5:
        raise AttendanceError(_l("Quality is a score from 1 to 5."))
    hours = entry.get("hours")
    if hours is not None and not (hours.is_finite() and 0 <= hours <= MAX_HOURS):
        raise AttendanceError(_l("Hours are from 0 to 24."))


def sheet(order: Order) -> list[tuple[Worker, Attendance | None]]:
    """Return every booked worker of the order with what was marked for him so far, then the walk-ins
    (workers who came without a booking, added by the foreman)."""
    marks = {a.worker_id: a for a in db.session.scalars(select(Attendance).where(Attendance.order_id == order.id))}
    workers = dispatch.booked_workers(order)
    booked = {w.id for w in workers}
    walk_ins = sorted((wid for wid in marks if wid not in booked), key=lambda wid: marks[wid].id)
    return [(w, marks.get(w.id)) for w in workers] + [(db.session.get(Worker, wid), marks[wid]) for wid in walk_ins]


def add_walk_in(order: Order, worker: Worker | None, by) -> None:
    """Put a worker who came without a booking on the sheet, marked came for the shift's hours; commit.

    Raises NotYourShift or AttendanceError (sheet not open or closed, not an active worker of the
    order's region, on the sheet already, or holding another shift at that time): nothing is saved.
    """
    order = locks.lock(Order, order.id)
    _check_marker(order, by)
    if order.status not in CLOSABLE:
        raise AttendanceError(_l("This shift is closed."))
    _check_time(order, closing=False)
    if worker is None or worker.status != "active" or not borrowing.may_work_in(worker.region_id, order.region_id):
        raise AttendanceError(_l("Only an active worker of the order's region, or of a region it may borrow from, "
                                 "can be added."))
    rows = sheet(order)
    if worker.id in {w.id for w, _mark in rows}:
        raise AttendanceError(_l("This worker is on the sheet already."))
    if dispatch.clashes(worker, order):
        raise AttendanceError(_l("This worker holds another shift at that time."))
    came = sum(1 for _w, m in rows if m is not None and m.outcome != "no_show")
    db.session.add(Attendance(order_id=order.id, worker_id=worker.id, franchise_id=order.franchise_id, outcome="came",
                              hours=default_hours(order), recorded_by_id=getattr(by, "id", None),
                              surplus=came >= order.workers_needed,
                              lent_from_region_id=borrowing.lent_from(worker.region_id, order.region_id)))
    db.session.commit()


def mark(order: Order, entries: list[dict], by, closing: bool = False) -> None:
    """Save the foreman's marks (outcome, minutes_late, hours, quality per worker) and commit.

    The order's status is left as it is. Raises NotYourShift when by may not mark this order
    (see may_mark), AttendanceError for a bad mark, a closed shift, a sheet not open yet, or,
    when closing follows, a shift not started yet: then nothing is saved.
    """
    order = locks.lock(Order, order.id)  # a closing in flight finishes first; we then see it closed
    _check_marker(order, by)
    if order.status not in CLOSABLE:
        raise AttendanceError(_l("This shift is closed."))
    _check_time(order, closing)
    crew = {w.id: w for w, _mark in sheet(order)}
    booked = list(crew)
    for entry in entries:  # check everything before changing anything
        _check_entry(entry, booked)
    marks = {a.worker_id: a for a in db.session.scalars(select(Attendance).where(Attendance.order_id == order.id))}
    came = 0
    for entry in sorted(entries, key=lambda e: booked.index(e["worker_id"])):
        attendance = marks.get(entry["worker_id"]) or Attendance(
            order_id=order.id, worker_id=entry["worker_id"], franchise_id=order.franchise_id,
            lent_from_region_id=borrowing.lent_from(crew[entry["worker_id"]].region_id, order.region_id))
        attendance.outcome, attendance.quality = entry["outcome"], entry.get("quality")
        attendance.minutes_late = entry.get("minutes_late") if entry["outcome"] == "late" else None
        attendance.hours = entry.get("hours") if entry["outcome"] != "no_show" else None  # nobody to pay
        attendance.recorded_by_id = getattr(by, "id", None)
        if entry["outcome"] != "no_show":
            came += 1
        attendance.surplus = entry["outcome"] != "no_show" and came > order.workers_needed
        db.session.add(attendance)
    db.session.commit()


def close_shift(order: Order, by) -> None:
    """Close the shift: every booked worker must be marked; each mark becomes a rating event.

    One transaction: the booked workers locked, then the order (the lock order replies use
    too), all events applied, the order completed, then commit. Raises NotYourShift when by
    may not mark this order, AttendanceError before the start or with someone unmarked.
    """
    workers = locks.lock_all(Worker, [w.id for w, _mark in sheet(order)])
    order = locks.lock(Order, order.id)
    _check_marker(order, by)
    if order.status not in CLOSABLE:
        raise AttendanceError(_l("This shift is closed."))
    _check_time(order, closing=True)
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


def outcomes(order: Order) -> dict[int, Attendance]:
    """Return the marks of a closed shift by worker id (none while it is open: bookings still count)."""
    if order.status not in CLOSED:
        return {}
    return {a.worker_id: a for a in db.session.scalars(select(Attendance).where(Attendance.order_id == order.id))}


def outcome_counts(orders: list[Order]) -> dict[int, list[tuple[str, int]]]:
    """Return, for each of the orders that has marks, how many workers had each outcome, in sheet order."""
    counts: dict[int, dict[str, int]] = {}
    if not orders:
        return {}
    rows = db.session.execute(select(Attendance.order_id, Attendance.outcome, func.count())
                              .where(Attendance.order_id.in_([o.id for o in orders]))
                              .group_by(Attendance.order_id, Attendance.outcome))
    for order_id, outcome, n in rows:
        counts.setdefault(order_id, {})[outcome] = n
    return {order_id: [(o, by[o]) for o in ATTENDANCE_OUTCOMES if o in by] for order_id, by in counts.items()}




def money(order: Order) -> dict | None:
    """Return what the shift is worth by its marks, or None before anyone is marked.

    billed: hours worked x the order's frozen bill rate; paid out: hours worked x its pay rate,
    plus show-up pay (SHOW_UP_PAY_HOURS at the pay rate) for each surplus worker who came and was
    sent home unworked; margin: billed - paid out. Each figure is rounded once (core.money).
    """
    marks = list(db.session.scalars(select(Attendance).where(Attendance.order_id == order.id)))
    if not marks:
        return None
    worked = [m for m in marks if m.outcome in WORKED]
    hours = sum((m.hours or Decimal(0) for m in worked), Decimal(0))
    sent_home = sum(1 for m in worked if m.surplus and not m.hours)
    show_up = current_app.config["SHOW_UP_PAY_HOURS"] * sent_home
    billed = round_money(hours * order.bill_rate)
    paid_out = round_money(hours * order.pay_rate) + round_money(show_up * order.pay_rate)
    return {"hours": hours, "sent_home": sent_home, "billed": billed, "paid_out": paid_out,
            "margin": billed - paid_out, "final": order.status in ("completed", "invoiced")}


def default_hours(order: Order) -> Decimal:
    """Return the shift's length in hours, to the quarter: what the sheet offers before anyone is marked."""
    return Decimal((order.ends_at - order.starts_at) / timedelta(hours=1)).quantize(Decimal("0.25"))
