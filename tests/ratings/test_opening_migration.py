"""Migration 0012: workers whose figures stood without a history get an opening record that gives them."""
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from flask_migrate import upgrade
from sqlalchemy import MetaData, Table, insert, select

from app import create_app
from config import Config
from extensions import db
from ratings import service
from ratings.models import RatingEvent
from workers.models import Worker


@pytest.fixture
def laptop(tmp_path):
    """An app on a SQLite file, migrated to just before opening records."""
    class LaptopConfig(Config):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'artel.sqlite3'}"
        REDIS_URL = None
        RATELIMIT_STORAGE_URI = "memory://"
        EMBEDDED_WORKER = False
        SECRET_KEY = "laptop"
        GEOCODER_URL = ""

    app = create_app(LaptopConfig)
    with app.app_context():
        upgrade(revision="0011")
        yield app
        db.session.remove()
        db.engine.dispose()


def _raw_insert(table_name, **values) -> int:
    table = Table(table_name, MetaData(), autoload_with=db.session.connection())
    model = db.metadata.tables[table_name]
    row = {c.name: model.c[c.name].default.arg for c in table.columns
           if c.name in model.c and model.c[c.name].default is not None and model.c[c.name].default.is_scalar}
    row.update({k: datetime(2026, 11, 30, tzinfo=timezone.utc) for k in ("created_at", "updated_at") if k in table.c},
               **values)
    return db.session.execute(insert(table).values(row)).inserted_primary_key[0]


def test_seeded_figures_become_an_opening_record_later_shifts_build_on(laptop):
    region = _raw_insert("region", code="MSK", name="Москва", timezone="Europe/Moscow", center_lat=55.75,
                         center_lon=37.62, radius_km=40)
    seeded = _raw_insert("worker", region_id=region, first_name="Пётр", last_name="Опытный", phone="+79123456701",
                         rating=Decimal("5.00"), reliability=Decimal("0.956"), shifts_worked=106)
    newcomer = _raw_insert("worker", region_id=region, first_name="Иван", last_name="Новый", phone="+79123456702")
    db.session.commit()
    upgrade()
    db.session.expire_all()
    (opening,) = db.session.scalars(select(RatingEvent))
    # 0.956 over 106 shifts: (7 + 106) / (10 + 106 + N) = 0.956 for N = 2.2, so 2 no-shows (113 / 118)
    assert (opening.worker_id, opening.opening_shifts, opening.opening_no_shows, opening.opening_rating) == (
        seeded, 106, 2, Decimal("5.00"))
    worker = db.session.get(Worker, seeded)
    assert (worker.rating, worker.reliability, worker.shifts_worked) == (Decimal("5.00"), Decimal("0.958"), 106)
    service.record_event(seeded, "came", datetime(2026, 12, 1, tzinfo=timezone.utc), quality=5)
    db.session.expire_all()
    worker = db.session.get(Worker, seeded)
    assert (worker.rating, worker.reliability, worker.shifts_worked) == (Decimal("5.00"), Decimal("0.958"), 107)
    assert db.session.get(Worker, newcomer).rating == Decimal("3.50")
    assert service.history(db.session.get(Worker, newcomer)) == []
