"""Demo data: a plausible, valid network, made in one go."""
from collections import Counter
from decimal import Decimal

import phonenumbers
import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from clients.models import SITE_CONDITIONS, Client, Site
from demo import builder as demo
from core.geo import haversine_km
from core.models import User
from extensions import db as _db
from franchise.models import Franchise, Region
from playbook.models import DOCUMENT_TIERS, PlaybookDocument
from ratings import service as ratings
from ratings.models import RatingEvent
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
    franchises = list(db.session.scalars(select(Franchise)))
    assert {f.tier for f in franchises} == {"head_office", "official", "brand", "basic"}
    assert [f.region_id for f in franchises if f.tier == "head_office"] == [None]
    assert {f.royalty_rate for f in franchises if f.tier != "head_office"} == {Decimal("0.15"), Decimal("0.12")}


def test_worker_phones_are_valid_and_unique(db, generated):
    phones = list(db.session.scalars(select(Worker.phone)))
    assert len(set(phones)) == len(phones)
    assert all(phonenumbers.is_valid_number(phonenumbers.parse(p)) for p in phones)


def test_every_mobile_prefix_is_valid_end_to_end():
    for prefix in demo.MOBILE_PREFIXES:
        for subscriber in ("0000000", "5550123", "9999999"):
            assert phonenumbers.is_valid_number(phonenumbers.parse(f"+7{prefix}{subscriber}")), prefix


def test_workers_live_within_their_region(db, generated):
    regions = {r.id: r for r in db.session.scalars(select(Region))}
    for w in db.session.scalars(select(Worker)):
        region = regions[w.region_id]
        assert haversine_km(w.lat, w.lon, region.center_lat, region.center_lon) <= float(region.radius_km) + 1e-6


def test_the_pool_looks_like_a_real_one(db, generated):
    workers = list(db.session.scalars(select(Worker)))
    by_region = Counter(w.region.code for w in workers)
    assert by_region.most_common(1)[0][0] == "MSK" and len(by_region) == len(demo.CITIES)
    statuses = Counter(w.status for w in workers)
    assert statuses["active"] > 0.8 * len(workers) and statuses["applicant"] and statuses["suspended"]
    assert all(Decimal("2.00") <= w.rating <= Decimal("5.00") for w in workers)
    assert sum(w.rating for w in workers) / len(workers) > Decimal("3.5")
    assert all(Decimal("0.400") <= w.reliability <= Decimal("0.990") for w in workers)
    assert {w.language for w in workers} == {"ru", "en"} and all(w.skill_mask & 1 for w in workers)


def test_every_worker_s_figures_are_what_his_history_gives(db):
    demo.generate(workers=400, franchises=9, clients=2, seed=7, echo=lambda *a: None)
    workers = list(db.session.scalars(select(Worker)))
    changed = [w.id for w in workers if (lambda f: (f.rating, f.reliability, f.penalty, f.shifts))(ratings.recompute(w))
               != (w.rating, w.reliability, w.rating_penalty, w.shifts_worked)]
    assert changed == []
    openings = {e.worker_id: e for e in db.session.scalars(select(RatingEvent).where(RatingEvent.kind == "opening"))}
    assert len(openings) > 0.8 * len(workers)
    veteran = next(w for w in workers if w.shifts_worked >= 90 and w.rating >= Decimal("4.50"))
    assert openings[veteran.id].opening_shifts == veteran.shifts_worked
    # his next shift, on time and scored 5, builds on his record
    after = ratings.record_event(veteran.id, "came", openings[veteran.id].occurred_at, quality=5)
    assert after.rating_after >= after.rating_before and db.session.get(Worker, veteran.id).shifts_worked > 100


def test_clients_have_distinct_names_and_sites_in_their_city(db, generated):
    clients = list(db.session.scalars(select(Client)))
    assert len({c.name for c in clients}) == len(clients)
    assert all(phonenumbers.is_valid_number(phonenumbers.parse(c.phone)) for c in clients)
    for site in db.session.scalars(select(Site)):
        region = site.client.franchise.region
        assert site.franchise_id == site.client.franchise_id and site.conditions in SITE_CONDITIONS
        assert haversine_km(site.lat, site.lon, region.center_lat, region.center_lon) <= float(region.radius_km)
        assert site.address.startswith(region.name)


def test_one_login_per_role_with_the_demo_password(db, generated):
    users = {u.email: u for u in db.session.scalars(select(User))}
    for email, role, _where in demo.DEMO_USERS:
        assert users[email].role == role
        assert check_password_hash(users[email].password_hash, demo.DEMO_PASSWORD)
    assert users["admin@demo.artel"].franchise_id is None and users["callcentre@demo.artel"].franchise_id is None
    partner, partner2 = users["partner@demo.artel"].franchise, users["partner2@demo.artel"].franchise
    assert partner.tier == "official" and partner.region.code == "MSK"
    assert users["dispatcher@demo.artel"].franchise_id == partner.id
    assert partner2.id != partner.id and partner2.region_id != partner.region_id


def test_generating_twice_is_refused_and_changes_nothing(db, generated):
    assert demo.has_demo_data()
    with pytest.raises(demo.DemoError):
        demo.generate(workers=10)
    assert count(db, Worker) == 3000


def test_a_network_needs_two_franchises(db):
    with pytest.raises(demo.DemoError):
        demo.generate(workers=10, franchises=1)
    assert not demo.has_demo_data()


def sqlite_network(path, seed):
    """Generate a network on a fresh SQLite file made by create_all; return its workers' figures."""
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    app.config.update(UPLOAD_FOLDER=str(path.parent / "uploads"), PLAYBOOK_MAX_MB=10)  # the playbook's files
    _db.init_app(app)
    with app.app_context():
        _db.create_all()
        counts = demo.generate(workers=1200, franchises=10, clients=8, seed=seed, echo=lambda *a: None)
        assert (count(_db, Worker), count(_db, Franchise), count(_db, Client)) == (1200, 11, 8) == (
            counts["workers"], counts["franchises"], counts["clients"])
        with pytest.raises(demo.DemoError):
            demo.generate(workers=1)
        figures = _db.session.execute(select(Worker.phone, Worker.lat, Worker.rating).order_by(Worker.id)).all()
        _db.session.remove()
        _db.engine.dispose()
    return figures


def test_it_works_on_sqlite_and_a_seed_gives_the_same_network(tmp_path):
    first = sqlite_network(tmp_path / "a.sqlite3", seed=3)
    assert len({phone for phone, _lat, _rating in first}) == 1200
    assert sqlite_network(tmp_path / "b.sqlite3", seed=3) == first
    assert sqlite_network(tmp_path / "c.sqlite3", seed=4) != first


def test_the_cli_prints_logins_and_skips_when_present(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "--workers", "500", "--franchises", "9", "--clients", "5"])
    assert first.exit_code == 0, first.output
    assert "partner@demo.artel" in first.output and demo.DEMO_PASSWORD in first.output
    again = runner.invoke(args=["demo", "--if-empty"])
    assert again.exit_code == 0 and "already present" in again.output
    assert count(db, Worker) == 500


def test_the_playbook_has_documents_for_every_package(db, generated, upload_folder):
    documents = list(db.session.scalars(select(PlaybookDocument)))
    assert {d.min_tier for d in documents} == set(DOCUMENT_TIERS)
    for document in documents:
        assert (upload_folder / "playbook" / document.current.stored_name).read_bytes().decode("utf-8").strip()
