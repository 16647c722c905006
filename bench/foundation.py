"""Foundation figures: demo data at scale, and what central tenancy scoping costs."""
import time

from flask import g
from sqlalchemy import func, select

from bench.harness import p50, percentile, timings_ms
from core import tenancy
from demo import builder as demo
from core.models import User
from extensions import db
from workers import service as workers_service
from workers.models import Worker

WORKERS = 100_000


def run(app) -> dict:
    started = time.perf_counter()
    demo.generate(workers=WORKERS, franchises=40, clients=200, seed=7, echo=lambda *a, **k: None)
    seconds = time.perf_counter() - started
    figures = {"demo_100k_workers_s": seconds, "demo_workers_per_s": WORKERS / seconds}
    figures.update(_tenancy_overhead(app))
    return figures


def _tenancy_overhead(app) -> dict:
    """Time one page of a franchise's worker list: scoped centrally vs a hand-written filter."""
    partner = db.session.scalar(select(User).where(User.email == "partner@demo.artel"))
    scope = tenancy.scope_for_user(partner)
    phone = db.session.scalar(select(Worker.phone).where(Worker.region_id == scope.region_ids[0]).limit(1))

    def scoped():
        with app.test_request_context():
            tenancy.activate(scope)
            workers_service.search_workers("", "active", 3)
            workers_service.find_by_phone(phone)
            db.session.remove()

    def explicit():
        with app.test_request_context():
            g.tenant_scope = None
            region = scope.region_ids[0]
            stmt = select(Worker).where(Worker.region_id == region, Worker.status == "active", Worker.deleted_at.is_(None))
            db.session.scalar(select(func.count()).select_from(stmt.subquery()))
            list(db.session.scalars(stmt.order_by(Worker.last_name, Worker.id).limit(50).offset(100)))
            db.session.scalar(select(Worker).where(Worker.region_id == region, Worker.phone == phone))
            db.session.remove()

    scoped_ms, explicit_ms = [], []
    for _ in range(5):  # interleave so machine noise hits both alike
        scoped_ms += timings_ms(scoped, repeat=20)
        explicit_ms += timings_ms(explicit, repeat=20)
    return {
        "tenancy_scoped_p50_ms": p50(scoped_ms),
        "tenancy_scoped_p95_ms": percentile(scoped_ms, 95),
        "tenancy_handwritten_p50_ms": p50(explicit_ms),
        "tenancy_overhead_ratio": p50(scoped_ms) / p50(explicit_ms),
    }
