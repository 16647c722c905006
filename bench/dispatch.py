"""Dispatch figures with real processes: order → first SMS through an `rq worker`, a storm of signed
replies through gunicorn, and a blast of offers through the Twilio SDK to a fake Twilio server.

Runs after the candidates suite, in its "Bench City" region of 100,000 workers.
"""
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from rq import Queue
from sqlalchemy import delete, func, insert, select, text
from twilio.request_validator import RequestValidator

from bench.harness import BENCH_DB_URL, BENCH_REDIS_URL, p50, percentile
from clients.models import Site
from core import queue
from core.models import Outbox
from core.timeutil import utcnow
from dispatch.models import Alert, Message
from extensions import db
from franchise.models import Region
from orders import service as order_service
from orders.models import HOLDING_STATES, Offer, Order
from tests.fakes.twilio import FakeTwilio  # the same fake Twilio REST server the tests use
from workers.models import Worker

ROOT = Path(__file__).resolve().parents[1]
LOG = ROOT / "bench" / ".data" / "processes.log"  # what the worker and web processes said
BIN = Path(sys.executable).parent
TOKEN = "bench-twilio-token"
ORDERS_TIMED = 20
STORM_REPLIES = 1000
STORM_BOTH = 100  # workers who hold offers on two overlapping orders and answer both
BLAST = 10_000
BLAST_LIMITED = 400
BLAST_LIMIT_PER_S = 20  # well under what the workers manage unlimited, so the bucket is what holds them
BLAST_PROCESSES = 6


WORK_TYPE = "bench-dispatch"  # marks this suite's orders, so a rerun starts from a clean slate


def run(app) -> dict:
    region = db.session.scalar(select(Region).where(Region.code == "BENCH"))
    site = db.session.scalar(select(Site).join(Site.client).where(Site.name == "Bench site"))
    _forget_earlier_runs()
    figures = {}
    figures.update(_order_to_first_sms(site))
    figures.update(_storm(region, site))
    figures.update(_blast(region, site))
    return figures


def _forget_earlier_runs() -> None:
    """Delete what an earlier run of this suite left (its orders and all that hangs on them)."""
    mine = select(Order.id).where(Order.work_type == WORK_TYPE)
    for table in (Message.__table__, Alert.__table__, Offer.__table__):
        db.session.execute(delete(table).where(table.c.order_id.in_(mine)))
    db.session.execute(delete(Outbox))
    db.session.execute(delete(Order.__table__).where(Order.work_type == WORK_TYPE))
    db.session.commit()
    _analyze()
    queue.connection().flushdb()  # the bench's own Redis database: start with empty queues


def _analyze() -> None:
    """Fresh planner statistics after bulk changes, as autovacuum would give a live database in time."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text('VACUUM ANALYZE "order", offer, message, outbox'))


def _env(**settings) -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": BENCH_DB_URL, "REDIS_URL": BENCH_REDIS_URL,
            "ARTEL_INSTANCE_DIR": str(ROOT / "bench" / ".data"), "TWILIO_AUTH_TOKEN": TOKEN,
            **{k: str(v) for k, v in settings.items()}}


def _rq_worker(*queues, burst=False, worker_class="core.queue.AppWorker", **settings) -> subprocess.Popen:
    """Start the Procfile's worker command (optionally --burst) against the bench database and Redis."""
    args = [str(BIN / "rq"), "worker", "--with-scheduler", "--url", BENCH_REDIS_URL, "--worker-class", worker_class,
            *(["--burst"] if burst else []), *(queues or queue.QUEUES)]
    return subprocess.Popen(args, cwd=ROOT, env=_env(**settings), stdout=LOG.open("ab"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def _stop(*processes) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()


def _poll(check, seconds: float, every: float = 0.002):
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise RuntimeError(f"timed out after {seconds} s waiting for {check.__name__}")


def _count(stmt) -> int:
    db.session.rollback()  # a fresh snapshot each time
    return db.session.scalar(stmt) or 0


# -- order → first SMS ---------------------------------------------------------------------------------------------

def _order_to_first_sms(site) -> dict:
    """Time from create_order() to the first offer SMS stored with its SID, through a real `rq worker`."""
    worker = _rq_worker(SMS_BACKEND="simulator")
    try:
        _warm_up(worker, site)
        timings = []
        for i in range(ORDERS_TIMED):
            starts = (utcnow() + timedelta(days=3 + i)).replace(hour=7, minute=0, second=0, microsecond=0)
            started = time.perf_counter()
            order = order_service.create_order({
                "client_id": site.client_id, "site_id": site.id, "work_type": WORK_TYPE, "workers_needed": 10,
                "starts_at": starts, "ends_at": starts + timedelta(hours=8), "pay_rate": Decimal("100"),
                "bill_rate": Decimal("220"), "urgent": True})
            first_sms = select(func.count()).select_from(Message).where(Message.order_id == order.id,
                                                                       Message.sid.is_not(None))
            _poll(lambda: _count(first_sms), 30)
            timings.append((time.perf_counter() - started) * 1000)
            _poll(lambda: _count(first_sms) >= 30, 60, every=0.05)  # the whole wave out: the next starts idle
    finally:
        _stop(worker)
    return {"order_to_first_sms_p50_ms": p50(timings), "order_to_first_sms_p95_ms": percentile(timings, 95),
            "order_to_first_sms_orders": ORDERS_TIMED}


def _warm_up(worker, site) -> None:
    """Wait until the worker process answers (its app built) by running one order through it."""
    starts = (utcnow() + timedelta(days=60)).replace(hour=7, minute=0, second=0, microsecond=0)
    order = order_service.create_order({
        "client_id": site.client_id, "site_id": site.id, "work_type": WORK_TYPE, "workers_needed": 1,
        "starts_at": starts, "ends_at": starts + timedelta(hours=8), "pay_rate": Decimal("100"),
        "bill_rate": Decimal("220"), "urgent": True})
    _poll(lambda: _count(select(func.count()).select_from(Message).where(
        Message.order_id == order.id, Message.sid.is_not(None))), 60, every=0.05)


# -- the reply storm -----------------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _storm_orders(region, site) -> tuple[Order, Order, list[Worker], list[Worker]]:
    """Two overlapping orders of N=10 (M=15): STORM_REPLIES - 2×STORM_BOTH workers offered the first,
    STORM_BOTH offered both, all idle at that time."""
    starts = (utcnow() + timedelta(days=90)).replace(hour=6, minute=0, second=0, microsecond=0)
    orders = []
    for offset in (0, 4):
        order = Order(franchise_id=site.franchise_id, region_id=region.id, client_id=site.client_id, site_id=site.id,
                      work_type=WORK_TYPE, workers_needed=10, booking_target=15, code=order_service.new_code(),
                      starts_at=starts + timedelta(hours=offset), ends_at=starts + timedelta(hours=offset + 8),
                      pay_rate=Decimal("100"), bill_rate=Decimal("220"), status="dispatching",
                      overbooking_factor=Decimal("1.5"))
        db.session.add(order)
        orders.append(order)
    db.session.flush()
    single_count = STORM_REPLIES - 2 * STORM_BOTH
    workers = list(db.session.scalars(select(Worker).where(
        Worker.region_id == region.id, Worker.status == "active", Worker.opted_out.is_(False))
        .order_by(Worker.id.desc()).limit(single_count + STORM_BOTH)))
    single, both = workers[:single_count], workers[single_count:]
    rows = [(orders[0], w) for w in single + both] + [(orders[1], w) for w in both]
    db.session.execute(insert(Offer), [
        {"order_id": o.id, "worker_id": w.id, "franchise_id": o.franchise_id, "state": "offered",
         "starts_at": o.starts_at, "ends_at": o.ends_at, "offered_at": utcnow()} for o, w in rows])
    db.session.commit()
    _analyze()
    return orders[0], orders[1], single, both


def _storm(region, site) -> dict:
    """1,000 signed replies released at once at gunicorn; then count places against the targets."""
    first, second, single, both = _storm_orders(region, site)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    web = subprocess.Popen([str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "3", "--threads", "8",
                            "--backlog", "2048", "app:create_app()"], cwd=ROOT,
                           env=_env(PUBLIC_BASE_URL=base, SMS_BACKEND="simulator"),
                           stdout=LOG.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _poll(lambda: _healthy(base), 60, every=0.2)
        validator = RequestValidator(TOKEN)
        replies = [(w.phone, f"YES {first.code}") for w in single + both] + [(w.phone, f"YES {second.code}") for w in both]
        forms = [{"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": "AC" + "0" * 32, "From": phone, "To": "+15005550006",
                  "Body": body, "NumMedia": "0"} for i, (phone, body) in enumerate(replies)]
        results, seconds = _fire(base, forms, validator)
    finally:
        _stop(web)
    latencies = [ms for status, _body, ms in results]
    answered_once = sum(status == 200 and body.count("<Message>") == 1 for status, body, _ms in results)
    held = dict(_count_rows(select(Offer.order_id, func.count()).where(
        Offer.order_id.in_((first.id, second.id)), Offer.state.in_(HOLDING_STATES)).group_by(Offer.order_id)))
    overbooked = sum(max(0, held.get(o.id, 0) - o.booking_target) for o in (first, second))
    double = _count(select(func.count()).select_from(
        select(Offer.worker_id).where(Offer.order_id.in_((first.id, second.id)), Offer.state.in_(HOLDING_STATES))
        .group_by(Offer.worker_id).having(func.count() > 1).subquery()))
    return {"storm_replies": len(forms), "storm_replies_per_s": len(forms) / seconds,
            "storm_p50_ms": p50(latencies), "storm_p99_ms": percentile(latencies, 99),
            "storm_answered_once": answered_once, "storm_booked": sum(held.values()),
            "storm_overbooked": overbooked, "storm_double_booked": double}


def _count_rows(stmt):
    db.session.rollback()
    return db.session.execute(stmt).all()


def _healthy(base: str) -> bool:
    try:
        with urlopen(f"{base}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _fire(base: str, forms: list[dict], validator) -> tuple[list, float]:
    """Post every form at the same moment; return (status, body, ms) per reply and the storm's seconds."""
    url = f"{base}/sms/inbound"
    requests = [Request(url, data=urlencode(f).encode(), method="POST",
                        headers={"X-Twilio-Signature": validator.compute_signature(url, f)}) for f in forms]
    barrier = threading.Barrier(len(requests) + 1)

    def post(request):
        barrier.wait()
        started = time.perf_counter()
        with urlopen(request, timeout=120) as response:
            body = response.read().decode()
            return response.status, body, (time.perf_counter() - started) * 1000

    with ThreadPoolExecutor(len(requests)) as pool:
        futures = [pool.submit(post, r) for r in requests]
        barrier.wait()
        started = time.perf_counter()
        results = [f.result() for f in futures]
        seconds = time.perf_counter() - started
    return results, seconds


# -- the blast -----------------------------------------------------------------------------------------------------

def _blast_offers(region, site, count: int, days_ahead: int) -> list[int]:
    """count offers to distinct idle workers across orders of 1,000, ready to send."""
    starts = (utcnow() + timedelta(days=days_ahead)).replace(hour=6, minute=0, second=0, microsecond=0)
    workers = list(db.session.scalars(select(Worker.id).where(
        Worker.region_id == region.id, Worker.status == "active", Worker.opted_out.is_(False))
        .order_by(Worker.id).limit(count)))
    offer_ids = []
    for chunk in range(0, count, 1000):
        order = Order(franchise_id=site.franchise_id, region_id=region.id, client_id=site.client_id, site_id=site.id,
                      work_type=WORK_TYPE, workers_needed=700, booking_target=1000, starts_at=starts,
                      ends_at=starts + timedelta(hours=8), pay_rate=Decimal("100"), bill_rate=Decimal("220"),
                      status="dispatching", code=order_service.new_code())
        db.session.add(order)
        db.session.flush()
        offer_ids += db.session.scalars(insert(Offer).returning(Offer.id), [
            {"order_id": order.id, "worker_id": w, "franchise_id": order.franchise_id, "state": "offered",
             "starts_at": order.starts_at, "ends_at": order.ends_at} for w in workers[chunk:chunk + 1000]]).all()
    db.session.commit()
    return offer_ids


def _send_all(offer_ids: list[int], fake: FakeTwilio, **settings) -> float:
    """Queue one send_offer job per offer, let BLAST_PROCESSES burst workers drain them; return msgs/s."""
    sms = Queue("sms", connection=queue.connection())
    with queue.connection().pipeline() as pipe:
        for offer_id in offer_ids:
            sms.enqueue("dispatch.jobs.send_offer", offer_id, job_id=f"offer-{offer_id}", pipeline=pipe)
        pipe.execute()
    twilio = {"SMS_BACKEND": "twilio", "TWILIO_API_BASE": fake.url, "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
              "TWILIO_FROM": "+15005550006", **settings}
    before = len(fake.creates)
    workers = [_rq_worker("sms", burst=True, worker_class="core.queue.AppSimpleWorker", **twilio)
               for _ in range(BLAST_PROCESSES)]
    try:
        _poll(lambda: len(fake.creates) > before, 120)
        started = time.perf_counter()
        _poll(lambda: len(fake.creates) >= before + len(offer_ids), 600, every=0.01)
        seconds = time.perf_counter() - started
    finally:
        _stop(*workers)
    return (len(offer_ids) - 1) / seconds  # intervals between the first and the last create


def _blast(region, site) -> dict:
    with FakeTwilio() as fake:
        offers = _blast_offers(region, site, BLAST, 120)
        unlimited = _send_all(offers, fake, SMS_RATE_PER_SECOND=0)
        per_phone = Counter(c["To"] for c in fake.creates)
        limited = _send_all(_blast_offers(region, site, BLAST_LIMITED, 150), fake,
                            SMS_RATE_PER_SECOND=BLAST_LIMIT_PER_S, SMS_BURST=1)
    sent = _count(select(func.count()).select_from(Offer).where(Offer.id.in_(offers), Offer.offered_at.is_not(None)))
    return {"blast_offers": BLAST, "blast_msgs_per_s": unlimited, "blast_offers_sent": sent,
            "blast_duplicates": sum(n - 1 for n in per_phone.values()),
            "blast_limited_target_per_s": BLAST_LIMIT_PER_S, "blast_limited_msgs_per_s": limited}
