"""The search fold: one case in every alphabet, ё as е, phones as runs of digits; and SQLite folds alike."""
from datetime import datetime, timezone

import pytest
from flask_migrate import upgrade
from sqlalchemy import MetaData, Table, insert

from app import create_app
from clients import service as clients_service
from clients.models import Client
from config import Config
from core.search import fold, phone_digits, search_terms, search_text
from extensions import db
from workers import service as workers_service
from workers.models import Worker


@pytest.mark.parametrize("typed,folded", [
    ("Алексеев", "алексеев"), ("ПРОМ", "пром"), ("Фёдоров", "федоров"), ("ЁЛКА", "елка"), ("SMITH", "smith"),
    ("  ООО   «Кровля-Профи» ", "ооо «кровля-профи»"), ("Straße", "strasse"), ("", ""), (None, ""),
])
def test_fold(typed, folded):
    assert fold(typed) == folded


def test_phone_digits_carry_the_russian_trunk_8():
    assert phone_digits("+79123456789") == "79123456789 89123456789"
    assert phone_digits("+442079460958") == "442079460958"
    assert phone_digits(None) == phone_digits("") == phone_digits("erased-12") == ""


def test_search_text_of_a_row():
    assert search_text(["Иван", "Фёдоров"], ["+79161112233"]) == "иван федоров 79161112233 89161112233"
    assert search_text(["ООО «Ёж»"], [None], ["7701234567"]) == "ооо «еж» 7701234567"


@pytest.mark.parametrize("typed,terms", [
    ("Иван  АЛЕКСЕЕВ", ["иван", "алексеев"]), ("912 345", ["912345"]), ("8 (912) 345-67", ["891234567"]),
    ("+7 (912) 345", ["7912345"]), ("Фёдоров 912", ["федоров", "912"]), ("", []), ("   ", []), ("№3", ["№3"]),
    ("a b c d e f g h i j", list("abcdefgh")),
])
def test_search_terms(typed, terms):
    assert search_terms(typed) == terms


@pytest.fixture
def laptop(tmp_path):
    """The embedded default: an app on a SQLite file, migrated to just before the search text."""
    class LaptopConfig(Config):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'artel.sqlite3'}"
        REDIS_URL = None
        RATELIMIT_STORAGE_URI = "memory://"
        EMBEDDED_WORKER = False
        SECRET_KEY = "laptop"
        GEOCODER_URL = ""

    app = create_app(LaptopConfig)
    with app.app_context():
        upgrade(revision="0010")
        yield app
        db.session.remove()
        db.engine.dispose()


def _raw_insert(table_name, **values) -> int:
    """Insert a row as the schema of the moment has it (no search column yet), model defaults filled in."""
    table = Table(table_name, MetaData(), autoload_with=db.session.connection())
    model = db.metadata.tables[table_name]
    now = datetime(2026, 11, 30, tzinfo=timezone.utc)
    row = {c.name: model.c[c.name].default.arg for c in table.columns
           if c.name in model.c and model.c[c.name].default is not None and model.c[c.name].default.is_scalar}
    row.update({k: now for k in ("created_at", "updated_at") if k in table.c}, **values)
    return db.session.execute(insert(table).values(row)).inserted_primary_key[0]


def test_sqlite_folds_cyrillic_for_rows_old_and_new(laptop):
    region = _raw_insert("region", code="MSK", name="Москва", timezone="Europe/Moscow", center_lat=55.75,
                         center_lon=37.62, radius_km=40)
    franchise = _raw_insert("franchise", name="Артель Москва", tier="official", region_id=region,
                            royalty_rate=0.15)
    old_worker = _raw_insert("worker", region_id=region, first_name="Алексей", last_name="АЛЕКСЕЕВ",
                             phone="+79123456789")
    old_client = _raw_insert("client", franchise_id=franchise, name="ООО «ПромКомплект»", inn="7701234567")
    db.session.commit()
    upgrade()  # the migration folds the rows already there

    def workers(q):
        return {w.id for w, _distance in workers_service.search_workers(q)[0]}

    assert workers("алексеев") == workers("Алексеев") == workers("8 912 345") == {old_worker}
    assert [c.id for c in clients_service.search_clients("пром")[0]] == [old_client]

    new = Worker(region_id=region, first_name="Иван", last_name="Фёдоров", phone="+79161112233")
    db.session.add(new)
    db.session.execute(insert(Worker), [{"region_id": region, "first_name": "Ольга", "last_name": "ЁЛКИНА",
                                         "phone": "+79050000001"}])
    db.session.add(Client(franchise_id=franchise, name="АО «Кровля-Профи»"))
    db.session.commit()
    assert workers("ИВАН федоров") == {new.id}
    assert len(workers("елкина")) == 1
    assert [c.name for c in clients_service.search_clients("КРОВЛЯ")[0]] == ["АО «Кровля-Профи»"]

    new.last_name = "Семёнов"
    db.session.commit()
    assert workers("семенов") == {new.id} and workers("федоров") == set()
