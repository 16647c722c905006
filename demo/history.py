"""A living network's past: months of shifts in every franchise, and the ratings, statements and payments
they give.

Each franchise had shifts on most days: a crew was asked and booked (overbooked a little), the
foreman marked who came, late, left early or did not, and the shift was closed. The workers'
figures are what that history gives on top of their opening record (ratings.formulas, event by
event), so a worker's card agrees with his shifts. A few shifts for today and tomorrow already
hold their crews. Everything goes in through bulk Core inserts, as the pool does; the months that
have ended are then closed by royalty.service exactly as head office closes them, and most
statements are paid.
"""
import math
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import bindparam, insert, select, update

from clients.models import Client, Site
from core.money import round_money
from core.timeutil import utcnow
from dispatch.models import Offer
from extensions import db
from franchise import rollup
from franchise.models import Franchise, Region
from orders.models import Attendance, Order
from orders.tally import retally
from ratings import formulas
from ratings.models import RatingEvent
from royalty import arithmetic
from royalty import service as royalty
from royalty.models import RoyaltyPayment
from workers.models import Worker

# Pay and bill per hour by the site's conditions (the region's rate cards say the same).
RATES = {"indoor_warm": (Decimal("100.00"), Decimal("210.00")), "indoor_cold": (Decimal("115.00"), Decimal("235.00")),
         "outdoor": (Decimal("125.00"), Decimal("250.00")), "hazardous": (Decimal("150.00"), Decimal("300.00"))}
SHIFTS = ((time(8), 8), (time(9), 10), (time(8), 12), (time(20), 10))  # local start, hours
OVERBOOK = 1.25
CHUNK = 5000


@dataclass
class _Pool:
    """A region's active workers, and who is already on a shift each day (no one works two at once)."""

    workers: list[tuple[int, float]]  # (id, reliability)
    busy: dict = field(default_factory=dict)  # day -> set of worker ids

    def crew(self, rng, days, size) -> list[tuple[int, float]]:
        """Pick size workers free on each of the local days the shift touches (one past midnight: two)."""
        taken = [self.busy.setdefault(day, set()) for day in days]
        free = [w for w in rng.sample(self.workers, min(len(self.workers), size * 3))
                if not any(w[0] in busy for busy in taken)][:size]
        for busy in taken:
            busy.update(w[0] for w in free)
        return free


@dataclass
class Booking:
    """A shift a client asked for through the call centre (demo.callcentre): the order its lead converted into.

    status: completed (worked by a crew and marked, as the other past shifts), cancelled, or draft (still
    to be sent out). The history gives it its code and, once inserted, its order_id.
    """

    franchise_id: int
    region_id: int
    site_id: int
    client_id: int
    conditions: str
    work_type: str
    starts_at: datetime
    hours: int
    needed: int
    status: str
    created_at: datetime
    code: str = ""
    order_id: int | None = None


def first_day(now: datetime, months: int):
    """Return the day the history begins: the first of the month, months back."""
    return (now - timedelta(days=30 * months)).date().replace(day=1)


def build(rng, months: int, echo=print, now: datetime | None = None, bookings: list[Booking] = ()) -> dict:
    """Add months of past shifts (and today's and tomorrow's) to the network just generated; the caller commits.

    bookings: the orders leads converted into; their sites take no other shift (the client came through the
    call centre on the lead's day, not before).
    """
    now = now or utcnow()
    first = first_day(now, months)
    franchises = [f for f in db.session.scalars(select(Franchise).where(Franchise.tier != "head_office"))]
    pools = {region_id: _Pool([]) for region_id in {f.region_id for f in franchises}}
    for worker_id, region_id, reliability in db.session.execute(
            select(Worker.id, Worker.region_id, Worker.reliability)
            .where(Worker.status == "active", Worker.opted_out.is_(False)).order_by(Worker.id)):
        if region_id in pools:
            pools[region_id].workers.append((worker_id, float(reliability)))
    sites = _sites_by_franchise(exclude={b.site_id for b in bookings})
    zones = {r.id: r.timezone for r in db.session.scalars(select(Region))}
    quiet = timedelta(days=current_app.config["ORDER_CODE_QUIET_DAYS"])
    days = (now.date() - first).days
    codes = iter(rng.sample(range(100000, 1000000), min(900000, len(franchises) * (days + 2) + len(bookings) + 10)))
    worked = {}  # (franchise, local day) -> the bookings its crews work that day
    log = _Log()
    for booking in bookings:
        booking.code = str(next(codes))
        if booking.status == "completed":
            day = booking.starts_at.astimezone(ZoneInfo(zones[booking.region_id])).date()
            worked.setdefault((booking.franchise_id, day), []).append(booking)
        else:
            log.booked(booking, now, quiet)
    for franchise in franchises:
        pool, own_sites = pools[franchise.region_id], sites.get(franchise.id)
        if not pool.workers:
            continue
        zone = ZoneInfo(zones[franchise.region_id])
        for offset in range(days + 2):  # every day since first, then today and tomorrow
            day = first + timedelta(days=offset)
            for booking in worked.pop((franchise.id, day), ()):
                log.order(rng, franchise, booking.site_id, booking.client_id, booking.conditions, booking.code,
                          booking.starts_at, booking.hours, booking.needed,
                          pool.crew(rng, (day,), math.ceil(booking.needed * OVERBOOK)), False, now, quiet, booking)
            upcoming = day >= now.astimezone(zone).date()
            if not own_sites or rng.random() > (0.9 if upcoming else 0.55):
                continue
            start_time, hours = rng.choice(SHIFTS)
            starts_at = datetime.combine(day, start_time, zone).astimezone(timezone.utc)
            if upcoming and starts_at < now + timedelta(hours=2):
                starts_at = (now + timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
            site_id, client_id, conditions = rng.choice(own_sites)
            needed = rng.randint(2, 8)
            # a night shift, or today's moved to a later hour, ends the next day: its crew is not free then
            ends_on = (starts_at + timedelta(hours=hours, microseconds=-1)).astimezone(zone).date()
            log.order(rng, franchise, site_id, client_id, conditions, str(next(codes)), starts_at, hours, needed,
                      pool.crew(rng, sorted({day, ends_on}), math.ceil(needed * OVERBOOK)), upcoming, now, quiet)
        echo(f"  {franchise.name}: {log.orders} shifts so far")
    for booking in [b for left in worked.values() for b in left]:  # a franchise with no one to send: never worked
        booking.status = "cancelled"
        log.booked(booking, now, quiet)
    log.flush()
    _apply_ratings(log.events, log.order_of)
    return {"past_shifts": log.closed, "attendance_marks": log.marks, "upcoming_shifts": log.upcoming}


def _sites_by_franchise(exclude: set[int]) -> dict[int, list[tuple[int, int, str]]]:
    found: dict[int, list] = {}
    for site_id, client_id, franchise_id, conditions in db.session.execute(
            select(Site.id, Site.client_id, Site.franchise_id, Site.conditions).join(Client, Client.id == Site.client_id)):
        if site_id not in exclude:
            found.setdefault(franchise_id, []).append((site_id, client_id, conditions))
    return found


class _Log:
    """Rows waiting for their bulk insert, and every worker's shift events for his ratings."""

    def __init__(self):
        self.orders = self.closed = self.marks = self.upcoming = 0
        self.pending: list[tuple[dict, list[dict], list[dict]]] = []
        self.events: dict[int, list[formulas.Event]] = {}
        self.order_of: dict[tuple[int, datetime], int] = {}  # (worker, shift start) -> order: one shift a day each

    def order(self, rng, franchise, site_id, client_id, conditions, code, starts_at, hours, needed, crew, upcoming,
              now, quiet, booking: Booking | None = None):
        ends_at = starts_at + timedelta(hours=hours)
        order = self._row(franchise.id, franchise.region_id, site_id, client_id, conditions, code, starts_at, ends_at,
                          needed, "filled" if upcoming else "completed", upcoming or ends_at > now - quiet)
        if booking is not None:
            order.update(work_type=booking.work_type, created_at=booking.created_at, updated_at=booking.created_at)
        booked_at = starts_at - timedelta(days=1, hours=rng.randint(0, 20))
        offers = [dict(worker_id=wid, franchise_id=franchise.id, state="booked", starts_at=starts_at, ends_at=ends_at,
                       offered_at=booked_at - timedelta(minutes=rng.randint(1, 30)), answered_at=booked_at,
                       booked_at=booked_at, wave=1, reliability=Decimal(f"{rel:.3f}"),
                       created_at=booked_at, updated_at=booked_at) for wid, rel in crew]
        marks = [] if upcoming else self._marks(rng, franchise, crew, needed, starts_at, hours)
        self.pending.append((order, offers, marks, booking))
        self.orders += 1
        self.upcoming += upcoming
        self.closed += not upcoming
        self.marks += len(marks)
        if len(self.pending) >= CHUNK // 8:
            self.flush()

    @staticmethod
    def _row(franchise_id, region_id, site_id, client_id, conditions, code, starts_at, ends_at, needed, status,
             code_live) -> dict:
        pay, bill = RATES.get(conditions, RATES["indoor_warm"])
        return dict(franchise_id=franchise_id, region_id=region_id, client_id=client_id, site_id=site_id,
                    work_type="loading", workers_needed=needed, booking_target=math.ceil(needed * OVERBOOK),
                    starts_at=starts_at, ends_at=ends_at, pay_rate=pay, bill_rate=bill, status=status, code=code,
                    code_live=code_live, overbooking_factor=Decimal("1.25"),
                    created_at=starts_at - timedelta(days=2), updated_at=starts_at - timedelta(days=1))

    def booked(self, booking: Booking, now: datetime, quiet: timedelta) -> None:
        """Add a lead's order that no crew worked: a draft still to send out, or one the client cancelled."""
        ends_at = booking.starts_at + timedelta(hours=booking.hours)
        order = self._row(booking.franchise_id, booking.region_id, booking.site_id, booking.client_id, booking.conditions,
                          booking.code, booking.starts_at, ends_at, booking.needed, booking.status,
                          booking.status == "draft" or ends_at > now - quiet)
        order.update(work_type=booking.work_type, created_at=booking.created_at, updated_at=booking.created_at)
        self.pending.append((order, [], [], booking))

    def _marks(self, rng, franchise, crew, needed, starts_at, hours) -> list[dict]:
        marks, came = [], 0
        for wid, reliability in crew:
            outcome, minutes, worked = "no_show", None, None
            if rng.random() < reliability:
                roll = rng.random()
                outcome = "late" if roll < 0.08 else "left_early" if roll < 0.11 else "came"
                minutes = rng.randint(10, 45) if outcome == "late" else None
                worked = Decimal(hours) - (Decimal(minutes) / 60 if minutes else 0) - (2 if outcome == "left_early" else 0)
                worked = round_money(worked)
                came += 1
            quality = rng.choices((3, 4, 5), (1, 4, 6))[0] if worked is not None else None
            marks.append(dict(worker_id=wid, franchise_id=franchise.id, outcome=outcome, minutes_late=minutes,
                              hours=worked, quality=quality, surplus=worked is not None and came > needed,
                              created_at=starts_at + timedelta(hours=hours), updated_at=starts_at + timedelta(hours=hours)))
            self.events.setdefault(wid, []).append(formulas.Event(kind=outcome, at=starts_at, quality=quality,
                                                                  minutes=minutes))
        return marks

    def flush(self) -> None:
        if not self.pending:
            return
        ids = db.session.scalars(insert(Order).returning(Order.id, sort_by_parameter_order=True),
                                 [order for order, _offers, _marks, _booking in self.pending]).all()
        offers, marks = [], []
        for order_id, (_order, own_offers, own_marks, booking) in zip(ids, self.pending):
            if booking is not None:
                booking.order_id = order_id
            offers += [{**o, "order_id": order_id} for o in own_offers]
            marks += [{**m, "order_id": order_id} for m in own_marks]
            for m in own_marks:  # the rating event names the shift it came from
                self.order_of[(m["worker_id"], _order["starts_at"])] = order_id
        if offers:
            db.session.execute(insert(Offer), offers)
        if marks:
            db.session.execute(insert(Attendance), marks)  # past the session's flush: tallied here
            retally(db.session.connection(), ids, db.session, touch=False)
        self.pending = []


def _apply_ratings(events: dict[int, list[formulas.Event]], order_of: dict[tuple[int, datetime], int]) -> None:
    """Write each worker's shift events on top of his opening record, and the figures they give him."""
    if not events:
        return
    openings = {row.worker_id: row for row in db.session.scalars(
        select(RatingEvent).where(RatingEvent.kind == formulas.OPENING))}
    rows, figures = [], []
    for worker_id, own in events.items():
        own.sort(key=lambda e: e.at)
        opening = openings.get(worker_id)
        history = ([formulas.Event(kind=formulas.OPENING, at=opening.occurred_at, shifts=opening.opening_shifts,
                                   no_shows=opening.opening_no_shows, rating=opening.opening_rating)]
                   if opening else []) + own
        steps = formulas.explain(history)
        for step in steps[1 if opening else 0:]:
            e = step.event
            rows.append(dict(worker_id=worker_id, kind=e.kind, occurred_at=e.at, recorded_at=e.at, quality=e.quality,
                             minutes=e.minutes, order_id=order_of.get((worker_id, e.at)),
                             rating_before=step.before.rating, reliability_before=step.before.reliability,
                             rating_after=step.after.rating, reliability_after=step.after.reliability))
        last = steps[-1].after
        figures.append(dict(wid=worker_id, rating=last.rating, reliability=last.reliability, rating_penalty=last.penalty,
                            shifts_worked=last.shifts))
        if len(rows) >= CHUNK:
            db.session.execute(insert(RatingEvent), rows)
            rows = []
    if rows:
        db.session.execute(insert(RatingEvent), rows)
    stmt = update(Worker).where(Worker.id == bindparam("wid")).values(
        rating=bindparam("rating"), reliability=bindparam("reliability"), rating_penalty=bindparam("rating_penalty"),
        shifts_worked=bindparam("shifts_worked"))
    for i in range(0, len(figures), CHUNK):
        db.session.connection().execute(stmt, figures[i:i + CHUNK])


def close_and_pay(rng, echo=print, now: datetime | None = None) -> dict:
    """Close every month of the history that has ended, as head office does, and pay most statements."""
    now = now or utcnow()
    first = db.session.scalar(select(Order.starts_at).order_by(Order.starts_at).limit(1))
    if first is None:
        return {"statements": 0, "payments": 0}
    # the first shift's month (a day on: an early morning in the far east is the day before in UTC)
    period, last = (first + timedelta(days=1)).strftime("%Y-%m"), arithmetic.previous_period(now.strftime("%Y-%m"))
    issued = 0
    while period <= last:
        try:
            issued += royalty.close_month(period, now=now).issued
        except royalty.RoyaltyError as exc:  # the last month may not have ended in every zone yet
            echo(f"  {period} left open: {exc}")
            break
        period = _next_period(period)
    payments = []
    for statement in royalty.statements():
        if statement.total <= 0 or (statement.due_on > now.date() and rng.random() < 0.5) or rng.random() < 0.1:
            continue  # the newest half unpaid yet, and a few overdue
        payments.append(dict(statement_id=statement.id, franchise_id=statement.franchise_id, amount=statement.total,
                             paid_on=statement.due_on - timedelta(days=rng.randint(0, 10)),
                             reference=f"ПП {rng.randint(100, 9999)}", recorded_at=now))
    if payments:
        db.session.execute(insert(RoyaltyPayment), payments)
    db.session.commit()
    rollup.forget()  # the history's orders were written as they were, with past updated_at: count afresh
    return {"statements": issued, "payments": len(payments)}


def _next_period(period: str) -> str:
    year, month = arithmetic.parse_period(period)
    return f"{year + 1:04d}-01" if month == 12 else f"{year:04d}-{month + 1:02d}"
