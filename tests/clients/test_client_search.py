"""Searching clients: any case in Cyrillic and Latin, ё as е, INN and phone digits; a franchise finds only its own."""
import re

import pytest

from clients import service
from tests import factories


@pytest.fixture
def book(city):
    """A (Moscow): ООО «ПромКомплект»; B (same city): ООО «Промстрой», АО «Кровля-Профи», ЗАО «Ёлка»."""
    city.prom = factories.client(city.a, name="ООО «ПромКомплект»", phone="+74951234567", inn="7701234567")
    city.promstroy = factories.client(city.b, name="ООО «Промстрой»", phone="+74951234500", inn="7709876543")
    city.roof = factories.client(city.b, name="АО «Кровля-Профи»")
    city.yolka = factories.client(city.b, name="ЗАО «Ёлка» Trading")
    return city


def found(app, city, side, q) -> set[int]:
    """Return the ids of the clients the list page shows the partner of franchise side for q."""
    client = app.test_client()
    client.post("/login", data={"email": getattr(city, f"{side}_partner").email, "password": factories.PASSWORD})
    page = client.get("/clients/", query_string={"q": q})
    assert page.status_code == 200
    return {int(i) for i in re.findall(r'href="/clients/(\d+)"', page.get_data(as_text=True))}


@pytest.mark.parametrize("q", ["Пром", "пром", "ПРОМ", "промкомплект", "ооо пром", "«ПромКомплект»"])
def test_a_partner_finds_his_client_by_name_in_any_case_and_only_his(app, book, q):
    assert found(app, book, "a", q) == {book.prom.id}


def test_the_other_franchise_of_the_city_finds_its_own(app, book):
    assert found(app, book, "b", "Пром") == {book.promstroy.id}
    assert found(app, book, "b", "ООО") == {book.promstroy.id}
    assert found(app, book, "a", "ООО") == {book.prom.id}
    assert found(app, book, "b", "Кровля") == found(app, book, "b", "кровля профи") == {book.roof.id}
    assert found(app, book, "a", "Кровля") == set()
    assert found(app, book, "c", "пром") == set()


@pytest.mark.parametrize("q", ["елка", "ЁЛКА", "Елка", "TRADING", "зао trading"])
def test_yo_is_e_and_latin_folds_too(app, book, q):
    assert found(app, book, "b", q) == {book.yolka.id}


@pytest.mark.parametrize("q", ["495 123 45 67", "8 495 123-45-67", "+7 (495) 123-45-67", "84951234567", "123 45 67",
                               "7701234567", "77012"])
def test_phone_digits_and_inn(app, book, q):
    assert found(app, book, "a", q) == {book.prom.id}


def test_a_shared_run_of_digits_still_stays_in_the_franchise(app, book):
    assert found(app, book, "a", "495 12345") == {book.prom.id}
    assert found(app, book, "b", "495 12345") == {book.promstroy.id}


def test_a_renamed_client_is_found_by_the_new_name(db, book):
    service.update_client(book.prom, {"name": "ООО «Сёмга»", "phone": "+74990001122"})
    assert [c.id for c in service.search_clients("СЕМГА")[0]] == [book.prom.id]
    assert service.search_clients("ПромКомплект")[1] == 0
    assert [c.id for c in service.search_clients("8 499 000")[0]] == [book.prom.id]
