"""Phone numbers: one person however the number was typed."""
import pytest

from core.phones import InvalidPhone, display_phone, normalize_phone, try_normalize_phone
from workers import service as workers_service


@pytest.mark.parametrize("typed", ["8 (912) 345-67-89", "+7 912 345 6789", "89123456789", "+7(912)345-67-89", " 8-912-345-67-89 "])
def test_russian_ways_of_typing_give_one_e164(typed):
    assert normalize_phone(typed) == "+79123456789"


def test_other_countries_keep_their_code():
    assert normalize_phone("+44 20 7946 0958") == "+442079460958"
    assert normalize_phone("020 7946 0958", "GB") == "+442079460958"


@pytest.mark.parametrize("typed", ["", "   ", "12345", "abc", "+7 912 345", "8" * 40, "+999 123 456 789"])
def test_invalid_numbers_are_refused(typed):
    with pytest.raises(InvalidPhone):
        normalize_phone(typed)
    assert try_normalize_phone(typed) is None


def test_display_is_international():
    assert display_phone("+79123456789") == "+7 912 345-67-89"


@pytest.mark.parametrize("typed", ["8 (912) 345-67-89", "+7 912 345 6789", "89123456789"])
def test_worker_search_finds_the_same_person_however_typed(db, network, typed):
    network.a_worker.phone = "+79123456789"
    db.session.commit()
    assert workers_service.find_by_phone(typed).id == network.a_worker.id
    found, total = workers_service.search_workers(typed)
    assert [w.id for w, _distance in found] == [network.a_worker.id] and total == 1


@pytest.mark.parametrize("typed", ["8 (912) 345-67-89", "89123456789"])
def test_worker_page_search_by_phone(client, auth, db, network, typed):
    network.a_worker.phone = "+79123456789"
    db.session.commit()
    auth.login(network.a_recruiter.email)
    page = client.get("/workers/", query_string={"q": typed}).get_data(as_text=True)
    assert network.a_worker.full_name in page


def test_adding_a_worker_with_a_malformed_phone_is_a_field_error(client, auth, db, network):
    auth.login(network.a_recruiter.email)
    response = client.post("/workers/new", data={
        "first_name": "Oleg", "last_name": "Sidorov", "phone": "12345", "region_id": network.moscow.id, "language": "ru",
    })
    assert response.status_code == 400
    assert "This phone number is not valid" in response.get_data(as_text=True)
    assert workers_service.find_by_phone("12345") is None


def test_worker_phone_is_stored_as_e164(client, auth, db, network):
    auth.login(network.a_recruiter.email)
    response = client.post("/workers/new", data={
        "first_name": "Oleg", "last_name": "Sidorov", "phone": "8 (926) 111-22-33", "region_id": network.moscow.id,
        "language": "ru", "skills": ["loader", "rigger"],
    })
    assert response.status_code == 302
    worker = workers_service.find_by_phone("+7 926 111 2233")
    assert worker.phone == "+79261112233" and worker.status == "applicant" and worker.skill_mask == 0b11


def test_duplicate_worker_phone_is_refused_clearly(client, auth, db, network):
    auth.login(network.a_recruiter.email)
    response = client.post("/workers/new", data={
        "first_name": "Copy", "last_name": "Cat", "phone": network.a_worker.phone, "region_id": network.moscow.id,
        "language": "ru",
    })
    assert response.status_code == 400
    assert "already in the pool" in response.get_data(as_text=True)
