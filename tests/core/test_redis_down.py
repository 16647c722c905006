"""With Redis down, the office keeps working: people log in, read pages and create orders.

The app runs in a process of its own (tests/core/app_process.py) against a Redis URL on a port
nothing listens on, or against a redis-server of the test's own that it stops and starts again.
"""
import requests
from sqlalchemy import select

from core import outbox, queue
from core.models import Outbox
from orders.models import Order
from tests.core.app_process import AppServer
from tests.core.redis_process import RedisServer, free_port
from tests.dispatch.rq_process import eventually
from tests.factories import PASSWORD

PAGES = ("/orders/", "/orders/new", "/workers/", "/clients/", "/dispatch/inbox")


def log_in(server, email, password=PASSWORD) -> requests.Response:
    return requests.post(f"{server.url}/login", data={"email": email, "password": password}, allow_redirects=False)


def test_with_redis_down_people_log_in_read_pages_and_create_orders(app, db, network, tmp_path):
    with AppServer(tmp_path, TEST_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0") as server:
        office = requests.Session()
        signed_in = office.post(f"{server.url}/login", data={"email": network.a_dispatcher.email, "password": PASSWORD},
                                allow_redirects=False)
        assert signed_in.status_code == 302, server.output()
        for page in PAGES:
            assert office.get(f"{server.url}{page}").status_code == 200, f"{page}:\n{server.output()}"
        created = office.post(f"{server.url}/orders/new", allow_redirects=False, data={
            "site_id": network.a_site.id, "work_type": "loading", "workers_needed": "3", "day": "2030-06-05",
            "start": "09:00", "end": "18:00", "overbooking": "1.5", "pay_rate": "120", "bill_rate": "240"})
        assert created.status_code == 302, server.output()
        assert office.get(f"{server.url}{created.headers['Location']}").status_code == 200

        order = db.session.scalars(select(Order)).one()
        assert (order.franchise_id, order.workers_needed, order.status) == (network.a.id, 3, "dispatching")
        promised = db.session.scalars(select(Outbox)).one()  # committed with the order, waiting for Redis
        assert (promised.job, promised.args, promised.enqueued_at) == ("dispatch.jobs.plan_order", [order.id, 1], None)
        assert promised.attempts >= 1 and "ConnectionError" in promised.last_error

        # The login limit still holds, counted in this process's memory meanwhile.
        assert [log_in(server, network.a_partner.email, "wrong").status_code for _ in range(5)] == [400] * 5
        assert log_in(server, network.a_partner.email, "wrong").status_code == 429
        assert log_in(server, network.b_dispatcher.email).status_code == 302

    # Redis is back (here: the suite's own): the row leaves on the next relay, as one job.
    db.session.expire_all()
    assert outbox.relay() == 1
    assert queue.get_queue("dispatch").job_ids == [f"outbox-{promised.id}"]


def test_the_login_limit_counts_in_redis_again_once_it_returns(app, db, network, tmp_path):
    redis_server = RedisServer(tmp_path)
    redis_server.start()
    try:
        with AppServer(tmp_path, TEST_REDIS_URL=redis_server.url) as server:
            conn = redis_server.connection()
            assert log_in(server, network.a_partner.email, "wrong").status_code == 400
            assert conn.keys("LIMITS*"), "the limiter counts in Redis while it is up"
            redis_server.stop()
            assert log_in(server, network.a_partner.email, "wrong").status_code == 400, server.output()
            assert log_in(server, network.a_dispatcher.email).status_code == 302
            redis_server.start()
            conn = redis_server.connection()
            conn.flushdb()
            back = eventually(lambda: log_in(server, network.b_partner.email, "wrong").status_code == 400
                              and conn.keys("LIMITS*"), 60, every=0.5)
            assert back, f"the limiter never went back to Redis:\n{server.output()}"
    finally:
        redis_server.stop()
