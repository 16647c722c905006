"""In a real browser: a recruiter activates an applicant; a dispatcher filters the pool by distance."""
import re

import pytest

from core import geocoding
from tests import factories
from tests.browser.test_login_browser import _log_in
from tests.fakes.nominatim import FakeNominatim

WAREHOUSE = (55.7000, 37.5000, "Складская улица, 1, Москва")


def test_recruiter_interviews_and_activates_an_applicant(live_server, page, network):
    applicant = factories.worker(network.moscow, status="applicant", first_name="Степан", last_name="Новиков")
    _log_in(page, live_server, network.a_recruiter.email)
    page.goto(f"{live_server}/workers/?status=applicant")
    page.click("text=Степан Новиков")
    assert page.get_by_test_id("status").inner_text() == "applicant"
    interview = page.get_by_test_id("interview")
    interview.locator("select[name=outcome]").select_option("approved")
    interview.locator("textarea[name=notes]").fill("Работал грузчиком 2 года")
    interview.locator("button[type=submit]").click()
    page.wait_for_url(f"{live_server}/workers/{applicant.id}")
    assert page.get_by_test_id("status").inner_text() == "active"
    assert "Interview recorded." in page.content() and "Работал грузчиком 2 года" in page.content()


@pytest.fixture
def nominatim(app, monkeypatch):
    with FakeNominatim({"Складская, 1": WAREHOUSE}) as fake:
        monkeypatch.setitem(app.config, "GEOCODER_URL", fake.url)
        geocoding._limited.clear()
        yield fake
    geocoding._limited.clear()


def test_dispatcher_filters_the_pool_by_distance_from_an_address(live_server, page, network, nominatim):
    near = factories.worker(network.moscow, first_name="Близкий", last_name="Сосед", lat=WAREHOUSE[0] + 2 / 111.2, lon=WAREHOUSE[1])
    far = factories.worker(network.moscow, first_name="Дальний", last_name="Путник", lat=WAREHOUSE[0] + 30 / 111.2, lon=WAREHOUSE[1])
    _log_in(page, live_server, network.a_dispatcher.email)
    page.goto(f"{live_server}/workers/")
    assert near.full_name in page.content() and far.full_name in page.content()
    page.fill("input[name=near]", "Складская, 1")
    page.fill("input[name=within_km]", "5")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_url("**/workers/?*near=*")
    table = page.get_by_test_id("workers").inner_text()
    assert near.full_name in table and far.full_name not in table
    assert "2.0 km" in table
    assert nominatim.requests == ["Складская, 1"]


def test_a_map_click_fills_in_the_coordinates_without_tiles(live_server, page, network):
    _log_in(page, live_server, network.a_recruiter.email)
    page.goto(f"{live_server}/workers/new")
    picker = page.get_by_test_id("pick-map")
    picker.click(position={"x": 120, "y": 100})
    lat, lon = float(page.input_value("#lat")), float(page.input_value("#lon"))
    assert 54 < lat < 57 and 36 < lon < 39  # around the default centre, Moscow
    page.fill("input[name=first_name]", "Карта")
    page.fill("input[name=last_name]", "Кликова")
    page.fill("input[name=phone]", "8 926 700 00 01")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/workers/\d+$"))
    assert page.get_by_test_id("map").is_visible()
    assert f"{lat:.5f}" in page.content()


def test_a_dispatcher_finds_a_worker_by_any_case_and_a_partial_phone(live_server, page, city):
    wanted = factories.worker(city.moscow, first_name="Алексей", last_name="Фёдоров", phone="+79123456789")
    other = factories.worker(city.moscow, first_name="Иван", last_name="Смирнов", phone="+79260001122")
    _log_in(page, live_server, city.b_dispatcher.email)  # B's dispatcher: the pool is the city's, not A's
    for typed in ("ФЕДОРОВ", "8 912 345"):
        page.goto(f"{live_server}/workers/")
        page.fill("input[name=q]", typed)
        page.click("form[role=search] button[type=submit]")
        page.wait_for_url("**/workers/?*q=*")
        table = page.get_by_test_id("workers").inner_text()
        assert wanted.full_name in table and other.full_name not in table, typed
