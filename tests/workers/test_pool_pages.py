"""The pool page's filters, geocoding on the worker form, and the candidates page and API."""
from decimal import Decimal

import pytest

from core import geocoding, service as core_service
from tests import factories
from tests.fakes.nominatim import FakeNominatim
from workers.models import Worker

TVERSKAYA = (55.7649, 37.6055, "Тверская улица, 10, Москва")


@pytest.fixture
def nominatim(app, monkeypatch):
    with FakeNominatim({"Тверская, 10": TVERSKAYA}) as fake:
        monkeypatch.setitem(app.config, "GEOCODER_URL", fake.url)
        geocoding._limited.clear()
        yield fake
    geocoding._limited.clear()


@pytest.fixture
def spread(db, network):
    """Workers 1, 5 and 20 km north of Tverskaya, with different skills and ratings."""
    made = {}
    for km, skill, rating in ((1, 1, "4.8"), (5, 2, "3.9"), (20, 1, "4.5")):
        made[km] = factories.worker(network.moscow, last_name=f"Km{km}", lat=TVERSKAYA[0] + km / 111.2,
                                    lon=TVERSKAYA[1], skill_mask=skill, rating=Decimal(rating))
    return made


def names(response):
    text = response.get_data(as_text=True)
    return [n for n in ("Km1", "Km5", "Km20") if n in text]


def test_distance_from_a_typed_address(client, auth, db, network, spread, nominatim):
    auth.login(network.a_dispatcher.email)
    response = client.get("/workers/", query_string={"near": "Тверская, 10", "within_km": "10"})
    assert response.status_code == 200 and names(response) == ["Km1", "Km5"]
    text = response.get_data(as_text=True)
    assert text.index("Km1") < text.index("Km5") and "1.0 km" in text


def test_distance_from_typed_coordinates_needs_no_map_service(client, auth, db, network, spread):
    auth.login(network.a_dispatcher.email)
    response = client.get("/workers/", query_string={"near": f"{TVERSKAYA[0]}, {TVERSKAYA[1]}", "within_km": "25"})
    assert names(response) == ["Km1", "Km5", "Km20"]


def test_an_address_the_map_cannot_find_is_a_clear_error(client, auth, db, network, spread, nominatim):
    auth.login(network.a_dispatcher.email)
    response = client.get("/workers/", query_string={"near": "Нигде, 1", "within_km": "10"})
    assert response.status_code == 400 and "address was not found" in response.get_data(as_text=True)


def test_filters_by_skill_region_rating_and_status(client, auth, db, network, spread):
    auth.login(network.admin.email)
    assert names(client.get("/workers/", query_string={"skill": "rigger"})) == ["Km5"]
    assert names(client.get("/workers/", query_string={"min_rating": "4.5"})) == ["Km1", "Km20"]
    assert names(client.get("/workers/", query_string={"region_id": network.kazan.id})) == []
    assert names(client.get("/workers/", query_string={"status": "suspended"})) == []
    assert client.get("/workers/", query_string={"min_rating": "nine"}).status_code == 400
    assert client.get("/workers/", query_string={"skill": "juggling"}).status_code == 400


def test_the_worker_form_geocodes_a_new_address(client, auth, db, network, nominatim):
    auth.login(network.a_recruiter.email)
    response = client.post("/workers/new", data={"first_name": "Гео", "last_name": "Код", "phone": "+79261230000",
                                                 "region_id": network.moscow.id, "language": "ru", "address": "Тверская, 10"})
    assert response.status_code == 302
    worker = db.session.scalar(db.select(Worker).where(Worker.phone == "+79261230000"))
    assert (worker.lat, worker.lon) == TVERSKAYA[:2]


def test_a_failed_geocode_saves_nothing_and_says_what_to_do(client, auth, db, network, nominatim):
    nominatim.fail_with = 500
    auth.login(network.a_recruiter.email)
    response = client.post("/workers/new", data={"first_name": "Гео", "last_name": "Код", "phone": "+79261230001",
                                                 "region_id": network.moscow.id, "language": "ru", "address": "Тверская, 10"})
    assert response.status_code == 400 and "type coordinates" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Worker).where(Worker.phone == "+79261230001")) is None
    typed = client.post("/workers/new", data={"first_name": "Гео", "last_name": "Код", "phone": "+79261230001",
                                              "region_id": network.moscow.id, "language": "ru", "address": "Тверская, 10",
                                              "lat": "55.7", "lon": "37.6"})
    assert typed.status_code == 302


def test_the_candidates_page_ranks_workers_for_a_shift(client, auth, db, network, spread):
    auth.login(network.a_dispatcher.email)
    response = client.get("/workers/candidates", query_string={
        "region_id": network.moscow.id, "site": f"{TVERSKAYA[0]}, {TVERSKAYA[1]}", "day": "2026-12-05",
        "start": "09:00", "end": "18:00", "skills": "loader", "radius_km": "10", "limit": "10"})
    assert response.status_code == 200 and names(response) == ["Km1"]
    bad = client.get("/workers/candidates", query_string={"region_id": network.moscow.id, "site": "", "day": "soon"})
    assert bad.status_code == 400


def api(client, user, query):
    token = core_service.issue_token(user)
    return client.get("/api/v1/workers/candidates", query_string=query, headers={"Authorization": f"Bearer {token}"})


def test_candidates_api(client, db, network, spread):
    query = {"region_id": network.moscow.id, "lat": TVERSKAYA[0], "lon": TVERSKAYA[1],
             "starts_at": "2026-12-05T06:00:00+00:00", "ends_at": "2026-12-05T15:00:00+00:00", "radius_km": 25,
             "skills": "loader"}
    response = api(client, network.a_dispatcher, query)
    assert response.status_code == 200
    # Km5 lacks the loader skill; the partner's own worker near the centre ranks last on rating
    assert [c["worker"]["last_name"] for c in response.json] == ["Km1", "Km20", network.a_worker.last_name]
    assert response.json[0]["distance_km"] == pytest.approx(1.0, abs=0.01)


@pytest.mark.parametrize("change,field", [
    ({"starts_at": "2026-12-05T06:00:00"}, "starts_at"),
    ({"ends_at": "2026-12-05T05:00:00+00:00"}, "ends_at"),
    ({"lat": "north"}, "lat"),
    ({"skills": "juggling"}, "skills"),
    ({"radius_km": 0}, "radius_km"),
])
def test_candidates_api_refuses_bad_input(client, db, network, change, field):
    query = {"region_id": network.moscow.id, "lat": 55.7, "lon": 37.6, "starts_at": "2026-12-05T06:00:00+00:00",
             "ends_at": "2026-12-05T15:00:00+00:00", **change}
    response = api(client, network.a_dispatcher, query)
    assert response.status_code == 422 and field in str(response.json["errors"])


def test_candidates_api_will_not_search_another_franchises_region(client, db, network):
    query = {"region_id": network.kazan.id, "lat": 55.79, "lon": 49.12, "starts_at": "2026-12-05T06:00:00+00:00",
             "ends_at": "2026-12-05T15:00:00+00:00"}
    response = api(client, network.a_dispatcher, query)
    assert response.status_code == 422 and network.b_worker.phone not in response.get_data(as_text=True)
