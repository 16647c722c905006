"""Head office adds and edits franchises in pages; one official representative per city, held by the
database too, also when two attempts meet. A and B share Moscow; A is its official representative."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from extensions import db as _db
from franchise import service
from franchise.models import Franchise
from tests import factories, races


def form(city, **changes):
    data = {"name": "Delta Moscow", "legal_name": "ООО «Дельта»", "tier": "brand", "region_id": city.moscow.id,
            "status": "active", "royalty_percent": "12.5", "monthly_fee": "15000", "contract_start": "2026-01-01",
            "contract_end": "2028-12-31", "sms_sender": "8 (912) 345-67-89"}
    return {**data, **changes}


def officials(db, region):
    db.session.expire_all()
    return list(db.session.scalars(select(Franchise.name).where(
        Franchise.region_id == region.id, Franchise.tier == "official", Franchise.status == "active")))


def test_head_office_adds_a_franchise_with_its_contract(client, auth, db, city):
    auth.login(city.admin.email)
    assert 'data-testid="new-franchise"' in client.get("/franchises").get_data(as_text=True)
    response = client.post("/franchises/new", data=form(city))
    assert response.status_code == 302
    delta = db.session.scalar(select(Franchise).where(Franchise.name == "Delta Moscow"))
    assert (delta.legal_name, delta.tier, delta.region_id, delta.royalty_rate, delta.monthly_fee) == (
        "ООО «Дельта»", "brand", city.moscow.id, Decimal("0.1250"), Decimal("15000.00"))
    assert (delta.contract_start, delta.contract_end, delta.sms_sender) == (
        date(2026, 1, 1), date(2028, 12, 31), "+79123456789")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "ООО «Дельта»" in page and "15,000.00" in page


def test_a_second_official_in_the_same_city_is_refused_naming_the_holder(client, auth, db, city):
    auth.login(city.admin.email)
    response = client.post(f"/franchises/{city.b.id}/edit", data=form(city, name=city.b.name, tier="official"))
    assert response.status_code == 400
    assert "Moscow already has an official representative: Alpha Moscow" in response.get_data(as_text=True)
    assert officials(db, city.moscow) == ["Alpha Moscow"]
    # once A's contract ends, B may take it
    assert client.post(f"/franchises/{city.a.id}/edit", data=form(city, name=city.a.name, tier="official",
                                                                  status="terminated")).status_code == 302
    assert client.post(f"/franchises/{city.b.id}/edit", data=form(city, name=city.b.name, tier="official")).status_code == 302
    assert officials(db, city.moscow) == ["Bravo Moscow"]
    assert officials(db, city.kazan) == ["Charlie Kazan"]  # another city keeps its own


def test_the_database_holds_the_rule_on_its_own(db, city):
    _db.session.add(Franchise(name="Sneaky", tier="official", status="active", region_id=city.moscow.id))
    with pytest.raises(IntegrityError):
        _db.session.commit()
    _db.session.rollback()
    factories.franchise(city.moscow, name="Suspended official", tier="official", status="suspended")  # not active: allowed


def test_an_attempt_that_meets_an_uncommitted_official_waits_and_is_refused(app, db, city):
    """A second connection makes a new Moscow franchise official without committing; the product's
    save of B as official (past the lock, which the other never took) waits on the unique index, then
    is refused naming the holder."""
    a = _db.session.get(Franchise, city.a.id)
    a.tier = "brand"  # Moscow has no official now
    _db.session.commit()
    holder = races.Holder()
    holder.execute("INSERT INTO franchise (name, tier, status, region_id, royalty_rate, monthly_fee, created_at, "
                   "updated_at) VALUES ('Echo Moscow', 'official', 'active', :r, 0.15, 0, now(), now())", r=city.moscow.id)
    data = {"name": city.b.name, "legal_name": None, "tier": "official", "status": "active", "region_id": city.moscow.id,
            "royalty_rate": Decimal("0.15"), "monthly_fee": Decimal("0"), "contract_start": None, "contract_end": None,
            "sms_sender": None}
    attempt = races.in_thread(app, lambda: service.save_franchise(_db.session.get(Franchise, city.b.id), data))
    races.wait_for_lock_wait(attempt)
    holder.commit()
    with pytest.raises(service.FranchiseError, match="Moscow already has an official representative: Echo Moscow"):
        attempt.result(timeout=20)
    assert officials(db, city.moscow) == ["Echo Moscow"]


def test_two_head_office_users_at_once_make_one_official(app, db, city):
    a = _db.session.get(Franchise, city.a.id)
    a.tier = "brand"
    _db.session.commit()
    holder = races.Holder()
    holder.execute("SELECT pg_advisory_xact_lock(hashtext(:n))", n=f"official-representative-{city.moscow.id}")
    attempts = []
    for fid in (city.a.id, city.b.id):
        f = _db.session.get(Franchise, fid)
        data = {key: getattr(f, key) for key in service.EDITABLE}
        data["tier"] = "official"
        attempts.append(races.in_thread(app, lambda fid=fid, data=data: service.save_franchise(
            _db.session.get(Franchise, fid), data)))
    races.wait_for_lock_wait(count=2)
    holder.rollback()
    outcomes = []
    for attempt in attempts:
        try:
            attempt.result(timeout=20)
            outcomes.append("saved")
        except service.FranchiseError as exc:
            outcomes.append(str(exc))
    assert sorted(outcomes)[1] == "saved" and "already has an official representative" in sorted(outcomes)[0]
    assert len(officials(db, city.moscow)) == 1


@pytest.mark.parametrize("changes,message", [
    ({"name": ""}, "This field is required"),
    ({"royalty_percent": "60"}, "between 0 and 50"),
    ({"monthly_fee": "-1"}, "between 0 and"),
    ({"contract_end": "2025-12-31"}, "The contract ends before it starts."),
    ({"sms_sender": "not a phone"}, "The SMS sender is a phone number or a Messaging Service SID"),
    ({"region_id": "0"}, "Choose the franchise&#39;s region."),
    ({"tier": "platinum"}, "Not a valid choice"),
])
def test_bad_input_is_refused_on_the_form_and_nothing_is_saved(client, auth, db, city, changes, message):
    auth.login(city.admin.email)
    before = db.session.scalar(select(func.count()).select_from(Franchise))
    response = client.post("/franchises/new", data=form(city, **changes))
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Franchise)) == before


def test_a_messaging_service_is_a_sender_too(client, auth, db, city):
    auth.login(city.admin.email)
    sid = "MG" + "0123456789abcdef" * 2
    assert client.post(f"/franchises/{city.b.id}/edit", data=form(city, name=city.b.name, sms_sender=sid)).status_code == 302
    db.session.expire_all()
    assert db.session.get(Franchise, city.b.id).sms_sender == sid


@pytest.mark.parametrize("who", ["a_partner", "a_dispatcher", "callcentre"])
def test_only_head_office_administrators_edit_franchises(client, auth, db, city, who):
    auth.login(getattr(city, who).email)
    assert client.get("/franchises/new").status_code == 403
    assert client.post(f"/franchises/{city.a.id}/edit", data=form(city, name="Renamed")).status_code == 403
    db.session.expire_all()
    assert db.session.get(Franchise, city.a.id).name == "Alpha Moscow"


def test_a_sender_another_branch_uses_is_refused_naming_it(client, auth, db, city):
    """A reply to a branch's own sender is that branch's: two branches cannot share one."""
    city.a.sms_sender = "+79123456789"
    db.session.commit()
    auth.login(city.admin.email)
    response = client.post(f"/franchises/{city.b.id}/edit", data=form(city, name=city.b.name))
    assert response.status_code == 400
    assert "+79123456789 is the SMS sender of Alpha Moscow already" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Franchise, city.b.id).sms_sender is None
    # A keeping its own sender while other fields change is no clash
    response = client.post(f"/franchises/{city.a.id}/edit",
                           data=form(city, name=city.a.name, tier="official", sms_sender="+79123456789"))
    assert response.status_code == 302
