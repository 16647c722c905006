"""The dispatcher acts while replies arrive: every decision under a lock reads the rows as committed.

Each test holds the first side's locks in a second real connection (as the other request
would), starts the second side, waits until it is blocked on those locks, commits the
first side, and checks that the second decided on what was committed.
"""
from datetime import timedelta

from sqlalchemy import func, select, text

from core.models import Outbox
from core.timeutil import utcnow
from dispatch import inbound, sweep
from orders import attendance
from orders import service as orders_service
from orders.models import Attendance, Order
from dispatch.models import Message, MessageReader, Offer
from tests import factories
from tests.races import Holder, in_thread, wait_for_lock_wait


def _state(db, offer_id):
    db.session.expire_all()
    return db.session.get(Offer, offer_id).state


def test_a_yes_waiting_behind_a_cancellation_books_nothing(app, db, city):
    order = factories.order(city.a_site, needed=1, target=2, code="4821")
    worker = factories.worker(city.moscow, language="en", phone="+79160000001")
    offer = factories.offer(order, worker)
    dispatcher = Holder()  # cancel_order: the order locked, it and its offers cancelled
    dispatcher.lock("order", order.id)
    dispatcher.execute('UPDATE "order" SET status = \'cancelled\' WHERE id = :id', id=order.id)
    dispatcher.execute("UPDATE offer SET state = 'cancelled' WHERE order_id = :id", id=order.id)
    reply = in_thread(app, inbound.handle_inbound, "SMrace00000000000000000000000001", worker.phone, "YES 4821")
    wait_for_lock_wait(reply)
    dispatcher.commit()
    assert "no longer taking workers" in reply.result(timeout=20)
    assert _state(db, offer.id) == "cancelled"
    assert db.session.get(Order, order.id).status == "cancelled"


def test_a_confirmation_waiting_behind_an_unbooking_does_not_take_the_place_back(app, db, city):
    order = factories.order(city.a_site, needed=1, target=1, code="4822")
    worker = factories.worker(city.moscow, language="en", phone="+79160000002")
    offer = factories.offer(order, worker, state="booked", booked_at=utcnow())
    dispatcher = Holder()  # console.unbook: the worker, then the order, locked; the place cancelled
    dispatcher.lock("worker", worker.id)
    dispatcher.lock("order", order.id)
    dispatcher.execute("UPDATE offer SET state = 'cancelled' WHERE id = :id", id=offer.id)
    dispatcher.execute('UPDATE "order" SET status = \'dispatching\' WHERE id = :id', id=order.id)
    reply = in_thread(app, inbound.handle_inbound, "SMrace00000000000000000000000002", worker.phone, "1")
    wait_for_lock_wait(reply)  # on the worker's row: the reply locks him in the read that finds him
    dispatcher.commit()
    # It looked for his places only once he was its own: the place was gone by then.
    assert "You have no open offer" in reply.result(timeout=20)
    assert _state(db, offer.id) == "cancelled"


def test_the_sweep_does_not_expire_a_place_confirmed_while_it_waited(app, db, city):
    now = utcnow()
    order = factories.order(city.a_site, needed=1, target=1, code="4823", starts_at=now + timedelta(hours=1))
    late, waiting = (factories.worker(city.moscow, language="en", phone=f"+7916000001{i}") for i in range(2))
    booked = factories.offer(order, late, state="booked", booked_at=now - timedelta(days=1), reminder_stage=2,
                             confirm_by=now - timedelta(minutes=1))
    queued = factories.offer(order, waiting, state="waitlisted", answered_at=now - timedelta(hours=3))
    worker_reply = Holder()  # the late worker's "1" arrived first: he is confirmed
    worker_reply.lock("worker", late.id)
    worker_reply.lock("order", order.id)
    worker_reply.execute("UPDATE offer SET state = 'confirmed', confirm_by = NULL, confirmed_at = now() WHERE id = :id",
                         id=booked.id)
    sweeping = in_thread(app, sweep.sweep, now)
    wait_for_lock_wait(sweeping)
    worker_reply.commit()
    sweeping.result(timeout=20)
    assert _state(db, booked.id) == "confirmed"
    assert _state(db, queued.id) == "waitlisted"


def test_a_double_click_on_send_out_promises_one_dispatch(app, db, city):
    order = factories.order(city.a_site, needed=2, target=3, code="4824", status="draft",
                            starts_at=utcnow() + timedelta(days=2))
    first_click = Holder()  # confirm_order of the first click: locked, dispatching, its first wave promised
    first_click.lock("order", order.id)
    first_click.execute('UPDATE "order" SET status = \'dispatching\' WHERE id = :id', id=order.id)
    first_click.execute("INSERT INTO outbox (job, args, queue, created_at, attempts) "
                        "VALUES ('dispatch.jobs.plan_order', :args, 'dispatch', now(), 0)", args=f"[{order.id}]")

    def second_click():
        loaded = orders_service.get_order(order.id)  # the page loaded the draft before the first click landed
        try:
            orders_service.confirm_order(loaded)
        except orders_service.OrderError as exc:
            return str(exc)
        return "sent out twice"

    click = in_thread(app, second_click)
    wait_for_lock_wait(click)
    first_click.commit()
    assert click.result(timeout=20) == "Only a draft can be sent out."
    assert db.session.scalar(select(func.count()).select_from(Outbox)) == 1


def test_closing_a_shift_takes_locks_in_the_order_replies_take_them(app, db, city):
    order = factories.order(city.a_site, needed=2, target=2, code="4825", status="in_progress",
                            starts_at=utcnow() - timedelta(hours=9))
    crew = [factories.worker(city.moscow, phone=f"+7916000002{i}") for i in range(2)]
    for worker in crew:
        factories.offer(order, worker, state="confirmed", booked_at=utcnow() - timedelta(days=1))
        factories._save(Attendance(order_id=order.id, worker_id=worker.id, outcome="came", quality=5,
                                   franchise_id=order.franchise_id))
    reply = Holder()  # a reply of crew[1] to another order: his row first...
    reply.lock("worker", crew[1].id)
    close = in_thread(app, lambda: attendance.close_shift(orders_service.get_order(order.id), None))
    wait_for_lock_wait(close)
    reply.lock("order", order.id)  # ...then that order's row: never a deadlock with the closing
    reply.commit()
    close.result(timeout=20)
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "completed"


def _first_delivery(holder, worker, order, sid, answer):
    """What the first delivery of a sid has done when it is about to commit: its message is written, uncommitted."""
    holder.execute("INSERT INTO message (sid, direction, phone, body, status, kind, needs_attention, attempts, answer, "
                   "worker_id, order_id, franchise_id, created_at, updated_at) VALUES (:sid, 'in', :phone, 'YES 4821', "
                   "'received', 'reply', false, 0, :answer, :worker, :order, :franchise, now(), now())",
                   sid=sid, phone=worker.phone, answer=answer, worker=worker.id,
                   order=order.id if order else None, franchise=order.franchise_id if order else None)


def test_a_sid_delivered_twice_at_once_acts_once_and_both_get_the_first_answer(app, db, city):
    order = factories.order(city.a_site, needed=1, target=2, code="4821")
    worker = factories.worker(city.moscow, language="en", phone="+79160000031")
    offer = factories.offer(order, worker)
    sid = "SMrace00000000000000000000000031"
    first = Holder()  # the first delivery: it holds the worker, has booked him, and wrote the message
    first.lock("worker", worker.id)
    first.lock("order", order.id)
    first.execute("UPDATE offer SET state = 'booked', booked_at = now(), answered_at = now() WHERE id = :id",
                  id=offer.id)
    _first_delivery(first, worker, order, sid, "You are booked for order 4821.")
    again = in_thread(app, inbound.handle_inbound, sid, worker.phone, "YES 4821")
    wait_for_lock_wait(again)  # on the worker's row
    first.commit()
    # The repeat then found him booked and confirmed him, and failed at its INSERT: all of that was rolled back.
    assert again.result(timeout=20) == "You are booked for order 4821."
    assert _state(db, offer.id) == "booked"
    assert db.session.scalar(select(func.count()).select_from(Message).where(Message.sid == sid)) == 1


def test_a_text_delivered_twice_at_once_waits_at_its_insert_and_leaves_no_second_reader(app, db, city):
    worker = factories.worker(city.moscow, language="en", phone="+79160000032")
    sid = "SMrace00000000000000000000000032"
    first = Holder()  # free text takes no lock: the first delivery has only written the message
    _first_delivery(first, worker, None, sid, "We did not understand.")
    again = in_thread(app, inbound.handle_inbound, sid, worker.phone, "Can I bring my brother?")
    wait_for_lock_wait(again)  # on the sid's unique index
    first.commit()
    assert again.result(timeout=20) == "We did not understand."
    assert db.session.scalar(select(func.count()).select_from(Message).where(Message.sid == sid)) == 1
    assert db.session.scalar(select(func.count()).select_from(MessageReader)) == 0


def test_a_yes_holds_the_worker_from_the_read_that_finds_him_while_it_waits_for_the_order(app, db, city):
    order = factories.order(city.a_site, needed=1, target=2, code="4821")
    worker = factories.worker(city.moscow, language="en", phone="+79160000033")
    offer = factories.offer(order, worker)
    dispatcher = Holder()  # the order locked, as a dispatcher's change to it does
    dispatcher.lock("order", order.id)
    reply = in_thread(app, inbound.handle_inbound, "SMrace00000000000000000000000033", worker.phone, "YES 4821")
    wait_for_lock_wait(reply)  # on the order's row...
    with db.engine.connect() as other:  # ...holding the worker's: the lock order worker -> order
        assert other.execute(text("SELECT id FROM worker WHERE id = :id FOR NO KEY UPDATE SKIP LOCKED"),
                             {"id": worker.id}).first() is None
    dispatcher.commit()
    assert "You are booked" in reply.result(timeout=20)
    assert _state(db, offer.id) == "booked"


def test_a_yes_waiting_for_the_order_counts_the_place_taken_while_it_waited(app, db, city):
    """The YES reads its offer and the order's places in the round trip that locks the order (dispatch.yes_read): the
    count must still be taken after the lock is granted, so a place booked meanwhile is seen and the YES waits."""
    order = factories.order(city.a_site, needed=1, target=1, code="4823")
    first, second = (factories.worker(city.moscow, language="en", phone=f"+7916000004{i}") for i in range(2))
    taken, waiting = factories.offer(order, first), factories.offer(order, second)
    dispatcher = Holder()  # another YES (or a booking by hand) holding the order: it takes the one place
    dispatcher.lock("worker", first.id)
    dispatcher.lock("order", order.id)
    dispatcher.execute("UPDATE offer SET state = 'booked', answered_at = now() - interval '1 minute' WHERE id = :id",
                       id=taken.id)
    reply = in_thread(app, inbound.handle_inbound, "SMrace00000000000000000000000041", second.phone, "YES 4823")
    wait_for_lock_wait(reply)
    dispatcher.commit()
    assert "is full: you are #1 on the waitlist" in reply.result(timeout=20)
    assert (_state(db, taken.id), _state(db, waiting.id)) == ("booked", "waitlisted")
