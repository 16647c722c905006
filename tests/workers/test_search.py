"""Searching the pool: any case in Cyrillic and Latin, ё as е, a phone by any run of its digits.

Workers are a region's shared pool: partners A and B of one city find the same people, C of
another city finds only his own.
"""
import re

import pytest
from sqlalchemy import insert, select

from core.models import AuditEntry
from tests import factories
from workers import privacy, service
from workers.models import Worker


@pytest.fixture
def pool(city):
    """Moscow (A and B): Алексеев, Фёдоров, Smith; Kazan (C): another Алексеев with a near-identical phone."""
    city.alekseev = factories.worker(city.moscow, first_name="Алексей", last_name="Алексеев", phone="+79123456789")
    city.fedorov = factories.worker(city.moscow, first_name="Иван", last_name="Фёдоров", phone="+79161112233")
    city.smith = factories.worker(city.moscow, first_name="John", last_name="Smith", phone="+79035550101")
    city.kazan_alekseev = factories.worker(city.kazan, first_name="Иван", last_name="Алексеев", phone="+79123450000")
    return city


def found(client, q) -> set[int]:
    """Return the ids of the workers the pool page lists for q."""
    page = client.get("/workers/", query_string={"q": q})
    assert page.status_code == 200
    return {int(i) for i in re.findall(r'href="/workers/(\d+)"', page.get_data(as_text=True))}


@pytest.fixture
def partner(app, pool):
    """Return a page client logged in as the partner of franchise a, b or c."""
    def login(side):
        client = app.test_client()
        client.post("/login", data={"email": getattr(pool, f"{side}_partner").email, "password": factories.PASSWORD})
        return client
    return login


@pytest.mark.parametrize("q", ["Алексеев", "АЛЕКСЕЕВ", "алексеев", "лексе", "Алексей Алексеев", "алексеев алексей"])
def test_cyrillic_names_in_any_case_and_order(pool, partner, q):
    assert found(partner("a"), q) == {pool.alekseev.id}


@pytest.mark.parametrize("q", ["Фёдоров", "Федоров", "ФЕДОРОВ", "фЁдоров", "иван федоров"])
def test_yo_is_e(pool, partner, q):
    assert found(partner("a"), q) == {pool.fedorov.id}


@pytest.mark.parametrize("q", ["smith", "SMITH", "John", "jOhN sMiTh"])
def test_latin_names_in_any_case(pool, partner, q):
    assert found(partner("a"), q) == {pool.smith.id}


@pytest.mark.parametrize("q", ["912 345", "912345", "8 912 345", "89123", "+7 (912) 345", "+7912345", "345-67-89",
                               "8 (912) 345-67-89", "+7 912 345 6789", "79123456789", " 912-34 "])
def test_a_phone_by_any_run_of_its_digits_however_typed(pool, partner, q):
    assert found(partner("a"), q) == {pool.alekseev.id}


def test_the_pool_is_shared_in_a_city_and_only_there(pool, partner):
    assert found(partner("a"), "иван") == found(partner("b"), "иван") == {pool.fedorov.id}
    assert found(partner("b"), "912 345") == {pool.alekseev.id}
    assert found(partner("c"), "алексеев") == found(partner("c"), "912 345") == {pool.kazan_alekseev.id}
    assert found(partner("c"), "федоров") == set()


@pytest.mark.parametrize("q", ["%", "_", "Алексеев%", "9_2"])
def test_like_wildcards_typed_are_plain_characters(pool, partner, q):
    assert found(partner("a"), q) == set()


def test_head_office_searches_every_region(db, pool):
    rows, total = service.search_workers("АЛЕКСЕЕВ")
    assert {w.id for w, _ in rows} == {pool.alekseev.id, pool.kazan_alekseev.id} and total == 2


def test_every_write_keeps_the_search_text(db, pool):
    service.update_worker(pool.alekseev, {"last_name": "Семёнов", "phone": "+79260001122"})
    assert {w.id for w, _ in service.search_workers("семенов")[0]} == {pool.alekseev.id}
    assert service.search_workers("алексеев")[1] == 1  # only Kazan's now
    assert service.search_workers("912 345 67")[1] == 0
    assert {w.id for w, _ in service.search_workers("8 926 000")[0]} == {pool.alekseev.id}
    # bulk inserts (the demo's, the bench's) skip the ORM's events: the column fills itself
    db.session.execute(insert(Worker), [{"region_id": pool.moscow.id, "first_name": "Ольга", "last_name": "Ёлкина",
                                         "phone": "+79050000001"}])
    db.session.commit()
    assert service.search_workers("елкина ольга")[1] == 1
    privacy.erase_personal_data(pool.fedorov)
    assert service.search_workers("федоров")[1] == service.search_workers("916 111")[1] == 0


def test_the_audit_log_keeps_no_copy_of_the_search_text(db, pool):
    changes = [e.changes for e in db.session.scalars(select(AuditEntry).where(AuditEntry.table_name == "worker"))]
    assert changes and all("search" not in c for c in changes)
