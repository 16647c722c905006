"""The reply storm: signed "YES <code>" replies at concurrency 200 against the Procfile's web process, and the same
storm against the floor app (the least a correct reply endpoint can do), interleaved round by round.

Both run under gunicorn with the Procfile's settings, on the same machine, hit by the same aiohttp client, so
their ratio says how close Artel's reply path is to the floor whatever the machine. Runs after the candidates
suite, among the workers of its "Bench City". A clone without the floor app (../shared/floors) skips the floor's
figures and says so. STORM_PROFILE=1 (or =cpu: time running Python only) adds a round, not counted, sampled by
py-spy, and prints where its time went.
"""
import asyncio
import os
import random
import statistics
import time
import uuid
from contextlib import nullcontext
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import psycopg
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import aliased

from bench.dispatch import (TWILIO_ACCOUNT, TWILIO_NUMBER, add_order, analyze, bench_workers, day, forget_earlier_runs,
                            offer_to, shout_unless)
from bench import profiling
from bench.harness import BENCH_DB_URL, percentile
from bench.processes import ROOT, procfile_web
from clients.models import Site
from core.timeutil import utcnow
from dispatch import gateway
from dispatch.models import HOLDING_STATES, Message, Offer
from extensions import db
from franchise.models import Region

ROUNDS = 3
CONCURRENCY = 200
STORM_WORKERS = 400
STORM_BOTH = 100  # of them are also offered a second, overlapping order, and answer both: 500 replies a round
WARMUP = 60  # replies each server gets before the first round, so that no round pays for a cold process
TARGET_VS_FLOOR, TARGET_P99_MS = 0.35, 1000  # issue 13: a third of the floor's pace, a reply within a second
FLOOR_NAME = "reply_floor"
FLOOR_FIGURES = ("storm_floor_replies_per_s", "storm_floor_p99_ms", "storm_floor_cpu_ms", "storm_vs_floor")


def run(app) -> dict:
    forget_earlier_runs()
    floor = floor_app()
    artel, floor_rounds = [], []
    # configured as in production: the replies go to the network's own number, TWILIO_FROM
    with procfile_web(SMS_BACKEND="simulator", TWILIO_AUTH_TOKEN=current_app.config["TWILIO_AUTH_TOKEN"],
                      TWILIO_FROM=TWILIO_NUMBER) as web:
        with _floor_web(floor) as floor_web:
            _artel_round(web, days_ahead=200, count=WARMUP // 2, both=WARMUP // 2)  # warm-up, not counted
            if floor_web:
                _floor_round(floor_web, floor, WARMUP)
            for number in range(ROUNDS):
                artel.append(_artel_round(web, days_ahead=90 + 2 * number, count=STORM_WORKERS, both=STORM_BOTH))
                if floor_web:
                    floor_rounds.append(_floor_round(floor_web, floor, STORM_WORKERS + STORM_BOTH))
            if os.environ.get("STORM_PROFILE"):
                _profiled_round(web)
    figures = _figures(artel, floor_rounds, floor)
    shout_unless(figures, storm_overbooked=0, storm_double_booked=0, storm_answered_once=figures["storm_replies"],
                 storm_messages_stored=figures["storm_replies"], storm_refused=0)
    if figures["storm_p99_ms"] > TARGET_P99_MS:
        print(f"!!! storm_p99_ms is {figures['storm_p99_ms']:.0f}, the target is at most {TARGET_P99_MS}")
    if figures.get("storm_vs_floor") is not None and figures["storm_vs_floor"] < TARGET_VS_FLOOR:
        print(f"!!! storm_vs_floor is {figures['storm_vs_floor']:.3f}, the target is at least {TARGET_VS_FLOOR}")
    return figures


def _profiled_round(web) -> None:
    """One more round of Artel, not counted, with py-spy sampling the web processes; print where the time went."""
    raw = Path(current_app.instance_path) / "storm-profile.txt"
    with profiling.sampled(web.master, raw, cpu=os.environ["STORM_PROFILE"] == "cpu"):
        _artel_round(web, days_ahead=110, count=STORM_WORKERS, both=STORM_BOTH)
    print(profiling.summary(raw))
    print(f"stacks in {raw}")


def floor_app() -> Path | None:
    """Return the floor app's file: REPLY_FLOOR, else shared/floors beside the clone (or beside its parent)."""
    named = os.environ.get("REPLY_FLOOR")
    candidates = [Path(named)] if named else [ROOT.parent / "shared" / "floors" / f"{FLOOR_NAME}.py",
                                             ROOT.parent.parent / "shared" / "floors" / f"{FLOOR_NAME}.py"]
    return next((path for path in candidates if path.is_file()), None)


def _figures(artel: list[dict], floor_rounds: list[dict], floor: Path | None) -> dict:
    latencies = [ms for one in artel for ms in one["latencies"]]
    figures = {
        "storm_rounds": len(artel), "storm_concurrency": CONCURRENCY,
        "storm_replies": sum(one["replies"] for one in artel),
        "storm_replies_per_s": statistics.median(one["per_s"] for one in artel),
        "storm_p50_ms": statistics.median(latencies), "storm_p99_ms": percentile(latencies, 99),
        "reply_cpu_ms": statistics.median(one["cpu_ms"] for one in artel),
        "web_rss_mb": max(one["rss_mb"] for one in artel),
        **{name: sum(one[name] for one in artel) for name in (
            "storm_booked", "storm_overbooked", "storm_double_booked", "storm_answered_once",
            "storm_messages_stored", "storm_refused")},
    }
    if not floor_rounds:  # null, not left out: results.json keeps the figures of earlier runs it is not given
        figures.update(dict.fromkeys(FLOOR_FIGURES), storm_floor_skipped=(
            f"no floor app: {FLOOR_NAME}.py is not in ../shared/floors (or REPLY_FLOOR)"))
        print(f"!!! storm: {figures['storm_floor_skipped']}; the floor's figures are skipped")
        return figures
    floor_latencies = [ms for one in floor_rounds for ms in one["latencies"]]
    figures.update({
        "storm_floor_skipped": None,
        "storm_floor_replies_per_s": statistics.median(one["per_s"] for one in floor_rounds),
        "storm_floor_p99_ms": percentile(floor_latencies, 99),
        "storm_floor_cpu_ms": statistics.median(one["cpu_ms"] for one in floor_rounds),
        "storm_vs_floor": statistics.median(a["per_s"] / f["per_s"] for a, f in zip(artel, floor_rounds)),
    })
    return figures


# -- Artel -------------------------------------------------------------------------------------------------------

def _artel_round(web, days_ahead: int, count: int, both: int) -> dict:
    """Offer two overlapping orders (count workers, both of them twice), fire every YES at once; count the places."""
    region, site = _bench_place()
    first = add_order(region, site, day(days_ahead, hour=6), needed=10)
    second = add_order(region, site, first.starts_at + timedelta(hours=4), needed=10)
    workers = bench_workers(region, count, newest=True)
    now = utcnow()  # offered a moment ago: nothing left for the sweep to send
    offer_to(first, [w.id for w in workers], now)
    offer_to(second, [w.id for w in workers[:both]], now)
    replies = [(w.phone, f"YES {first.code}") for w in workers] + [
        (w.phone, f"YES {second.code}") for w in workers[:both]]
    random.Random(days_ahead).shuffle(replies)
    db.session.commit()
    analyze()
    url = f"{web.base}/sms/inbound"
    requests = [_signed(url, phone, body) for phone, body in replies]
    result = _storm(web, url, requests)
    stored = db.session.scalar(select(func.count()).select_from(Message).where(
        Message.direction == "in", Message.sid.in_([form["MessageSid"] for form, _headers in requests])))
    return {**result, "storm_messages_stored": stored, **_places([first, second])}


def _bench_place():
    return (db.session.scalar(select(Region).where(Region.code == "BENCH")),
            db.session.scalar(select(Site).where(Site.name == "Bench site")))


def _signed(url: str, phone: str, body: str) -> tuple[dict, dict]:
    """An inbound SMS webhook (form, headers) with its own MessageSid, signed over url as Twilio signs it."""
    form = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": TWILIO_ACCOUNT, "From": phone, "To": TWILIO_NUMBER,
            "Body": body, "NumMedia": "0"}
    return form, {"X-Twilio-Signature": gateway.sign(url, form)}


def _places(orders) -> dict:
    """Count places held on orders, those beyond each target, and workers holding two overlapping places."""
    ids = [order.id for order in orders]
    held = dict(db.session.execute(select(Offer.order_id, func.count()).where(
        Offer.order_id.in_(ids), Offer.state.in_(HOLDING_STATES)).group_by(Offer.order_id)).all())
    other = aliased(Offer)
    double = db.session.scalar(select(func.count(Offer.worker_id.distinct())).join(
        other, (other.worker_id == Offer.worker_id) & (other.id != Offer.id)).where(
        Offer.order_id.in_(ids), Offer.state.in_(HOLDING_STATES), other.state.in_(HOLDING_STATES),
        other.starts_at < Offer.ends_at, other.ends_at > Offer.starts_at))
    return {"storm_booked": sum(held.values()),
            "storm_overbooked": sum(max(0, held.get(order.id, 0) - order.booking_target) for order in orders),
            "storm_double_booked": double}


# -- the floor ---------------------------------------------------------------------------------------------------

def _floor_dsn() -> str:
    parsed = make_url(BENCH_DB_URL)
    return parsed.set(drivername="postgresql", database=f"{parsed.database}_floor").render_as_string(
        hide_password=False)


def _floor_web(floor: Path | None):
    """Serve the floor app with the Procfile's settings on a database of its own, or do nothing without it."""
    if floor is None:
        return nullcontext(None)
    dsn = _floor_dsn()
    parsed = make_url(BENCH_DB_URL)
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}_floor" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{parsed.database}_floor"')
    _reset_floor(floor)
    return procfile_web(app_spec=f"{FLOOR_NAME}:app", health_path=None, DSN=dsn,
                        PYTHONPATH=str(floor.parent))


def _reset_floor(floor: Path) -> None:
    with psycopg.connect(_floor_dsn(), autocommit=True) as conn:
        conn.execute(floor.with_name(f"{FLOOR_NAME}_schema.sql").read_text())


def _floor_round(web, floor: Path, count: int) -> dict:
    """Fire count replies of distinct workers at the floor app at once, on a freshly reset schema."""
    _reset_floor(floor)
    requests = [({"worker_id": str(worker_id)}, {}) for worker_id in range(1, count + 1)]
    return _storm(web, f"{web.base}/reply", requests)


# -- the client --------------------------------------------------------------------------------------------------

def _storm(web, url: str, requests: list[tuple[dict, dict]]) -> dict:
    """Post every request, CONCURRENCY at a time, and measure what the web processes spent on them."""
    cpu_before = web.cpu_seconds()
    results, seconds = asyncio.run(_fire(url, requests))
    cpu = web.cpu_seconds() - cpu_before
    return {"replies": len(requests), "per_s": len(requests) / seconds, "latencies": [ms for _s, _a, ms in results],
            "cpu_ms": cpu * 1000 / len(requests), "rss_mb": web.largest_rss_mb(),
            "storm_answered_once": sum(status == 200 and answer.count("<Message>") == 1
                                       for status, answer, _ms in results),
            "storm_refused": sum(status != 200 for status, _answer, _ms in results)}


async def _fire(url: str, requests: list[tuple[dict, dict]]) -> tuple[list[tuple[int, str, float]], float]:
    """Post every (form, headers) with CONCURRENCY in flight; return (status, answer, ms) each, and the seconds."""
    pending = asyncio.Queue()
    for request in requests:
        pending.put_nowait(request)
    results = []
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONCURRENCY), timeout=timeout) as session:
        async def client():
            while not pending.empty():
                form, headers = pending.get_nowait()
                began = time.perf_counter()
                try:
                    async with session.post(url, data=urlencode(form), headers={
                            **headers, "Content-Type": "application/x-www-form-urlencoded"}) as response:
                        status, answer = response.status, await response.text()
                except (aiohttp.ClientError, asyncio.TimeoutError):  # refused or timed out: not answered
                    status, answer = 0, ""
                results.append((status, answer, (time.perf_counter() - began) * 1000))

        began = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(CONCURRENCY)))
        seconds = time.perf_counter() - began
    return results, seconds
