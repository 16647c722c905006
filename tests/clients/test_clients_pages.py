"""Client pages: create, edit, sites, search; bad input re-renders with field errors."""
from sqlalchemy import func, select

from clients.models import Client, Site


def _count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_dispatcher_creates_a_client_with_a_site(client, auth, db, network):
    auth.login(network.a_dispatcher.email)
    response = client.post("/clients/new", data={"name": "ООО «Погрузка»", "inn": "7701234567", "phone": "+7 495 765 43 21"})
    assert response.status_code == 302
    new = db.session.scalar(select(Client).where(Client.name == "ООО «Погрузка»"))
    assert new.franchise_id == network.a.id and new.manager_id == network.a_dispatcher.id
    response = client.post(f"/clients/{new.id}/sites", data={"name": "Склад №2", "address": "ул. Ленина, 1",
                                                            "lat": "55.7", "lon": "37.6", "conditions": "indoor_cold"})
    assert response.status_code == 302
    site = db.session.scalar(select(Site).where(Site.client_id == new.id))
    assert (site.franchise_id, site.conditions, site.lat) == (network.a.id, "indoor_cold", 55.7)
    assert "Склад №2" in client.get(f"/clients/{new.id}").get_data(as_text=True)


def test_client_search_by_name_inn_and_phone(client, auth, db, network):
    network.a_client.inn, network.a_client.phone = "7701234567", "+74951112233"
    db.session.commit()
    auth.login(network.a_dispatcher.email)
    for q in ("client of alpha", "7701234567", "8 (495) 111-22-33"):
        assert network.a_client.name in client.get("/clients/", query_string={"q": q}).get_data(as_text=True), q
    assert network.a_client.name not in client.get("/clients/", query_string={"q": "zzz"}).get_data(as_text=True)


def test_bad_client_input_rerenders_with_errors_and_saves_nothing(client, auth, db, network):
    auth.login(network.a_dispatcher.email)
    before = _count(db, Client)
    for data, message in (
        ({"name": ""}, "This field is required"),
        ({"name": "X" * 201}, "Field cannot be longer than 200 characters"),
        ({"name": "Ok", "inn": "12ab"}, "An INN has 10 or 12 digits"),
        ({"name": "Ok", "phone": "12345"}, "This phone number is not valid"),
        ({"name": "Ok", "email": "not-an-email"}, "Invalid email address"),
    ):
        response = client.post("/clients/new", data=data)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert _count(db, Client) == before


def test_bad_site_input_saves_nothing(client, auth, db, network):
    auth.login(network.a_dispatcher.email)
    before = _count(db, Site)
    for data in ({"name": "", "address": "x"}, {"name": "S", "address": "x", "lat": "95"},
                 {"name": "S", "address": "x", "conditions": "lava"}, {"name": "S", "address": "x", "lon": "east"}):
        assert client.post(f"/clients/{network.a_client.id}/sites", data=data).status_code == 400
    assert _count(db, Site) == before


def test_unknown_ids_are_404_pages(client, auth, network):
    auth.login(network.a_dispatcher.email)
    for url in ("/clients/999999", "/clients/999999/edit", "/workers/999999", "/franchises/999999"):
        response = client.get(url)
        assert response.status_code == 404
        assert "There is nothing here" in response.get_data(as_text=True)


def test_head_office_dispatcher_chooses_the_franchise(client, auth, db, network):
    from tests import factories

    ho = factories.user("dispatcher")
    auth.login(ho.email)
    response = client.post("/clients/new", data={"name": "HQ client", "franchise_id": network.b.id})
    assert response.status_code == 302
    assert db.session.scalar(select(Client).where(Client.name == "HQ client")).franchise_id == network.b.id
    assert client.post("/clients/new", data={"name": "Nowhere", "franchise_id": 999999}).status_code == 400
