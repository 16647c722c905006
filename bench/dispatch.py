"""Dispatch with real processes: order → first SMS through the Procfile's `flask worker`, and a blast of offers
through the Twilio SDK to a fake Twilio server (the reply storm is bench/storm.py).

Runs after the candidates suite, among the 100,000 workers of its "Bench City".
"""
import sys
import time
from collections import Counter
from datetime import timedelta
from decimal import Decimal

from flask import current_app
from rq import Worker as RqWorker
from rq.worker import WorkerStatus
from sqlalchemy import delete, func, insert, select, text

from bench.harness import p50, percentile
from bench.processes import families_rss_mb, forget_log, rq_workers, wait_until
from clients.models import Site
from core import outbox, queue
from core.models import Outbox
from core.timeutil import utcnow
from dispatch import notices, promises
from dispatch.models import Alert, Message, Offer
from extensions import db
from franchise.models import Region
from orders import service as order_service
from orders.models import Order
from tests.fakes.twilio import FakeTwilio  # the fake Twilio REST server the tests use
from workers.models import Worker

WORK_TYPE = "bench-dispatch"  # marks this suite's orders, so that a rerun starts from a clean slate
ORDERS_TIMED = 20
BLAST = 10_000
BLAST_PER_ORDER = 1000
BLAST_PROCESSES = 4  # on two cores, more processes only wait for each other
BLAST_LIMITED = 300
BLAST_LIMIT_PER_S = 20  # well under what the workers manage unlimited, so that the bucket is what holds them
RSS_EVERY_S = 2.0
TWILIO_ACCOUNT = "AC" + "0" * 32
TWILIO_NUMBER = "+15005550006"


def run(app) -> dict:
    region = db.session.scalar(select(Region).where(Region.code == "BENCH"))
    site = db.session.scalar(select(Site).where(Site.name == "Bench site"))
    forget_earlier_runs()
    figures = {**_order_to_first_sms(site), **_blast(region, site)}
    # one rq worker's resident size: the largest seen, after the timed orders or while sending the blast
    figures["worker_rss_mb"] = max(figures["worker_rss_mb"], figures.pop("blast_worker_rss_mb"))
    shout_unless(figures, blast_duplicates=0, blast_offers_sent=BLAST)
    return figures


def forget_earlier_runs() -> None:
    """Delete what an earlier run of this suite left (its orders and all that hangs on them), and empty the queues."""
    mine = select(Order.id).where(Order.work_type == WORK_TYPE)
    for table in (Message.__table__, Alert.__table__, Offer.__table__):
        db.session.execute(delete(table).where(table.c.order_id.in_(mine)))
    db.session.execute(delete(Outbox))
    db.session.execute(delete(Order.__table__).where(Order.work_type == WORK_TYPE))
    db.session.commit()
    analyze()
    queue.connection().flushdb()  # the bench's own Redis database: queues, registries and the SMS bucket
    forget_log()


def analyze() -> None:
    """Fresh planner statistics after bulk changes, as autovacuum would give a live database in time."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text('VACUUM ANALYZE "order", offer, message, outbox'))


def shout_unless(figures: dict, **expected) -> None:
    """Print a loud line for every figure that is not what it must be."""
    for name, value in expected.items():
        if figures[name] != value:
            print(f"!!! {name} is {figures[name]}, must be {value}", file=sys.stderr)


def bench_workers(region, count: int, newest: bool = False) -> list:
    """Return (id, phone) of count active workers of the region, the oldest or the newest."""
    order_by = Worker.id.desc() if newest else Worker.id
    return db.session.execute(select(Worker.id, Worker.phone).where(
        Worker.region_id == region.id, Worker.status == "active", Worker.opted_out.is_(False),
        Worker.deleted_at.is_(None)).order_by(order_by).limit(count)).all()


def add_order(region, site, starts, needed: int, urgent: bool = False) -> Order:
    """Add a dispatching order of needed workers (overbooking 1.5) for 8 hours from starts (the caller commits)."""
    order = Order(franchise_id=site.franchise_id, region_id=region.id, client_id=site.client_id, site_id=site.id,
                  work_type=WORK_TYPE, workers_needed=needed, booking_target=needed * 3 // 2,
                  overbooking_factor=Decimal("1.5"), code=order_service.new_code(), starts_at=starts,
                  ends_at=starts + timedelta(hours=8), pay_rate=Decimal("100"), bill_rate=Decimal("220"),
                  status="dispatching", urgent=urgent)
    db.session.add(order)
    db.session.flush()
    return order


def offer_to(order: Order, worker_ids: list[int], offered_at=None) -> list[int]:
    """Insert an offer of order to each worker in state "offered" (the caller commits); return their ids."""
    return db.session.scalars(insert(Offer).returning(Offer.id), [
        {"order_id": order.id, "worker_id": worker_id, "franchise_id": order.franchise_id, "state": "offered",
         "starts_at": order.starts_at, "ends_at": order.ends_at, "offered_at": offered_at} for worker_id in worker_ids
    ]).all()


def day(days_ahead: int, hour: int):
    return (utcnow() + timedelta(days=days_ahead)).replace(hour=hour, minute=0, second=0, microsecond=0)


# -- order → first SMS -------------------------------------------------------------------------------------------

def _order_to_first_sms(site) -> dict:
    """Time order → first SMS through the Procfile's `flask worker` (``--simple``: jobs run in the worker's own
    process), and beside it through one that forks a work horse for every job."""
    created_ms, procfile_ms, rss_mb = _time_orders(site, forking=False)
    _created_ms, forking_ms, _rss = _time_orders(site, forking=True)
    return {"order_to_first_sms_orders": ORDERS_TIMED, "order_create_p50_ms": p50(created_ms),
            "order_to_first_sms_p50_ms": p50(procfile_ms), "order_to_first_sms_p95_ms": percentile(procfile_ms, 95),
            "order_to_first_sms_forking_worker_p50_ms": p50(forking_ms),
            "order_to_first_sms_forking_worker_p95_ms": percentile(forking_ms, 95), "worker_rss_mb": rss_mb}


def _time_orders(site, forking: bool) -> tuple[list[float], list[float], float]:
    """Run ORDERS_TIMED orders, one at a time, through one `flask worker` (the Procfile's, or a forking one); return
    the ms of each order's create_order(), the ms from its return to the first SMS, and the worker's size after."""
    created_ms, first_sms_ms = [], []
    with rq_workers(forking=forking, SMS_BACKEND="simulator") as (worker,):
        _time_one_order(site, days_ahead=60)  # the worker's first order: its app is built, the caches warm
        for day in range(ORDERS_TIMED):
            created, first_sms = _time_one_order(site, days_ahead=3 + day)
            created_ms.append(created)
            first_sms_ms.append(first_sms)
        (rss_mb,) = families_rss_mb([worker.pid])
    return created_ms, first_sms_ms, rss_mb


def _time_one_order(site, days_ahead: int) -> tuple[float, float]:
    """Create an urgent order of 10 and wait for its first SMS; return the ms create_order() took and the ms after.

    The order is then cancelled and the send jobs of its other offers dropped, so that the next
    order finds the worker idle.
    """
    starts = day(days_ahead, hour=7)
    began = time.perf_counter()
    order = order_service.create_order({
        "client_id": site.client_id, "site_id": site.id, "work_type": WORK_TYPE, "workers_needed": 10,
        "starts_at": starts, "ends_at": starts + timedelta(hours=8), "pay_rate": Decimal("100"),
        "bill_rate": Decimal("220"), "urgent": True})
    created = time.perf_counter()
    first_sms = select(Message.id).where(Message.order_id == order.id, Message.direction == "out",
                                         Message.sid.is_not(None)).limit(1)
    with db.engine.connect() as conn:
        wait_until(lambda: conn.execute(first_sms).first(), 30)
    sent = time.perf_counter()
    order_service.cancel_order(order, "bench: first SMS measured")
    queue.get_queue("urgent" if notices.urgent(order) else "sms").empty()
    wait_until(_workers_idle, 30, every=0.01)
    return (created - began) * 1000, (sent - created) * 1000


def _workers_idle() -> bool:
    return all(w.get_state() == WorkerStatus.IDLE for w in RqWorker.all(connection=queue.connection()))


# -- the blast ---------------------------------------------------------------------------------------------------

def _blast(region, site) -> dict:
    """Send BLAST offers through burst `flask worker`s to the fake Twilio unlimited, then a few paced by the bucket."""
    with FakeTwilio() as fake:
        orders, phones = _queue_blast(region, site, BLAST, days_ahead=120)
        unlimited, creates, rss_mb = _drain(fake, phones, SMS_RATE_PER_SECOND=0)
        _limited_orders, limited_phones = _queue_blast(region, site, BLAST_LIMITED, days_ahead=150)
        limited, _creates, _rss = _drain(fake, limited_phones, SMS_RATE_PER_SECOND=BLAST_LIMIT_PER_S, SMS_BURST=1)
    sent = db.session.scalar(select(func.count()).select_from(Offer).where(
        Offer.order_id.in_([order.id for order in orders]), Offer.offered_at.is_not(None)))
    return {"blast_offers": BLAST, "blast_msgs_per_s": unlimited, "blast_offers_sent": sent,
            "blast_duplicates": sum(n - 1 for n in Counter(create["To"] for create in creates).values()),
            "blast_limited_target_per_s": BLAST_LIMIT_PER_S, "blast_limited_msgs_per_s": limited,
            "blast_worker_rss_mb": rss_mb}


def _queue_blast(region, site, count: int, days_ahead: int) -> tuple[list[Order], set[str]]:
    """Offer count workers orders of BLAST_PER_ORDER, queue their SMS as a wave's are; return the orders, the phones."""
    workers = bench_workers(region, count)
    orders, offers = [], []
    for chunk in range(0, count, BLAST_PER_ORDER):
        # urgent: its offers go at once at any hour, so a run at night in Bench City is not held until the morning
        order = add_order(region, site, day(days_ahead, hour=6), needed=order_service.MAX_WORKERS, urgent=True)
        orders.append(order)
        offers.append(offer_to(order, [w.id for w in workers[chunk:chunk + BLAST_PER_ORDER]]))
    db.session.commit()
    analyze()
    for order, offer_ids in zip(orders, offers):
        promises.send_offers(offer_ids, order.urgent)
    db.session.commit()
    outbox.relay()
    return orders, {w.phone for w in workers}


def _drain(fake: FakeTwilio, phones: set[str], **settings) -> tuple[float, list[dict], float]:
    """Let BLAST_PROCESSES burst workers (the Procfile's command) send the queued SMS to the fake Twilio; return
    msgs/s, the creates, and the largest worker's resident MiB seen while they sent.

    The clock runs from the first create the fake receives to the last, so the workers' start does not count.
    """
    before = len(fake.creates)
    seen, looked = set(), [before]  # the phones reached so far, and how far fake.creates was read

    def arrived() -> list[dict]:
        return [create for create in fake.creates[before:] if create["To"] in phones]

    def reached() -> int:
        # only the creates since the last look: rereading them all every 20 ms took a core's share from the workers
        upto = len(fake.creates)
        seen.update(create["To"] for create in fake.creates[looked[0]:upto] if create["To"] in phones)
        looked[0] = upto
        return len(seen)

    twilio = {"SMS_BACKEND": "twilio", "TWILIO_API_BASE": fake.url, "TWILIO_ACCOUNT_SID": TWILIO_ACCOUNT,
              "TWILIO_AUTH_TOKEN": current_app.config["TWILIO_AUTH_TOKEN"], "TWILIO_FROM": TWILIO_NUMBER}
    sizes, sampled = [], [0.0]

    def all_arrived() -> bool:
        if time.perf_counter() - sampled[0] >= RSS_EVERY_S:  # reading /proc is not free: now and then
            sampled[0] = time.perf_counter()
            sizes.extend(families_rss_mb([worker.pid for worker in workers if worker.poll() is None]))
        return reached() >= len(phones)

    with rq_workers(BLAST_PROCESSES, burst=True, **twilio, **settings) as workers:
        wait_until(reached, 120, every=0.01)
        began = time.perf_counter()
        wait_until(all_arrived, 600, every=0.02)
        seconds = time.perf_counter() - began  # len(phones) - 1 intervals between the first create and the last
        wait_until(lambda: all(worker.poll() is not None for worker in workers), 60, every=0.1)  # burst: they quit
    return (len(phones) - 1) / seconds, arrived(), max(sizes, default=0.0)
