"""Erasing a worker's personal data: head office only, audited, and thorough, while the figures keep counting."""
import json
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, or_, select

from core.models import AuditEntry
from dispatch.models import Message, Offer
from orders.models import Attendance
from ratings import service as ratings_service
from ratings.models import RatingEvent
from tests import factories
from workers import service
from workers.models import Interview, StatusChange, Worker, WorkerBlackout

PHONE = "+79161234567"
SECRETS = ("Lives with his mother, Lenina 5", "Fought with the foreman", "Hospital, knee surgery",
           "Smelled of alcohol", "Can I bring my brother Oleg", "Oleg is welcome", "Vasily")


@pytest.fixture
def history(db, city):
    """A worker with everything a franchise gathers about him: notes, reasons, shifts, ratings and texts."""
    worker = factories.worker(city.moscow, first_name="Vasily", last_name="Tyorkin", phone=PHONE, status="applicant",
                              notes="Prefers night shifts")
    service.record_interview(worker, city.a_recruiter, "approved", SECRETS[0])
    service.change_status(worker, "suspended", SECRETS[1], city.a_recruiter)
    service.add_blackout(worker, date(2026, 12, 24), SECRETS[2])
    order = factories.order(city.a_site, code="4821")
    factories.offer(order, worker, state="booked")
    factories._save(Attendance(order_id=order.id, worker_id=worker.id, franchise_id=order.franchise_id, outcome="came",
                               hours=8, quality=4))
    ratings_service.record_event(worker.id, "came", datetime(2026, 12, 2, 14, tzinfo=timezone.utc), quality=4,
                                 order_id=order.id, note=SECRETS[3])
    texts = [dict(direction="in", body=SECRETS[4], answer=SECRETS[5], worker_id=worker.id),
             dict(direction="out", body=f"{SECRETS[6]}, order 4821 tomorrow", kind="offer", worker_id=worker.id),
             dict(direction="in", body=f"This is {SECRETS[6]}, new number", worker_id=None)]  # before he was known
    for text in texts:
        factories._save(Message(phone=PHONE, region_id=city.moscow.id, order_id=order.id, status="received", **text))
    return worker


def counts(db, worker_id) -> dict:
    db.session.expire_all()
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model).where(model.worker_id == worker_id))
            for model in (Offer, Attendance, RatingEvent, Message, StatusChange, Interview, WorkerBlackout)}


@pytest.mark.parametrize("role", ["a_recruiter", "a_partner", "a_dispatcher", "b_partner"])
def test_only_head_office_downloads_or_erases_personal_data(client, auth, db, city, history, role):
    auth.login(getattr(city, role).email)
    assert client.get(f"/workers/{history.id}/personal-data").status_code == 403
    assert client.post(f"/workers/{history.id}/erase").status_code == 403
    page = client.get(f"/workers/{history.id}").get_data(as_text=True)
    assert f"/workers/{history.id}/erase" not in page and "personal-data" not in page
    db.session.expire_all()
    assert db.session.get(Worker, history.id).anonymized_at is None
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action.in_(("export", "erase")))) is None


def test_a_personal_data_download_is_audited_and_holds_the_texts(client, auth, db, city, history):
    auth.login(city.admin.email)
    assert f"/workers/{history.id}/erase" in client.get(f"/workers/{history.id}").get_data(as_text=True)
    response = client.get(f"/workers/{history.id}/personal-data", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert response.status_code == 200
    data = json.loads(response.get_data(as_text=True))
    assert {m["body"] for m in data["messages"]} >= {SECRETS[4]} and data["interviews"][0]["notes"] == SECRETS[0]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export")).one()
    assert (entry.actor_id, entry.table_name, entry.row_id, entry.ip) == (city.admin.id, "worker", history.id, "10.1.2.3")
    assert entry.at is not None


def test_erasure_leaves_no_phone_or_text_anywhere_and_keeps_the_figures(client, auth, db, city, history):
    before = counts(db, history.id)
    auth.login(city.admin.email)
    assert client.post(f"/workers/{history.id}/erase").status_code == 302
    assert counts(db, history.id) == before  # offers, attendance, ratings, messages: still his, still counted

    worker = db.session.get(Worker, history.id)
    assert worker.anonymized_at is not None and worker.status_reason is None and worker.notes is None
    assert worker.rating == ratings_service.recompute(worker).rating and worker.shifts_worked == 1
    messages = db.session.scalars(select(Message).where(or_(Message.worker_id == worker.id,
                                                            Message.phone.like("erased-%")))).all()
    assert len(messages) == 3  # the one from before he was known too
    for message in messages:
        assert message.phone == worker.phone and message.answer is None
        assert not any(secret in message.body for secret in SECRETS)
    assert db.session.scalar(select(func.count()).select_from(Message).where(Message.phone == PHONE)) == 0
    leftovers = [
        *db.session.scalars(select(StatusChange.reason).where(StatusChange.worker_id == worker.id)),
        *db.session.scalars(select(Interview.notes).where(Interview.worker_id == worker.id)),
        *db.session.scalars(select(WorkerBlackout.note).where(WorkerBlackout.worker_id == worker.id)),
        *db.session.scalars(select(RatingEvent.note).where(RatingEvent.worker_id == worker.id)),
    ]
    assert leftovers == [None] * len(leftovers)

    log = json.dumps([[e.changes, e.note] for e in db.session.scalars(select(AuditEntry))], ensure_ascii=False)
    for secret in (PHONE, "Tyorkin", *SECRETS):
        assert secret not in log, f"the audit log keeps {secret!r}"
    erased = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "erase")).one()
    assert (erased.actor_id, erased.table_name, erased.row_id) == (city.admin.id, "worker", worker.id)
    for page in (f"/workers/{worker.id}", "/dispatch/inbox"):  # what is left still reads
        response = client.get(page)
        assert response.status_code == 200 and not any(s in response.get_data(as_text=True) for s in SECRETS)
