"""A month of shifts in Moscow for franchises A and B (the same city), and helpers to read statements."""
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from extensions import db as _db
from orders.models import Attendance
from royalty.models import Statement
from tests import factories


def shift(site, starts_at, hours, bill_rate="220.00", status="completed", outcome="came"):
    """A shift of site's franchise with one worker per entry of hours, marked and (by default) closed."""
    order = factories.order(site, needed=len(hours), target=len(hours), starts_at=starts_at, status=status,
                            bill_rate=Decimal(bill_rate))
    for h in hours:
        worker = factories.worker(site.client.franchise.region)
        factories._save(Attendance(order_id=order.id, worker_id=worker.id, franchise_id=order.franchise_id,
                                   outcome=outcome, hours=Decimal(h)))
    return order


def statement_of(franchise, period="2026-11") -> Statement:
    return _db.session.scalar(select(Statement).where(Statement.franchise_id == franchise.id,
                                                      Statement.period == period))


def rows(db):
    db.session.expire_all()
    return sorted((s.franchise_id, s.period, s.total, s.issued_at, tuple((l.kind, l.order_id, l.billed, l.amount) for l in s.lines))
                  for s in db.session.scalars(select(Statement)))


@pytest.fixture
def month(db, city):
    """November in Moscow: A with two shifts, B with two at odd rates and a fixed fee; a cancelled and an open one."""
    city.b.monthly_fee = Decimal("5000.00")
    db.session.commit()
    moscow = lambda day, hour, minute=0: datetime(2026, 11, day, hour, minute, tzinfo=timezone.utc)  # noqa: E731
    city.a1 = shift(city.a_site, moscow(3, 6), ["7.5", "7.5", "8"])  # 23 h x 220 = 5060.00
    city.a2 = shift(city.a_site, moscow(30, 20, 30), ["4"])  # 23:30 Moscow on the 30th: November; 880.00
    city.a_next = shift(city.a_site, moscow(30, 21, 30), ["4"])  # 00:30 Moscow on 1 December: not November
    city.a_open = shift(city.a_site, moscow(20, 6), ["8"], status="in_progress")  # not closed: not billed yet
    city.a_absent = shift(city.a_site, moscow(21, 6), ["8"], outcome="no_show")  # nobody worked: nothing billed
    city.b1 = shift(city.b_site, moscow(10, 6), ["1.25"], bill_rate="213.37")  # 266.7125 -> 266.71
    city.b2 = shift(city.b_site, moscow(11, 6), ["0.5"], bill_rate="213.37")  # 106.685 -> 106.69
    return city
