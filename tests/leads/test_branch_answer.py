"""The branch answers a lead routed to it: accept (client, site, draft order) or decline (the next branch).

A (official) and B (brand) share Moscow: each sees only the leads routed to it.
"""
from decimal import Decimal

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from clients.models import Client, Site
from leads import service
from leads.models import Lead, LeadEvent
from orders import service as orders_service
from orders.models import Order, RateCard
from tests import factories
from tests.races import Holder, in_thread, wait_for_lock_wait


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time("2026-12-01 10:00:00"):
        yield


@pytest.fixture
def rates(db, city):
    return factories._save(RateCard(region_id=city.moscow.id, work_type="loading", conditions="indoor_warm",
                                    pay_rate=Decimal("100"), bill_rate=Decimal("220")))


def fresh(db, lead):
    db.session.expire_all()
    return db.session.get(Lead, lead.id)


def count(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def routed_to(db, lead):
    return [(e.reason, e.franchise_id) for e in db.session.scalars(
        select(LeadEvent).where(LeadEvent.lead_id == lead.id, LeadEvent.kind == "routed").order_by(LeadEvent.id))]


def test_the_partner_sees_his_lead_in_the_inbox_and_accepting_makes_a_client_and_a_draft_order(client, auth, db, city,
                                                                                                  rates):
    lead = factories.lead(city.a, company="Promsnab", phone="+79165551234", notes="Gate 3")
    auth.login(city.a_partner.email)
    inbox = client.get("/leads/inbox").get_data(as_text=True)
    assert "Promsnab" in inbox and "Lead street" in inbox
    response = client.post(f"/leads/{lead.id}/accept")
    lead = fresh(db, lead)
    assert lead.status == "converted"
    made = db.session.get(Client, lead.client_id)
    assert (made.name, made.phone, made.franchise_id) == ("Promsnab", "+79165551234", city.a.id)
    site = db.session.scalar(select(Site).where(Site.client_id == made.id))
    assert (site.address, site.lat, site.lon) == (lead.address, lead.lat, lead.lon)
    order = db.session.get(Order, lead.order_id)
    assert (order.status, order.franchise_id, order.site_id, order.work_type) == ("draft", city.a.id, site.id, "loading")
    assert (order.workers_needed, order.starts_at, order.notes) == (4, lead.starts_at, "Gate 3")
    assert order.bill_rate == Decimal("220.00")
    assert response.headers["Location"].endswith(f"/orders/{order.id}")
    assert "Promsnab" not in client.get("/leads/inbox").get_data(as_text=True).split("Answered lately")[0]


def test_the_dispatcher_sends_the_draft_out_as_any_other(client, auth, db, city, rates):
    lead = factories.lead(city.a)
    auth.login(city.a_dispatcher.email)
    client.post(f"/leads/{lead.id}/accept")
    order = db.session.get(Order, fresh(db, lead).order_id)
    assert order.code in client.get("/orders/").get_data(as_text=True)
    orders_service.confirm_order(order)
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "dispatching"


def test_accepting_links_the_franchise_s_client_with_that_phone(client, auth, db, city, rates):
    lead = factories.lead(city.a, phone=city.a_client.phone, address=city.a_site.address)
    factories.lead(city.b, phone=city.a_client.phone)  # B's own lead of the same caller changes nothing here
    auth.login(city.a_partner.email)
    client.post(f"/leads/{lead.id}/accept")
    lead = fresh(db, lead)
    assert lead.client_id == city.a_client.id
    assert count(db, Client, Client.franchise_id == city.a.id) == 1
    assert count(db, Site, Site.client_id == city.a_client.id) == 1  # the same address: the same site


def test_a_lead_of_a_phone_another_franchise_knows_makes_this_franchise_its_own_client(client, auth, db, city, rates):
    lead = factories.lead(city.a, phone=city.b_client.phone)
    auth.login(city.a_partner.email)
    client.post(f"/leads/{lead.id}/accept")
    made = db.session.get(Client, fresh(db, lead).client_id)
    assert made.id != city.b_client.id and made.franchise_id == city.a.id


def test_without_a_rate_card_the_lead_is_accepted_with_its_client_and_no_order(client, auth, db, city):
    lead = factories.lead(city.a)
    auth.login(city.a_partner.email)
    response = client.post(f"/leads/{lead.id}/accept")
    lead = fresh(db, lead)
    assert (lead.status, lead.order_id) == ("accepted", None) and lead.client_id
    assert response.headers["Location"].endswith(f"/clients/{lead.client_id}")
    page = client.get(f"/leads/{lead.id}").get_data(as_text=True)
    assert "no draft order: No rate card" in page


def test_a_second_accept_is_refused_and_converts_nothing_more(client, auth, db, city, rates):
    lead = factories.lead(city.a)
    auth.login(city.a_partner.email)
    client.post(f"/leads/{lead.id}/accept")
    response = client.post(f"/leads/{lead.id}/accept")
    assert response.status_code == 409 and "already been answered" in response.get_data(as_text=True)
    assert count(db, Order) == 1 and count(db, Client, Client.franchise_id == city.a.id) == 2


def test_two_users_accepting_at_the_same_moment_convert_once(app, db, city, rates):
    lead = factories.lead(city.a)
    other = Holder()  # the partner's accept: the lead locked, converted, not yet committed
    other.lock("lead", lead.id)
    other.execute("UPDATE lead SET status = 'converted' WHERE id = :id", id=lead.id)
    dispatcher = in_thread(app, service.accept_lead, lead.id)
    wait_for_lock_wait(dispatcher)
    other.commit()
    with pytest.raises(service.LeadError, match="already been answered"):
        dispatcher.result(timeout=20)
    assert count(db, Order) == 0 and count(db, Client, Client.franchise_id == city.a.id) == 1
    assert count(db, LeadEvent, LeadEvent.kind == "accepted") == 0


def test_an_accept_waiting_behind_a_decline_converts_nothing(app, db, city, rates):
    lead = factories.lead(city.a)
    other = Holder()
    other.lock("lead", lead.id)
    other.execute("UPDATE lead SET franchise_id = :b WHERE id = :id", id=lead.id, b=city.b.id)
    waiting = in_thread(app, service.accept_lead, lead.id)
    wait_for_lock_wait(waiting)
    other.execute("UPDATE lead SET status = 'routed' WHERE id = :id", id=lead.id)
    other.rollback()  # B never got it after all: the accept goes ahead on what is committed
    waiting.result(timeout=20)
    assert fresh(db, lead).status == "converted"
    assert count(db, Order) == 1


# --- declining --------------------------------------------------------------------------

def test_declining_hands_the_lead_to_the_region_s_next_branch_then_head_office_then_it_is_lost(client, auth, db, city):
    lead = factories.lead(city.a)
    auth.login(city.a_partner.email)
    response = client.post(f"/leads/{lead.id}/decline", data={"reason": "No crew that day"})
    assert response.status_code == 302
    assert (fresh(db, lead).franchise_id, fresh(db, lead).status) == (city.b.id, "routed")
    assert client.get(f"/leads/{lead.id}").status_code == 404  # A gave it away: it is B's now
    auth.logout()
    auth.login(city.b_dispatcher.email)
    assert lead.caller_name in client.get("/leads/inbox").get_data(as_text=True)
    client.post(f"/leads/{lead.id}/decline", data={"reason": "Too far"})
    assert fresh(db, lead).franchise_id == city.head.id
    auth.logout()
    auth.login(city.admin.email)
    page = client.get(f"/leads/{lead.id}").get_data(as_text=True)
    assert "No crew that day" in page and "Too far" in page and "weighted round robin" in page.lower()
    assert "Every franchise of the region has had this lead." in page
    client.post(f"/leads/{lead.id}/decline", data={"reason": "Nobody can"})
    assert fresh(db, lead).status == "lost"
    assert routed_to(db, lead) == [("official", city.a.id), ("weighted_round_robin", city.b.id),
                                   ("head_office", city.head.id)]
    declined = db.session.scalars(select(LeadEvent).where(LeadEvent.lead_id == lead.id, LeadEvent.kind == "declined")
                                  .order_by(LeadEvent.id)).all()
    assert [(e.franchise_id, e.user_id) for e in declined] == [
        (city.a.id, city.a_partner.id), (city.b.id, city.b_dispatcher.id), (city.head.id, city.admin.id)]


def test_a_decline_needs_a_reason(client, auth, db, city):
    lead = factories.lead(city.a)
    auth.login(city.a_partner.email)
    response = client.post(f"/leads/{lead.id}/decline", data={"reason": " "})
    assert response.status_code == 400 and "This field is required." in response.get_data(as_text=True)
    assert fresh(db, lead).franchise_id == city.a.id and count(db, LeadEvent, LeadEvent.kind == "declined") == 0


# --- tenancy ----------------------------------------------------------------------------

def test_b_never_sees_or_answers_a_s_lead_in_the_same_region(client, auth, db, city, rates):
    lead = factories.lead(city.a, company="Alpha-only Ltd")
    for user in (city.b_partner, city.b_dispatcher):
        auth.login(user.email)
        assert "Alpha-only Ltd" not in client.get("/leads/inbox").get_data(as_text=True)
        assert client.get(f"/leads/{lead.id}").status_code == 404
        assert client.post(f"/leads/{lead.id}/accept").status_code == 404
        assert client.post(f"/leads/{lead.id}/decline", data={"reason": "mine now"}).status_code == 404
        assert client.get(f"/records/lead/{lead.id}/history").status_code == 404
        auth.logout()
    lead = fresh(db, lead)
    assert (lead.status, lead.franchise_id) == ("routed", city.a.id)
    assert count(db, LeadEvent, LeadEvent.lead_id == lead.id) == 1


def test_head_office_and_the_call_centre_see_every_lead(client, auth, db, city):
    a_lead, b_lead = factories.lead(city.a), factories.lead(city.b)
    for user in (city.admin, city.callcentre):
        auth.login(user.email)
        for lead in (a_lead, b_lead):
            assert client.get(f"/leads/{lead.id}").status_code == 200
        auth.logout()
    auth.login(city.callcentre.email)
    page = client.get(f"/leads/{a_lead.id}").get_data(as_text=True)
    assert 'data-testid="accept"' not in page  # the call centre routes; the branch answers
    assert client.post(f"/leads/{a_lead.id}/accept").status_code == 403
