"""Hundreds of signed YES replies at once, through real HTTP, on PostgreSQL."""
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from sqlalchemy import func, select

from dispatch.models import HOLDING_STATES, Offer
from tests import factories
from tests.dispatch.sms import reply_form, signed


def fire(base, forms):
    """Post every form at the same moment; return each response body."""
    barrier = threading.Barrier(len(forms))

    def post(form):
        request = Request(f"{base}/sms/inbound", data=urlencode(form).encode(), headers=signed(form), method="POST")
        barrier.wait()
        with urlopen(request, timeout=240) as response:
            return response.status, response.read().decode()

    with ThreadPoolExecutor(len(forms)) as pool:
        return list(pool.map(post, forms))


def test_two_hundred_simultaneous_yes_book_exactly_fifteen(live_server, db, network):
    order = factories.order(network.a_site, needed=10, target=15, code="4821")
    workers = [factories.worker(network.moscow, language="en", phone=f"+7926{i:07d}") for i in range(200)]
    for w in workers:
        factories.offer(order, w)
    results = fire(live_server, [reply_form(w.phone, "YES") for w in workers])
    assert all(status == 200 for status, _ in results)
    assert all(body.count("<Message>") == 1 for _, body in results)  # each sender answered once
    booked = sum("You are booked" in body for _, body in results)
    waitlisted = sum("on the waitlist" in body for _, body in results)
    assert (booked, waitlisted) == (15, 185)
    db.session.expire_all()
    states = dict(db.session.execute(select(Offer.state, func.count()).where(Offer.order_id == order.id)
                                     .group_by(Offer.state)).all())
    assert states == {"booked": 15, "waitlisted": 185}
    positions = sorted(int(body.split("#")[1].split()[0]) for _, body in results if "waitlist" in body)
    assert positions == list(range(1, 186))


def test_no_worker_is_double_booked_across_overlapping_orders(live_server, db, network):
    first = factories.order(network.a_site, needed=10, target=15, code="4821")
    second = factories.order(network.a_site, needed=10, target=15, code="7777", starts_at=first.starts_at + timedelta(hours=3))
    workers = [factories.worker(network.moscow, language="en", phone=f"+7927{i:07d}") for i in range(60)]
    for w in workers:
        factories.offer(first, w)
        factories.offer(second, w)
    forms = [reply_form(w.phone, f"YES {code}") for w in workers for code in ("4821", "7777")]
    results = fire(live_server, forms)
    assert all(status == 200 and body.count("<Message>") == 1 for status, body in results)
    db.session.expire_all()
    holding = db.session.execute(select(Offer.worker_id, func.count()).where(Offer.state.in_(HOLDING_STATES))
                                 .group_by(Offer.worker_id)).all()
    assert all(count == 1 for _, count in holding), "a worker holds two overlapping shifts"
    for order in (first, second):
        assert db.session.scalar(select(func.count()).select_from(Offer).where(
            Offer.order_id == order.id, Offer.state.in_(HOLDING_STATES))) == 15
