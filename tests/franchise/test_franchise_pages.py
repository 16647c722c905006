"""Head office's network page, the partner portal, the call-centre territory lookup."""


def test_admin_sees_the_whole_network(client, auth, network):
    auth.login(network.admin.email)
    page = client.get("/admin").get_data(as_text=True)
    for name in (network.a.name, network.b.name, "Moscow", "Kazan"):
        assert name in page


def test_partner_portal_shows_its_own_figures(client, auth, network):
    auth.login(network.a_partner.email)
    page = client.get("/portal").get_data(as_text=True)
    assert network.a.name in page and network.a_dispatcher.email in page
    assert network.b.name not in page


def test_partner_cannot_open_head_office_pages(client, auth, network):
    auth.login(network.a_partner.email)
    assert client.get("/admin").status_code == 403


def test_call_centre_finds_who_serves_a_point(client, auth, network):
    auth.login(network.callcentre.email)
    near_kazan = client.get("/leads/", query_string={"lat": "55.80", "lon": "49.10"}).get_data(as_text=True)
    assert "Kazan" in near_kazan and network.b.name in near_kazan
    nowhere = client.get("/leads/", query_string={"lat": "0", "lon": "0"})
    assert "No region covers this point" in nowhere.get_data(as_text=True)


def test_call_centre_lookup_refuses_bad_coordinates(client, auth, network):
    auth.login(network.callcentre.email)
    for query in ({"lat": "north", "lon": "1"}, {"lat": "91", "lon": "1"}, {"lat": "1"}):
        response = client.get("/leads/", query_string=query)
        assert response.status_code == 400
        assert 'class="error"' in response.get_data(as_text=True)
