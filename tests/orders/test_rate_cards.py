"""Rate cards: head office's region defaults are floors, a franchise's own card replaces them for its orders,
cards hold for a span of days, an order freezes its rates. A and B share Moscow."""
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from orders import rates, service
from orders.models import RateCard
from tests import factories

D = Decimal


@pytest.fixture
def cards(db, city):
    """Moscow's default for loading indoors until the year's end, and a dearer one from 1 January."""
    for site in (city.a_site, city.b_site):
        site.conditions = "indoor_warm"
    city.default = factories._save(RateCard(region_id=city.moscow.id, work_type="loading", conditions="indoor_warm",
                                            pay_rate=D("100.00"), bill_rate=D("200.00"), valid_to=date(2026, 12, 31)))
    city.next_year = factories._save(RateCard(region_id=city.moscow.id, work_type="loading", conditions="indoor_warm",
                                              pay_rate=D("110.00"), bill_rate=D("230.00"), valid_from=date(2027, 1, 1)))
    return city


def card_data(city, **changes):
    data = {"region_id": city.moscow.id, "franchise_id": city.a.id, "work_type": "loading", "conditions": "indoor_warm",
            "min_headcount": 1, "pay_rate": D("105.00"), "bill_rate": D("240.00"), "valid_from": date(2026, 12, 1),
            "valid_to": date(2026, 12, 31)}
    return {**data, **changes}


def order_for(city, side, day, hour=6):
    starts = datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)
    order = service.new_order({"client_id": getattr(city, f"{side}_client").id, "site_id": getattr(city, f"{side}_site").id,
                               "work_type": "loading", "workers_needed": 3, "starts_at": starts,
                               "ends_at": starts.replace(hour=hour + 8), "dispatch": False})
    return order.pay_rate, order.bill_rate


@freeze_time("2026-12-01 10:00:00")
def test_a_franchises_own_card_is_for_its_orders_only(db, cards):
    rates.save_card(None, card_data(cards))
    assert order_for(cards, "a", date(2026, 12, 10)) == (D("105.00"), D("240.00"))  # A's own
    assert order_for(cards, "b", date(2026, 12, 10)) == (D("100.00"), D("200.00"))  # B, same city: the default
    assert order_for(cards, "a", date(2027, 1, 10)) == (D("110.00"), D("230.00"))  # A's card ended: next year's default


@freeze_time("2026-12-01 10:00:00")
def test_an_order_keeps_the_rates_it_was_created_with(db, cards):
    before = order_for(cards, "b", date(2026, 12, 10))
    rates.end_card(cards.default, date(2026, 12, 5))
    rates.save_card(None, card_data(cards, franchise_id=None, pay_rate=D("150.00"), bill_rate=D("300.00"),
                                    valid_from=date(2026, 12, 6)))
    db.session.expire_all()
    stored = db.session.scalars(select(service.Order.pay_rate)).all()
    assert stored == [before[0]] and order_for(cards, "b", date(2026, 12, 10)) == (D("150.00"), D("300.00"))


@pytest.mark.parametrize("changes,message", [
    ({"pay_rate": D("99.00")}, "Head office's card for this work is the floor: pay at least"),
    ({"bill_rate": D("199.99")}, "bill at least"),
    ({"pay_rate": D("250.00")}, "is not below the bill"),
    ({"valid_to": date(2026, 11, 30)}, "The card ends before it starts."),
    ({"work_type": " "}, "Name the work type."),
    ({"pay_rate": D("0")}, "above zero"),
])
def test_bad_cards_are_refused_and_nothing_is_saved(db, cards, changes, message):
    with pytest.raises(rates.RateError, match=message):
        rates.save_card(None, card_data(cards, **changes))
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(RateCard)) == 2


def test_a_card_overlapping_another_for_the_same_work_is_refused(db, cards):
    rates.save_card(None, card_data(cards))
    with pytest.raises(rates.RateError, match="already applies from 2026-12-01"):
        rates.save_card(None, card_data(cards, valid_from=date(2026, 12, 20), valid_to=None))
    db.session.rollback()
    rates.save_card(None, card_data(cards, franchise_id=cards.b.id))  # B's own for the same days is B's business
    with pytest.raises(rates.RateError, match="its own region"):
        rates.save_card(None, card_data(cards, franchise_id=cards.c.id))  # C is in Kazan


def test_a_loss_making_card_needs_a_confirmation(db, cards):
    with pytest.raises(rates.RateError, match="Confirm"):
        rates.save_card(None, {**card_data(cards, franchise_id=None, work_type="roofing", pay_rate=D("300"),
                                           bill_rate=D("300"))})
    db.session.rollback()
    saved = rates.save_card(None, {**card_data(cards, franchise_id=None, work_type="roofing", pay_rate=D("300"),
                                               bill_rate=D("300")), "confirm_loss": True})
    assert saved.id is not None


@freeze_time("2026-12-01 10:00:00")
def test_a_partner_keeps_his_own_cards_in_pages_and_sees_none_of_bs(client, auth, db, cards):
    b_card = rates.save_card(None, card_data(cards, franchise_id=cards.b.id, pay_rate=D("101.23"), bill_rate=D("277.77")))
    auth.login(cards.a_partner.email)
    page = client.get("/orders/rates/").get_data(as_text=True)
    assert "200.00" in page and "277.77" not in page and cards.b.name not in page
    form = {"region_id": cards.moscow.id, "franchise_id": cards.a.id, "work_type": "loading",
            "conditions": "indoor_warm", "min_headcount": "1", "pay_rate": "105", "bill_rate": "240",
            "valid_from": "2026-12-01", "valid_to": "2026-12-31"}
    as_b = client.post("/orders/rates/new", data={**form, "franchise_id": cards.b.id})
    assert as_b.status_code == 400 and "Not a valid choice" in as_b.get_data(as_text=True)
    assert client.post("/orders/rates/new", data=form).status_code == 302
    mine = db.session.scalar(select(RateCard).where(RateCard.bill_rate == D("240.00")))
    assert mine.franchise_id == cards.a.id
    refused = client.post("/orders/rates/new", data={**form, "pay_rate": "90"})
    assert refused.status_code == 400 and "the floor" in refused.get_data(as_text=True)
    assert client.post(f"/orders/rates/{b_card.id}/edit", data=form).status_code == 404
    assert client.post(f"/orders/rates/{cards.default.id}/edit", data=form).status_code == 403
    assert client.post(f"/orders/rates/{cards.default.id}/end", data={"last_day": "2026-12-02"}).status_code == 403
    assert client.post(f"/orders/rates/{mine.id}/end", data={"last_day": "2026-12-15"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(RateCard, mine.id).valid_to == date(2026, 12, 15)
    assert db.session.get(RateCard, cards.default.id).valid_to == date(2026, 12, 31)


@freeze_time("2026-12-01 10:00:00")
def test_head_office_edits_the_regions_default(client, auth, db, cards):
    auth.login(cards.admin.email)
    form = {"region_id": cards.moscow.id, "franchise_id": "0", "work_type": "Snow clearing", "conditions": "outdoor",
            "min_headcount": "1", "pay_rate": "130", "bill_rate": "260", "valid_from": "2026-12-01", "valid_to": ""}
    assert client.post("/orders/rates/new", data=form).status_code == 302
    card = db.session.scalar(select(RateCard).where(RateCard.work_type == "snow clearing"))
    assert (card.franchise_id, card.pay_rate, card.valid_to) == (None, D("130.00"), None)
    edited = client.post(f"/orders/rates/{card.id}/edit", data={**form, "bill_rate": "275"})
    assert edited.status_code == 302
    db.session.expire_all()
    assert db.session.get(RateCard, card.id).bill_rate == D("275.00")
    for role in ("a_dispatcher", "a_recruiter"):
        auth.logout()
        auth.login(getattr(cards, role).email)
        assert client.post("/orders/rates/new", data=form).status_code == 403
