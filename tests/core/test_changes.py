"""The audit log as people read it: fields by their labels, codes by their names, times in the record's zone."""
import re
from datetime import datetime, timezone
from decimal import Decimal

from freezegun import freeze_time

from core.changes import FIELD_LABELS, RECORD_LABELS, field_label
from core.audit import _audited
from extensions import db as _db
from tests import factories
from tests.core.test_words import visible_text

MOMENT = datetime(2026, 12, 1, 10, tzinfo=timezone.utc)


def _audited_columns():
    for mapper in _db.Model.registry.mappers:
        cls = mapper.class_
        if getattr(cls, "__audited__", False):
            for attr in filter(_audited, mapper.column_attrs):
                yield cls.__tablename__, attr.key


def _read(response) -> str:
    return re.sub(r"\s+", " ", visible_text(response.get_data(as_text=True), "ru")).replace(" :", ":")


def test_every_audited_table_and_column_has_a_label(app):
    columns = list(_audited_columns())
    assert len(columns) > 100
    assert sorted({table for table, _column in columns} - set(RECORD_LABELS)) == []
    assert [f"{t}.{c}" for t, c in columns if field_label(t, c) == c] == []
    assert set(FIELD_LABELS) == set(RECORD_LABELS)


def test_the_history_shows_labels_words_money_and_the_records_local_time(client, auth, db, city):
    far_east = factories.region(name="Vladivostok", code="VVO", timezone="Asia/Vladivostok")
    with freeze_time(MOMENT):
        worker = factories.worker(far_east, status="applicant", language="ru")
        order = factories.order(city.a_site, pay_rate=Decimal("300.00"))
        db.session.refresh(worker), db.session.refresh(order)  # loaded, as a service loads what it changes
        worker.status, worker.language, worker.opted_out = "suspended", "en", True
        order.status, order.pay_rate = "filled", Decimal("350.00")
        db.session.commit()
        city.admin.locale = "ru"
        db.session.commit()
        auth.login(city.admin.email)
        card = _read(client.get(f"/records/worker/{worker.id}/history"))
        shift = _read(client.get(f"/records/order/{order.id}/history"))
    assert "История: рабочий" in card
    assert "Статус: кандидат → приостановлен" in card
    assert "Язык SMS: русский → английский" in card and "Отказался от SMS: нет → да" in card
    assert "01.12.2026, 20:00 +10" in card  # 10:00 UTC, in Vladivostok where the worker lives
    assert "status" not in card and "opted_out" not in card and "applicant" not in card
    assert "Статус: идёт набор → набран" in shift
    assert "Ставка рабочему: 300,00 ₽ → 350,00 ₽" in shift  # (no-break spaces read as spaces here)
    assert "01.12.2026, 13:00 MSK" in shift  # Moscow
    assert "pay_rate" not in shift and "dispatching" not in shift and "filled" not in shift
