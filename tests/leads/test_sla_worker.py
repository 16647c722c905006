"""SLA expiry through real `flask worker` processes (the Procfile's command, each with its scheduler and the
lead sweep ticking beside it): two workers racing, and a worker killed mid-expiry, move the lead once.

The lead's deadline lies in 2020, so it is past on any clock the workers read; the order of events is
forced by row locks held from the test (tests.races), never by sleeping.
"""
from collections import Counter
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from dispatch.models import Message
from leads.models import Lead, LeadEvent
from tests import factories
from tests.dispatch.rq_process import RqWorker, eventually
from tests.fakes.twilio import FakeTwilio
from tests.races import Holder, wait_for_lock_wait

LONG_AGO = datetime(2020, 1, 6, 9, 0, tzinfo=timezone.utc)
DUTY = {"a": "+79160000001", "b": "+79160000002"}


@pytest.fixture
def due_lead(db, city):
    city.a.duty_phone, city.b.duty_phone = DUTY["a"], DUTY["b"]
    db.session.commit()
    return factories.lead(city.a, routed_at=LONG_AGO, sla_due_at=LONG_AGO)


def twilio_settings(fake) -> dict:
    return {"SMS_BACKEND": "twilio", "TWILIO_API_BASE": fake.url, "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
            "TWILIO_FROM": "+15005550006", "LEAD_SLA_SWEEP_SECONDS": 1}


def fresh(db, stmt):
    db.session.expire_all()
    return db.session.execute(stmt)


def moved_to(db, lead) -> int | None:
    return fresh(db, select(Lead.franchise_id).where(Lead.id == lead.id)).scalar_one()


def both_told(db, fake) -> bool:
    sent = fresh(db, select(func.count()).select_from(Message).where(
        Message.kind == "lead", Message.sid.is_not(None))).scalar_one()
    return sent >= 2 and len(fake.stored) >= 2


def assert_moved_once(db, fake, lead, city):
    events = [kind for kind in fresh(db, select(LeadEvent.kind).where(LeadEvent.lead_id == lead.id)
                                     .order_by(LeadEvent.id)).scalars()]
    assert events == ["routed", "expired", "routed"]
    assert moved_to(db, lead) == city.b.id
    assert Counter(create["To"] for create in fake.creates) == {DUTY["a"]: 1, DUTY["b"]: 1}  # one SMS per branch
    assert fresh(db, select(func.count()).select_from(Message).where(Message.kind == "lead")).scalar_one() == 2


def test_two_workers_sweeping_at_once_move_the_lead_once(app, db, city, due_lead, redis_conn, tmp_path):
    holder = Holder()
    holder.lock("lead", due_lead.id)  # both workers' sweeps find the lead due, and wait for its lock
    with FakeTwilio() as fake:
        workers = [RqWorker(tmp_path, **twilio_settings(fake)) for _ in range(2)]
        try:
            for worker in workers:
                assert worker.wait_ready(), worker.output()
            wait_for_lock_wait(count=2, timeout=120)
            holder.rollback()
            assert eventually(lambda: both_told(db, fake), 120), workers[0].output() + workers[1].output()
        finally:
            for worker in workers:
                worker.stop()  # every sweep and job done or abandoned before counting
        assert_moved_once(db, fake, due_lead, city)


def test_a_worker_killed_mid_expiry_leaves_it_to_another_which_moves_the_lead_once(app, db, city, due_lead,
                                                                                    redis_conn, tmp_path):
    # The expiry locks the lead, logs "expired" and hands the lead to B; the routing step it then writes
    # refers to B's row, which the test holds FOR UPDATE: the worker waits there, its writes uncommitted.
    holder = Holder()
    holder.execute("SELECT id FROM franchise WHERE id = :b FOR UPDATE", b=city.b.id)
    with FakeTwilio() as fake:
        first = RqWorker(tmp_path, **twilio_settings(fake))
        try:
            assert first.wait_ready(), first.output()
            wait_for_lock_wait(count=1, timeout=120)
            assert moved_to(db, due_lead) == city.a.id  # nothing of it is visible: not committed
        finally:
            first.kill()  # SIGKILL, mid-transaction
        holder.rollback()  # its server backend ends when it next reads from the dead worker, rolling back
        second = RqWorker(tmp_path, **twilio_settings(fake))
        try:
            assert second.wait_ready(), second.output()
            assert eventually(lambda: both_told(db, fake), 120), second.output()
        finally:
            second.stop()
        assert_moved_once(db, fake, due_lead, city)
