"""The worker API: validation, scoping, and what it returns."""
import pytest
from sqlalchemy import func, select

from core import service
from workers.models import Worker


@pytest.fixture
def api(client, network):
    token = service.issue_token(network.a_recruiter, "test")

    def call(method, url, **kw):
        return client.open(url, method=method, headers={"Authorization": f"Bearer {token}"}, **kw)

    return call


def _count(db):
    return db.session.scalar(select(func.count()).select_from(Worker))


def test_create_worker_normalises_the_phone(api, db, network):
    response = api("POST", "/api/v1/workers/", json={
        "first_name": "Анна", "last_name": "Смирнова", "phone": "8 (916) 000-11-22", "region_id": network.moscow.id,
        "skills": ["cleaner"],
    })
    assert response.status_code == 201, response.json
    assert response.json["phone"] == "+79160001122"
    assert response.json["status"] == "applicant"


@pytest.mark.parametrize(
    "body,field",
    [
        ({}, "first_name"),
        ({"first_name": "", "last_name": "X", "phone": "+79160001122", "region_id": 1}, "first_name"),
        ({"first_name": "A" * 81, "last_name": "X", "phone": "+79160001122", "region_id": 1}, "first_name"),
        ({"first_name": "A", "last_name": "X", "phone": "12345", "region_id": 1}, "phone"),
        ({"first_name": "A", "last_name": "X", "phone": "+79160001122", "region_id": "one"}, "region_id"),
        ({"first_name": "A", "last_name": "X", "phone": "+79160001122", "region_id": 1, "skills": ["juggler"]}, "skills"),
        ({"first_name": "A", "last_name": "X", "phone": "+79160001122", "region_id": 1, "lat": 91}, "lat"),
    ],
)
def test_bad_input_is_a_422_with_field_errors_and_saves_nothing(api, db, network, body, field):
    before = _count(db)
    response = api("POST", "/api/v1/workers/", json=body)
    assert response.status_code == 422
    assert field in response.json["errors"]["json"]
    assert _count(db) == before


def test_unknown_or_foreign_region_is_refused(api, db, network):
    before = _count(db)
    for region_id in (999999, network.kazan.id):
        response = api("POST", "/api/v1/workers/", json={
            "first_name": "A", "last_name": "B", "phone": "+79160001123", "region_id": region_id})
        assert response.status_code == 422
        assert response.json["errors"]["json"]["region_id"] == ["No such region."]
    assert _count(db) == before


def test_not_json_is_a_clear_4xx(api, network):
    response = api("POST", "/api/v1/workers/", data="not json", content_type="application/json")
    assert 400 <= response.status_code < 500
    assert response.json["message"]


def test_list_and_search_by_phone_typed_any_way(api, db, network):
    network.a_worker.phone = "+79123456789"
    db.session.commit()
    listed = api("GET", "/api/v1/workers/")
    assert [w["id"] for w in listed.json] == [network.a_worker.id]
    found = api("GET", "/api/v1/workers/", query_string={"q": "8 (912) 345-67-89"})
    assert [w["phone"] for w in found.json] == ["+79123456789"]
    assert api("GET", "/api/v1/workers/", query_string={"page": "zero"}).status_code == 422


def test_get_one_worker_and_unknown_ids(api, network):
    assert api("GET", f"/api/v1/workers/{network.a_worker.id}").json["last_name"] == network.a_worker.last_name
    assert api("GET", "/api/v1/workers/999999").status_code == 404
    assert api("GET", f"/api/v1/workers/{network.b_worker.id}").status_code == 404


def test_openapi_document_describes_the_api(client):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["info"]["title"] == "Artel API"
    assert "/api/v1/workers/" in doc["paths"] and "/api/v1/me" in doc["paths"]
    assert "WorkerIn" in doc["components"]["schemas"]
