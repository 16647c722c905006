"""Demo data: a plausible, valid network, made in one go."""
from collections import Counter

import phonenumbers
import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from clients.models import Client, Site
from core import demo
from core.geo import haversine_km
from core.models import User
from franchise.models import Franchise, Region
from workers.models import Worker


@pytest.fixture
def generated(db):
    return demo.generate(workers=3000, franchises=14, clients=20, seed=5, echo=lambda *a: None)


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_counts_match_the_request(db, generated):
    assert (count(db, Worker), count(db, Client), count(db, Franchise)) == (3000, 20, 15)
    assert count(db, Site) == generated["sites"] >= 20
    assert count(db, Region) == len(demo.CITIES) and len({r.timezone for r in db.session.scalars(select(Region))}) >= 5


def test_exactly_one_official_representative_per_city(db, generated):
    officials = Counter(f.region_id for f in db.session.scalars(select(Franchise).where(Franchise.tier == "official")))
    assert set(officials.values()) == {1} and len(officials) == len(demo.CITIES)
    tiers = {f.tier for f in db.session.scalars(select(Franchise))}
    assert tiers == {"head_office", "official", "brand", "basic"}


def test_worker_phones_are_valid_and_unique(db, generated):
    phones = list(db.session.scalars(select(Worker.phone)))
    assert len(set(phones)) == len(phones)
    assert all(phonenumbers.is_valid_number(phonenumbers.parse(p)) for p in phones)


def test_workers_live_within_their_region(db, generated):
    regions = {r.id: r for r in db.session.scalars(select(Region))}
    for w in db.session.scalars(select(Worker)):
        region = regions[w.region_id]
        assert haversine_km(w.lat, w.lon, region.center_lat, region.center_lon) <= float(region.radius_km) + 0.5


def test_sites_belong_to_their_clients_franchise(db, generated):
    for site in db.session.scalars(select(Site)):
        assert site.franchise_id == site.client.franchise_id


def test_one_login_per_role_with_the_demo_password(db, generated):
    users = {u.email: u for u in db.session.scalars(select(User))}
    for email, role, _where in demo.DEMO_USERS:
        assert users[email].role == role
        assert check_password_hash(users[email].password_hash, demo.DEMO_PASSWORD)
    assert users["admin@demo.artel"].franchise_id is None
    assert users["partner@demo.artel"].franchise.tier == "official"
    assert users["partner2@demo.artel"].franchise.region_id != users["partner@demo.artel"].franchise.region_id


def test_generating_twice_is_refused_and_changes_nothing(db, generated):
    with pytest.raises(demo.DemoError):
        demo.generate(workers=10)
    assert count(db, Worker) == 3000


def test_the_cli_prints_logins_and_skips_when_present(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "--workers", "500", "--franchises", "9", "--clients", "5"])
    assert first.exit_code == 0, first.output
    assert "partner@demo.artel" in first.output and demo.DEMO_PASSWORD in first.output
    again = runner.invoke(args=["demo", "--if-empty"])
    assert again.exit_code == 0 and "already present" in again.output
    assert count(db, Worker) == 500
