"""The laptop default of `make run`: SQLite file, in-process queue, demo data, every role."""
import re
import time
from datetime import timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from app import create_app
from clients.models import Client, Site
from config import Config
from core import queue
from demo import builder as demo
from core.auth import HOME_ENDPOINTS
from core.timeutil import utcnow
from extensions import db
from franchise.models import Region
from tests.conftest import IsolatedClient
from tests.core.queue_jobs import write_proof
from dispatch.candidates import Shift, find_candidates


@pytest.fixture(scope="module")
def laptop(tmp_path_factory):
    folder = tmp_path_factory.mktemp("instance")

    class LaptopConfig(Config):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder / 'artel.sqlite3'}"
        REDIS_URL = None
        RATELIMIT_STORAGE_URI = "memory://"
        EMBEDDED_WORKER = True
        SECRET_KEY = "laptop"
        GEOCODER_URL = ""

    app = create_app(LaptopConfig)
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade()
        result = app.test_cli_runner().invoke(args=["demo", "--workers", "400", "--franchises", "10", "--clients", "12"])
        assert result.exit_code == 0, result.output
    return app


def log_in(client, email):
    """Log in as a browser does here: CSRF is on, so take the token from the form first."""
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    return client.post("/login", data={"email": email, "password": demo.DEMO_PASSWORD, "csrf_token": token})


@pytest.mark.parametrize("email,role,_where", demo.DEMO_USERS)
def test_every_demo_login_lands_on_its_home(laptop, email, role, _where):
    client = laptop.test_client()
    assert client.post("/login", data={"email": email, "password": demo.DEMO_PASSWORD}).status_code == 400  # no CSRF token
    response = log_in(client, email)
    assert response.status_code == 302
    with laptop.test_request_context():
        from flask import url_for

        home = url_for(HOME_ENDPOINTS[role])
    assert response.headers["Location"] == home
    assert client.get(home).status_code == 200


def test_partner_sees_only_its_franchise_on_sqlite(laptop):
    client = laptop.test_client()
    log_in(client, "partner@demo.artel")
    with laptop.app_context():
        partner_clients = {c.name for c in db.session.scalars(select(Client).join(Client.franchise).where(
            Client.franchise.has(name="Артель Москва")))}
        others = {c.name for c in db.session.scalars(select(Client))} - partner_clients
    page = client.get("/clients/").get_data(as_text=True)
    assert partner_clients and all(name in page for name in partner_clients)
    assert not any(name in page for name in others if name not in partner_clients)


def test_candidate_search_runs_on_sqlite(laptop):
    with laptop.app_context():
        site = db.session.scalars(select(Site)).first()
        region = db.session.get(Region, site.client.franchise.region_id)
        from datetime import datetime, timezone

        start = datetime(2026, 12, 5, 7, tzinfo=timezone.utc)  # a Saturday, when everyone is free
        found = find_candidates(Shift(region_id=region.id, lat=site.lat, lon=site.lon, starts_at=start,
                                      ends_at=start + timedelta(hours=8), timezone=region.timezone,
                                      skill_mask=1, radius_km=30.0))
    assert found, "no candidates for a Saturday shift near a demo site"
    assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)
    assert all(c.distance_km <= 30.0 for c in found)


def test_the_in_process_queue_runs_jobs_and_delayed_jobs(laptop, tmp_path):
    now_proof, later_proof = tmp_path / "now", tmp_path / "later"
    with laptop.app_context():
        queue.enqueue(write_proof, str(now_proof), "now")
        queue.enqueue_in(timedelta(seconds=1), write_proof, str(later_proof), "later")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not (now_proof.exists() and later_proof.exists()):
        time.sleep(0.05)
    assert now_proof.read_text() == "now|in-app"
    assert later_proof.read_text() == "later|in-app"
    admin = laptop.test_client()
    log_in(admin, "admin@demo.artel")
    assert admin.get("/healthz").json["queue"]["detail"] == "embedded (in-process)"


def test_the_laptop_dispatches_books_and_reminds_by_itself(laptop):
    """SQLite and the embedded queue do the whole job: waves, the simulator, replies, the reminder sweep."""
    from core import outbox
    from dispatch import simulator, sweep
    from dispatch.models import Message
    from orders import service as order_service
    from dispatch.models import Offer
    from workers.models import Worker

    with laptop.app_context():
        site = db.session.scalars(select(Site).where(Site.lat.is_not(None))).first()
        starts = (utcnow() + timedelta(minutes=100)).replace(second=0, microsecond=0)
        order = order_service.create_order({
            "client_id": site.client_id, "site_id": site.id, "work_type": "loading", "workers_needed": 1,
            "starts_at": starts, "ends_at": starts + timedelta(hours=8), "pay_rate": "100", "bill_rate": "200",
            "urgent": True, "overbooking": "1.0"})

        def offered():
            db.session.expire_all()
            return db.session.scalars(select(Message).where(Message.order_id == order.id, Message.kind == "offer",
                                                            Message.sid.is_not(None))).all()

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not offered():
            time.sleep(0.1)
        first = offered()
        assert first, "the embedded worker sent no offer"
        worker = db.session.get(Worker, first[0].worker_id)
        answer = simulator.reply_as(worker, "YES")
        assert "booked" in answer or "записаны" in answer
        assert db.session.scalar(select(Offer.state).where(Offer.order_id == order.id, Offer.worker_id == worker.id)) \
            in ("booked", "confirmed")
        sweep.sweep()  # the last call is due: the shift starts within two hours
        db.session.commit()
        outbox.relay()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            db.session.expire_all()
            reminder = db.session.scalar(select(Message).where(Message.kind == "reminder", Message.worker_id == worker.id))
            if reminder is not None and reminder.sid:
                break
            time.sleep(0.1)
        assert reminder is not None and reminder.sid, "the reminder was not sent by the embedded worker"


def test_the_head_office_dashboard_adds_up_on_sqlite(laptop):
    """SQLite keeps no time zone: the region's own month still decides, as on PostgreSQL."""
    from datetime import datetime, timezone
    from decimal import Decimal

    from franchise import dashboard
    from tests import factories
    from tests.royalty.conftest import shift

    with laptop.app_context():
        far_east = factories.region(name="Far East", timezone="Asia/Vladivostok")
        branch = factories.franchise(far_east, name="Far East branch", royalty_rate=Decimal("0.10"))
        site = factories.site(factories.client(branch))
        shift(site, datetime(2024, 3, 31, 13, 30, tzinfo=timezone.utc), ["2", "1.5"])  # 23:30 on 31 March there
        shift(site, datetime(2024, 3, 31, 14, 30, tzinfo=timezone.utc), ["5"])  # 00:30 on 1 April there
        shift(site, datetime(2024, 3, 2, 1, 0, tzinfo=timezone.utc), ["3"], bill_rate="213.37", outcome="no_show")
        march = dashboard.network_dashboard("2024-03")
        share = next(s for s in march.regions if s.owner.id == far_east.id)
        assert (share.turnover, share.royalty, share.shifts) == (Decimal("770.00"), Decimal("77.00"), 1)
        assert (march.chosen.needed, march.chosen.filled, march.chosen.marks, march.chosen.no_shows) == (3, 2, 3, 1)
        assert march.ranking[0].owner.id == branch.id
        assert dashboard.network_dashboard("2024-04").chosen.turnover == Decimal("1100.00")
        region_id = far_east.id
    admin = laptop.test_client()
    log_in(admin, "admin@demo.artel")
    page = admin.get("/admin?month=2024-03").get_data(as_text=True)
    assert f'data-testid="region-turnover-{region_id}" data-value="770.00"' in page
