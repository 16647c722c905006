"""Orders: rates from the rate card, the overbooking target, a code workers quote, and dispatch."""
import random
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from flask import current_app
from sqlalchemy import and_, func, not_, select, update
from sqlalchemy.exc import IntegrityError

from clients.models import Client, Site
from core import locks, outbox
from core.i18n import lazy_gettext as _l
from core.templating import money
from core.tenancy import network_wide
from core.timeutil import to_zone, utcnow
from dispatch import service as dispatch
from extensions import db
from orders import rates
from orders.models import Order
from workers import skills

MAX_WORKERS = 500
FINISHED = ("completed", "invoiced", "cancelled")  # a code of these goes back to the pool after the quiet period
CODE_LENGTHS = (4, 5, 6)


class OrderError(ValueError):
    """An order could not be saved; .field names the input at fault."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field


def sites_with_clients() -> list[tuple[Site, Client]]:
    """Return the visible sites with their clients, by client (a foreman: his franchise)."""
    return list(
        db.session.execute(select(Site, Client).join(Client, Site.client_id == Client.id).order_by(Client.name, Site.name))
    )


def shifts_for_foreman(days: int = 7) -> list[Order]:
    """Return the franchise's shifts from yesterday to a week ahead, soonest first."""
    now = utcnow()
    return list(db.session.scalars(select(Order).where(
        Order.starts_at >= now - timedelta(days=1), Order.starts_at <= now + timedelta(days=days),
        Order.status.in_(("dispatching", "filled", "in_progress"))).order_by(Order.starts_at)))


def _reusable(cutoff):
    """The live codes that may be handed out again: their order finished and its shift ended before cutoff."""
    return and_(Order.status.in_(FINISHED), Order.ends_at < cutoff)


def _codes(statement):
    """Run a code look-up over every franchise's orders, deleted ones too (workers quote them all)."""
    return network_wide(statement, Order).execution_options(include_deleted=True)


def new_code() -> str:
    """Return a code no live order of the network holds: 4 digits while any are free, then 5, then 6.

    A finished order's code counts as free ORDER_CODE_QUIET_DAYS after its shift ended;
    handing it out retires it from the old order (claim_code). Two orders that pick the
    same code at once meet the unique index on live codes, and the loser picks again.
    """
    cutoff = utcnow() - timedelta(days=current_app.config["ORDER_CODE_QUIET_DAYS"])
    for digits in CODE_LENGTHS:
        low, high = 10 ** (digits - 1), 10 ** digits
        for _ in range(3):  # the pool is mostly free: a random draw is one indexed look-up
            code = str(random.randrange(low, high))
            if db.session.scalar(_codes(select(Order.id).where(
                    Order.code == code, Order.code_live, not_(_reusable(cutoff))).limit(1))) is None:
                return code
        held = set(db.session.scalars(_codes(select(Order.code).where(
            Order.code_live, func.length(Order.code) == digits, not_(_reusable(cutoff))))))
        if len(held) < high - low:  # draw among the free ones rather than keep guessing
            free = [c for c in range(low, high) if str(c) not in held]
            return str(random.choice(free))
    raise OrderError(_l("No free order code; try again."))


def claim_code(order: Order, attempts: int = 5) -> None:
    """Give order a free code and flush it; retire the code from a finished order that held it (the caller commits)."""
    cutoff = utcnow() - timedelta(days=current_app.config["ORDER_CODE_QUIET_DAYS"])
    for _ in range(attempts):
        order.code = new_code()
        try:
            with db.session.begin_nested():
                db.session.execute(_codes(update(Order).where(
                    Order.code == order.code, Order.code_live, _reusable(cutoff)).values(code_live=False)))
                db.session.add(order)
                db.session.flush()
            return
        except IntegrityError:  # another order took that code a moment ago
            continue
    raise OrderError(_l("No free order code; try again."))


def create_order(data: dict, by=None) -> Order:
    """Create an order with frozen rates and, unless a draft, promise its dispatch; commit (see new_order)."""
    order = new_order(data, by)
    db.session.commit()
    outbox.relay_quietly()
    return order


def new_order(data: dict, by=None) -> Order:
    """Add an order with frozen rates and, unless a draft, promise its dispatch; flush (the caller commits).

    Raises OrderError before adding anything when the input is wrong.
    data: client_id, site_id, work_type, workers_needed, starts_at, ends_at (aware),
    skills (codes), overbooking ("auto" or a factor), urgent, notes, optional
    pay_rate/bill_rate overriding the rate card, dispatch (bool, default true).
    """
    client = db.session.get(Client, data["client_id"])
    if client is None:
        raise OrderError(_l("No such client."), "client_id")
    site = db.session.get(Site, data["site_id"])
    if site is None or site.client_id != client.id:
        raise OrderError(_l("No such site for this client."), "site_id")
    if site.lat is None or site.lon is None:
        raise OrderError(_l("The site has no coordinates: set them before ordering."), "site_id")
    needed, starts_at, ends_at = data["workers_needed"], data["starts_at"], data["ends_at"]
    _check_shape(needed, starts_at, ends_at)
    try:
        skill_mask = skills.mask_for(data.get("skills") or ())
    except skills.SkillError as exc:
        raise OrderError(str(exc), "skills") from exc
    region_id = client.franchise.region_id
    pay, bill = data.get("pay_rate"), data.get("bill_rate")
    if pay is None or bill is None:
        day = to_zone(starts_at, client.franchise.region.timezone).date()
        card = rates.rate_for(region_id, client.franchise_id, data["work_type"], site.conditions, needed, day)
        if card is None:
            raise OrderError(_l("No rate card for this work type and conditions: give the rates."), "pay_rate")
        pay, bill = pay if pay is not None else card.pay_rate, bill if bill is not None else card.bill_rate
    if Decimal(pay) >= Decimal(bill) and not data.get("confirm_loss"):
        raise OrderError(_l("The pay rate (%(pay)s) is not below the bill rate (%(bill)s): the order earns nothing. "
                            "Confirm to create it anyway.", pay=money(Decimal(pay), client.franchise.region.currency),
                            bill=money(Decimal(bill), client.franchise.region.currency)), "confirm_loss")
    factor = _overbooking(data.get("overbooking", "1.5"))
    order = Order(
        franchise_id=client.franchise_id, region_id=region_id, client_id=client.id, site_id=site.id,
        work_type=data["work_type"], skill_mask=skill_mask, workers_needed=needed, starts_at=starts_at,
        ends_at=ends_at, pay_rate=Decimal(pay), bill_rate=Decimal(bill), urgent=bool(data.get("urgent")),
        notes=data.get("notes") or None, created_by_id=getattr(by, "id", None),
        overbooking_factor=None if factor == "auto" else factor,
        booking_target=dispatch.initial_target(needed, factor),
        status="dispatching" if data.get("dispatch", True) else "draft",
    )
    claim_code(order)
    if order.status == "dispatching":
        dispatch.start(order)
    return order


def send_now(order: Order, by=None) -> Order:
    """Send the order's offers now, quiet hours or not: it is urgent from now on; commit."""
    order = _locked(order)
    if order.status not in CHANGEABLE:
        raise OrderError(_l("Only an order that is dispatching or filled can be sent now."), "status")
    dispatch.send_now(order)
    db.session.commit()
    outbox.relay_quietly()
    return order


def first_wave(order: Order) -> dict:
    """When the order's first offers go: held_until (the morning quiet hours hold them until, or None)
    and short (whether that leaves less than FIRST_WAVE_LEAD_MINUTES before the start)."""
    held = dispatch.waiting_for_morning(order)
    lead = timedelta(minutes=current_app.config["FIRST_WAVE_LEAD_MINUTES"])
    return {"held_until": held, "short": held is not None and order.starts_at - held < lead}


def _overbooking(value) -> Decimal | str:
    """Return "auto" or the overbooking factor as a Decimal from 1 to 3; raise OrderError otherwise."""
    if value == "auto":
        return value
    try:
        factor = Decimal(str(value))
        if factor.is_finite() and Decimal("1") <= factor <= Decimal("3"):
            return factor
    except (ArithmeticError, InvalidOperation, ValueError):
        pass
    raise OrderError(_l("Overbooking is 'auto' or a factor from 1 to 3."), "overbooking")


def list_orders(status: str | None = None, limit: int = 100, *, franchise_id: int | None = None,
                region_id: int | None = None) -> list[Order]:
    """Return the visible orders, latest shift first, narrowed by status, franchise and region when given."""
    stmt = select(Order).order_by(Order.starts_at.desc(), Order.id.desc()).limit(limit)
    if status:
        stmt = stmt.where(Order.status == status)
    if franchise_id is not None:
        stmt = stmt.where(Order.franchise_id == franchise_id)
    if region_id is not None:
        stmt = stmt.where(Order.region_id == region_id)
    return list(db.session.scalars(stmt))


def get_order(order_id: int) -> Order | None:
    return db.session.get(Order, order_id)


CHANGEABLE = ("dispatching", "filled")


def _locked(order: Order) -> Order:
    """Lock the order and return it as committed now (a double click or a reply may have changed it)."""
    return locks.lock(Order, order.id)


def confirm_order(order: Order, by=None) -> Order:
    """Send a draft out: dispatching, with its first wave promised in the same transaction; commit."""
    order = _locked(order)
    if order.status != "draft":
        raise OrderError(_l("Only a draft can be sent out."), "status")
    _check_shape(order.workers_needed, order.starts_at, order.ends_at)
    order.status = "dispatching"
    dispatch.start(order)
    db.session.commit()
    outbox.relay_quietly()
    return order


def cancel_order(order: Order, reason: str, by=None) -> Order:
    """Cancel the order: every offer closes, and everyone who said yes is told; commit."""
    order = _locked(order)
    if order.status not in ("draft", *CHANGEABLE):
        raise OrderError(_l("Only an order that has not started can be cancelled."), "status")
    reason = (reason or "").strip()
    if not reason:
        raise OrderError(_l("Say why the order is cancelled."), "reason")
    order.status, order.cancel_reason = "cancelled", reason[:200]
    dispatch.cancel_offers(order)
    db.session.commit()
    outbox.relay_quietly()
    return order


def change_order(order: Order, workers_needed: int, starts_at, ends_at, by=None) -> Order:
    """Change headcount or time after dispatch and re-plan it (dispatch.service.replan_after_change); commit."""
    order = _locked(order)
    if order.status not in CHANGEABLE:
        raise OrderError(_l("Only an order that is dispatching or filled can be changed."), "status")
    _check_shape(workers_needed, starts_at, ends_at)
    moved = (starts_at, ends_at) != (order.starts_at, order.ends_at)
    order.workers_needed, order.starts_at, order.ends_at = workers_needed, starts_at, ends_at
    dispatch.replan_after_change(order, moved)
    db.session.commit()
    outbox.relay_quietly()
    return order


def _check_shape(needed: int, starts_at, ends_at) -> None:
    if not 1 <= needed <= MAX_WORKERS:
        raise OrderError(_l("Between 1 and %(n)s workers.", n=MAX_WORKERS), "workers_needed")
    if ends_at <= starts_at or ends_at - starts_at > timedelta(hours=24):
        raise OrderError(_l("A shift ends after it starts and lasts at most 24 hours."), "ends_at")
    if starts_at < utcnow() - timedelta(minutes=5):
        raise OrderError(_l("The shift has already started."), "starts_at")


