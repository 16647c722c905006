"""The status workflow: interviewed before the first job, reasons for suspensions, opt-out is the worker's."""
import pytest
from sqlalchemy import select

from tests import factories
from workers import service
from workers.availability import hours_mask
from workers.models import Interview, StatusChange, Worker


SPLIT_DAY = hours_mask(8, 13) | hours_mask(14, 20)


@pytest.fixture
def applicant(db, network):
    return factories.worker(network.moscow, status="applicant", first_name="Новый", last_name="Кандидат")


def reload(db, worker_id):
    db.session.expire_all()
    return db.session.get(Worker, worker_id)


def test_an_applicant_cannot_be_activated_without_an_interview(client, auth, db, network, applicant):
    auth.login(network.a_recruiter.email)
    response = client.post(f"/workers/{applicant.id}/status", data={"status": "active"})
    assert response.status_code == 400
    assert "must interview the worker" in response.get_data(as_text=True)
    assert reload(db, applicant.id).status == "applicant"


def test_an_approved_interview_activates_and_is_recorded(client, auth, db, network, applicant):
    auth.login(network.a_recruiter.email)
    response = client.post(f"/workers/{applicant.id}/interview", data={"outcome": "approved", "notes": "Опыт 3 года"})
    assert response.status_code == 302
    worker = reload(db, applicant.id)
    assert worker.status == "active"
    interview = db.session.scalar(select(Interview).where(Interview.worker_id == applicant.id))
    assert (interview.recruiter_id, interview.outcome, interview.notes) == (network.a_recruiter.id, "approved", "Опыт 3 года")
    change = db.session.scalar(select(StatusChange).where(StatusChange.worker_id == applicant.id))
    assert (change.from_status, change.to_status, change.by_id) == ("applicant", "active", network.a_recruiter.id)


def test_a_rejected_interview_leaves_an_applicant(client, auth, db, network, applicant):
    auth.login(network.a_recruiter.email)
    client.post(f"/workers/{applicant.id}/interview", data={"outcome": "rejected"})
    assert reload(db, applicant.id).status == "applicant"
    assert client.post(f"/workers/{applicant.id}/status", data={"status": "active"}).status_code == 400


def test_suspending_needs_a_reason_and_records_it(client, auth, db, network):
    auth.login(network.a_partner.email)
    worker_id = network.a_worker.id
    assert client.post(f"/workers/{worker_id}/status", data={"status": "suspended", "reason": " "}).status_code == 400
    assert reload(db, worker_id).status == "active"
    assert client.post(f"/workers/{worker_id}/status", data={"status": "suspended", "reason": "опоздания"}).status_code == 302
    worker = reload(db, worker_id)
    assert (worker.status, worker.status_reason) == ("suspended", "опоздания")


@pytest.mark.parametrize("start,target", [("applicant", "suspended"), ("active", "applicant"), ("banned", "suspended")])
def test_moves_outside_the_workflow_are_refused(db, network, start, target):
    worker = factories.worker(network.moscow, status=start)
    with pytest.raises(service.WorkerError):
        service.change_status(worker, target, "why not", network.a_partner)
    assert reload(db, worker.id).status == start


def test_dispatchers_cannot_change_status(client, auth, network):
    auth.login(network.a_dispatcher.email)
    assert client.post(f"/workers/{network.a_worker.id}/status", data={"status": "banned", "reason": "x"}).status_code == 403


def test_only_the_worker_can_clear_an_opt_out(client, auth, db, network):
    network.a_worker.opted_out = True
    db.session.commit()
    auth.login(network.a_recruiter.email)
    card = client.get(f"/workers/{network.a_worker.id}/edit").get_data(as_text=True)
    assert "opted_out" not in card
    response = client.post(f"/workers/{network.a_worker.id}/edit", data={
        "first_name": "Иван", "last_name": "Петров", "phone": network.a_worker.phone, "region_id": network.moscow.id,
        "language": "ru", "opted_out": "", "max_travel_km": "20"})
    assert response.status_code == 302
    worker = reload(db, network.a_worker.id)
    assert worker.opted_out is True and worker.first_name == "Иван" and worker.max_travel_km == 20


def test_editing_availability_and_a_bad_range(client, auth, db, network):
    auth.login(network.a_recruiter.email)
    base = {"first_name": "A", "last_name": "B", "phone": network.a_worker.phone, "region_id": network.moscow.id,
            "language": "ru"}
    response = client.post(f"/workers/{network.a_worker.id}/edit", data={**base, "avail_mon": "08-13, 14-20", "avail_sun": ""})
    assert response.status_code == 302
    worker = reload(db, network.a_worker.id)
    assert worker.avail_mon == SPLIT_DAY and worker.avail_sun == 0 and worker.avail_tue == (1 << 24) - 1
    bad = client.post(f"/workers/{network.a_worker.id}/edit", data={**base, "avail_mon": "25-26"})
    assert bad.status_code == 400 and "Type hours like 08-20" in bad.get_data(as_text=True)
    assert reload(db, network.a_worker.id).avail_mon == SPLIT_DAY


def test_days_off_are_added_once_and_removed(client, auth, db, network):
    auth.login(network.a_recruiter.email)
    url = f"/workers/{network.a_worker.id}/blackouts"
    assert client.post(url, data={"day": "2026-12-31", "note": "Новый год"}).status_code == 302
    assert client.post(url, data={"day": "2026-12-31"}).status_code == 302
    blackouts = service.blackouts(reload(db, network.a_worker.id))
    assert [(b.day.isoformat(), b.note) for b in blackouts] == [("2026-12-31", "Новый год")]
    assert client.post(url, data={"day": "31.12.2026"}).status_code == 400
    blackout_id = blackouts[0].id
    assert client.post(f"{url}/{blackout_id}/delete").status_code == 302
    assert service.blackouts(reload(db, network.a_worker.id)) == []
    assert client.post(f"{url}/{blackout_id}/delete").status_code == 404


def test_head_office_manages_the_skill_list(client, auth, db, network):
    auth.login(network.admin.email)
    assert client.post("/workers/skills", data={"code": "welder", "name_en": "Welder", "name_ru": "Сварщик"}).status_code == 302
    assert "Сварщик" in client.get("/workers/skills").get_data(as_text=True)
    again = client.post("/workers/skills", data={"code": "welder", "name_en": "Welder", "name_ru": "Сварщик"})
    assert again.status_code == 400 and "already on the list" in again.get_data(as_text=True)
    assert client.post("/workers/skills", data={"code": "Bad Code!", "name_en": "x", "name_ru": "y"}).status_code == 400
    auth.logout()
    auth.login(network.a_partner.email)
    assert client.get("/workers/skills").status_code == 403
