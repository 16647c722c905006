"""Every route, every method, as franchise A's staff, against franchise B's rows, B in A's OWN region.

A and B share Moscow and its pool of workers: A sees the pool (B's worker included) but
never B's clients, sites, orders, offers, messages, alerts, users or tokens, nor the
other region's (C's, Kazan) workers and rates. B's order books a shared worker, so A's
view of that worker must show the booking as busy and nothing of it.

Routes are read from the app's URL map, so a new route is walked without touching this
file; a route with a URL argument this file cannot fill fails the test until it is
taught which of B's rows that argument names.
"""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from clients.models import Client, Site
from core import service
from core.models import ApiToken, AuditEntry, User
from franchise.models import Franchise, Region
from leads.models import Call, Lead, LeadEvent
from core.timeutil import utcnow
from dispatch.models import Alert, Message, MessageReader, Offer
from orders.models import Attendance, Order, RateCard
from playbook.models import PlaybookAccess, PlaybookDocument, PlaybookVersion
from ratings import service as ratings_service
from ratings.models import RatingEvent
from royalty.models import RoyaltyPayment, Statement, StatementLine
from tests import factories
from workers.models import Interview, StatusChange, Worker, WorkerBlackout

# Endpoints that act on the caller's own session and no record.
SESSION_ENDPOINTS = {"core.logout", "core.login", "static"}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


# URL arguments named after something other than their table
ARG_TABLES = {"blackout": "worker_blackout", "document": "playbook_document", "neighbour": "region"}


def _b_rows(net, db):
    """Map each audited table to one of B's rows (or, for the pool's tables, of the other region's: C's)."""
    service.issue_token(net.b_partner, "b-integration")
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == net.b_partner.id))
    blackout = factories._save(WorkerBlackout(worker_id=net.c_worker.id, day=date(2026, 12, 2)))
    interview = factories._save(Interview(worker_id=net.c_worker.id, recruiter_id=net.c_recruiter.id, outcome="approved"))
    change = factories._save(StatusChange(worker_id=net.c_worker.id, from_status="applicant", to_status="active"))
    event = ratings_service.record_event(net.c_worker.id, "came", utcnow(), quality=5)
    order = factories.order(net.b_site, needed=2, target=3, code="909173", status="filled",
                            starts_at=utcnow().replace(microsecond=0) + timedelta(days=2))
    offer = factories.offer(order, net.b_worker, state="booked", booked_at=utcnow())  # a worker A shares
    # a closed shift of B's three days ago, worked by the shared worker: in B's trend and B's workers, not A's
    worked = factories.order(net.b_site, needed=1, target=1, code="909175", status="completed",
                             starts_at=utcnow().replace(microsecond=0) - timedelta(days=3))
    factories._save(Attendance(order_id=worked.id, worker_id=net.b_worker.id, franchise_id=net.b.id, outcome="came",
                               hours=Decimal("8")))
    message = factories._save(Message(direction="in", phone=net.b_worker.phone, body="where is the gate? B-secret",
                                      status="received", sid="SMb0000000000000000000000000000001", needs_attention=True,
                                      worker_id=net.b_worker.id, region_id=net.moscow.id, franchise_id=net.b.id))
    factories._save(MessageReader(message_id=message.id, franchise_id=net.b.id))
    factories._save(Message(direction="out", kind="offer", phone=net.b_worker.phone, body="Work 909173 B-secret offer",
                            status="sent", worker_id=net.b_worker.id, region_id=net.moscow.id, order_id=order.id,
                            franchise_id=net.b.id))
    alert = factories._save(Alert(order_id=order.id, kind="short", detail="0/2", franchise_id=net.b.id))
    factories._save(RateCard(region_id=net.kazan.id, work_type="loading", conditions="outdoor",
                             pay_rate=Decimal("100"), bill_rate=Decimal("200")))  # the other region's default
    card = factories._save(RateCard(region_id=net.moscow.id, franchise_id=net.b.id, work_type="b-secret work",
                                    conditions="outdoor", pay_rate=Decimal("100"), bill_rate=Decimal("200")))  # B's own
    lead = factories.lead(net.b, company="B-secret lead", notes="B-secret notes")  # routed to B, in A's own region
    # the call that brought B's client in: the call centre's (head office's), never a franchise's to read
    call = factories._save(Call(sid="CA" + "b" * 32, from_phone=net.b_client.phone, status="completed", state="handled",
                                client_id=net.b_client.id, lead_id=lead.id))
    statement = factories._save(Statement(
        franchise_id=net.b.id, period="2026-10", turnover=Decimal("909173.00"), royalty_rate=Decimal("0.15"),
        royalty=Decimal("136375.95"), fixed_fee=Decimal("0"), adjustments=Decimal("0"), total=Decimal("136375.95"),
        due_on=date(2026, 11, 15)))
    factories._save(StatementLine(statement_id=statement.id, franchise_id=net.b.id, kind="order", order_id=order.id,
                                  period="2026-10", label="909173", billed=Decimal("909173.00"),
                                  amount=Decimal("136375.95")))
    factories._save(RoyaltyPayment(statement_id=statement.id, franchise_id=net.b.id, amount=Decimal("100.00"),
                                   paid_on=date(2026, 11, 2), reference="B-secret payment"))
    # Playbook documents are head office's, gated by package tier, not owned by B: A is official and reads every
    # live one, so the document the walk names is one withdrawn from every franchise; B's reads of it stay B's.
    document = factories._save(PlaybookDocument(title="B-secret withdrawn manual", description="", min_tier="basic",
                                                withdrawn_at=utcnow()))
    version = factories._save(PlaybookVersion(document_id=document.id, number=1, kind="pdf", size=1, sha256="0" * 64,
                                              content_type="application/pdf", filename="b-secret.pdf",
                                              stored_name="b-secret.pdf"))
    factories._save(PlaybookAccess(document_id=document.id, version_id=version.id, user_id=net.b_partner.id,
                                   franchise_id=net.b.id, kind="download", client_address="10.9.9.9"))
    return {
        "playbook_document": document.id,
        "lead": lead.id,
        "call": call.id,
        "user": net.b_partner.id,
        "api_token": token.id,
        "franchise": net.b.id,
        "region": net.kazan.id,
        "worker": net.c_worker.id,
        "client": net.b_client.id,
        "site": net.b_site.id,
        "worker_blackout": blackout.id,
        "interview": interview.id,
        "status_change": change.id,
        "rating_event": event.id,
        "order": order.id,
        "offer": offer.id,
        "rate_card": card.id,
        "message": message.id,
        "alert": alert.id,
        "statement": statement.id,
    }


def _snapshot(db, net):
    """Read everything of B (and of C's region) unscoped: rows and their values, to compare after the walk."""
    db.session.expire_all()
    rows = []
    for model, where in (
        (User, User.franchise_id == net.b.id),
        (Franchise, Franchise.id == net.b.id),
        (Region, Region.id == net.kazan.id),
        (Worker, Worker.region_id == net.kazan.id),
        (Client, Client.franchise_id == net.b.id),
        (Site, Site.franchise_id == net.b.id),
        (ApiToken, ApiToken.user_id == net.b_partner.id),
        (WorkerBlackout, WorkerBlackout.worker_id == net.c_worker.id),
        (Interview, Interview.worker_id == net.c_worker.id),
        (StatusChange, StatusChange.worker_id == net.c_worker.id),
        (RatingEvent, RatingEvent.worker_id == net.c_worker.id),
        (Order, Order.franchise_id == net.b.id),
        (Offer, Offer.franchise_id == net.b.id),
        (Attendance, Attendance.franchise_id == net.b.id),
        (RateCard, (RateCard.region_id == net.kazan.id) | (RateCard.franchise_id == net.b.id)),
        (Message, Message.franchise_id == net.b.id),
        (MessageReader, MessageReader.franchise_id == net.b.id),
        (Alert, Alert.franchise_id == net.b.id),
        (Lead, Lead.franchise_id == net.b.id),
        (LeadEvent, LeadEvent.franchise_id == net.b.id),
        (Call, Call.client_id == net.b_client.id),
        (Statement, Statement.franchise_id == net.b.id),
        (StatementLine, StatementLine.franchise_id == net.b.id),
        (RoyaltyPayment, RoyaltyPayment.franchise_id == net.b.id),
        (PlaybookDocument, PlaybookDocument.id.is_not(None)),
        (PlaybookVersion, PlaybookVersion.id.is_not(None)),
        (PlaybookAccess, PlaybookAccess.franchise_id == net.b.id),
    ):
        for obj in db.session.scalars(select(model).where(where).execution_options(include_deleted=True)):
            rows.append((model.__name__, {c.key: getattr(obj, c.key) for c in obj.__table__.columns if c.key != "updated_at"}))
    return sorted(rows, key=repr)


def _b_secrets(net):
    """What A must never read: B's business and the other region's pool (B's shared worker is not a secret)."""
    return [net.b.name, net.kazan.name, net.c.name, net.b_client.name, net.b_site.name, net.c_worker.last_name,
            net.b_partner.email, net.b_client.phone, "909173", "909175", "B-secret", "b-secret"]


def _urls(rule, b_rows, net):
    """Yield the URLs of rule filled with B's ids (one per audited table for <table>)."""
    args = set(rule.arguments)
    if not args:
        yield rule.rule, False
        return
    if args == {"table", "row_id"}:
        for table, row_id in b_rows.items():
            yield rule.rule.replace("<table>", table).replace("<int:row_id>", str(row_id)), True
        return
    url = rule.rule
    for arg in args:
        table = arg.removesuffix("_id")
        table = ARG_TABLES.get(table, table)
        assert table in b_rows, f"{rule.endpoint}: teach the walk which of B's rows <{arg}> names"
        url = url.replace(f"<int:{arg}>", str(b_rows[table])).replace(f"<{arg}>", str(b_rows[table]))
    yield url, True


def _payload(b_rows, net):
    """A plausible body that points every id field at B."""
    return {
        "name": "Hijack", "first_name": "Hijack", "last_name": "Hijack", "phone": "+79990001122",
        "email": "hijack@test.artel", "address": "Somewhere 1", "conditions": "outdoor", "language": "ru",
        "locale": "ru", "franchise_id": net.b.id, "region_id": net.kazan.id, "client_id": net.b_client.id,
        "site_id": net.b_site.id, "worker_id": net.c_worker.id, "user_id": net.b_partner.id,
    }


@pytest.mark.parametrize("role", ["partner", "dispatcher", "recruiter", "foreman"])
def test_staff_of_a_reach_nothing_of_b(app, client, auth, db, city, role):
    network = city
    user = getattr(network, f"a_{role}")
    b_rows = _b_rows(network, db)
    token = service.issue_token(user, "walk")
    before = _snapshot(db, network)
    secrets = _b_secrets(network)
    assert auth.login(user.email).status_code == 302
    headers = {"Authorization": f"Bearer {token}"}
    walked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SESSION_ENDPOINTS:
            continue
        for method in METHODS:
            if method not in rule.methods:
                continue
            for url, names_b in _urls(rule, b_rows, network):
                body = _payload(b_rows, network)
                if url.startswith("/api/"):
                    response = client.open(url, method=method, headers=headers, json=body)
                else:
                    response = client.open(url, method=method, headers=headers, data=body)
                walked += 1
                text = response.get_data(as_text=True)
                where = f"{method} {url} as {role} of A -> {response.status_code}"
                assert response.status_code < 500, where
                if names_b:
                    assert response.status_code in (401, 403, 404, 405), where
                for secret in secrets:
                    assert secret not in text, f"{where} shows {secret!r}"
    assert walked > 40
    calls = client.get("/leads/calls")  # the call centre's log names B's caller: head office's alone
    assert calls.status_code == 403 and net_phone_absent(calls, network)
    db.session.expire_all()
    assert _snapshot(db, network) == before
    assert client.get("/portal" if role == "partner" else "/profile").status_code == 200  # still logged in


def net_phone_absent(response, net) -> bool:
    return net.b_client.phone not in response.get_data(as_text=True)


def test_the_walk_would_see_b_if_tenancy_were_off(app, client, auth, db, city):
    """Guard against a walk that passes because it reaches nothing at all."""
    network = city
    b_rows = _b_rows(network, db)
    auth.login(network.admin.email)
    assert client.get(f"/clients/{network.b_client.id}").status_code == 200
    assert network.b_client.name in client.get("/clients/").get_data(as_text=True)
    assert client.get(f"/workers/{network.c_worker.id}").status_code == 200
    assert "B-secret" in client.get(f"/leads/{b_rows['lead']}").get_data(as_text=True)
    assert network.b.name in client.get("/leads/funnel").get_data(as_text=True)  # B's branch line, in A's region
    calls = client.get("/leads/calls").get_data(as_text=True)  # the call that brought B's client, on the call log
    assert network.b_client.name in calls and f"tel:{network.b_client.phone}" in calls
    integration = app.test_client()  # the API is asked without the session cookie, as an integrator asks it
    headers = {"Authorization": f"Bearer {service.issue_token(network.admin, 'walk-guard')}"}
    assert "B-secret" in integration.get(f"/api/v1/leads/{b_rows['lead']}", headers=headers).get_data(as_text=True)
    assert any(row["franchise_id"] == network.b.id
               for row in integration.get("/api/v1/leads/funnel", headers=headers).json["by_branch"])
    assert "B-secret" in client.get(f"/royalty/statements/{b_rows['statement']}").get_data(as_text=True)
    assert network.b.name in client.get("/royalty/").get_data(as_text=True)
    assert "b-secret work" in client.get("/orders/rates/").get_data(as_text=True)
    assert "B-secret" in client.get(f"/playbook/{b_rows['playbook_document']}").get_data(as_text=True)
    assert network.b.name in client.get("/playbook/log").get_data(as_text=True)
    card = client.get(f"/workers/{network.b_worker.id}").get_data(as_text=True)
    assert "909173" in card and "B-secret" in card  # head office sees B's shift and texts on the card
    history = client.get(f"/records/client/{network.b_client.id}/history")
    assert history.status_code == 200 and "created" in history.get_data(as_text=True)


def test_a_sees_the_shared_pool_and_b_s_booking_only_as_busy(client, auth, db, city):
    _b_rows(city, db)
    auth.login(city.a_dispatcher.email)
    card = client.get(f"/workers/{city.b_worker.id}")
    assert card.status_code == 200  # the pool of the region is shared
    page = card.get_data(as_text=True)
    assert 'data-testid="busy-elsewhere"' in page
    for secret in _b_secrets(city):
        assert secret not in page


def test_a_partners_portal_counts_and_lists_only_his_own_shifts(client, auth, db, city):
    """B's closed shift, worked by a worker of the pool A shares, is in B's trend and B's workers, never A's."""
    _b_rows(city, db)
    shared = city.b_worker.last_name
    auth.login(city.b_partner.email)
    assert shared in client.get("/portal/workers").get_data(as_text=True)
    assert 'data-value="1.0000"' in client.get("/portal").get_data(as_text=True)  # B's month: 1 place of 1 filled
    auth.logout()
    auth.login(city.a_partner.email)
    workers = client.get("/portal/workers")
    assert workers.status_code == 200 and shared not in workers.get_data(as_text=True)
    portal = client.get("/portal").get_data(as_text=True)
    assert 'data-testid="fill-rate-' in portal and 'data-value="1.0000"' not in portal
    assert "909175" not in portal


def test_a_partner_sees_its_own_rows(client, auth, db, city):
    network = city
    auth.login(network.a_partner.email)
    assert network.a_client.name in client.get("/clients/").get_data(as_text=True)
    assert client.get(f"/clients/{network.a_client.id}").status_code == 200
    assert client.get(f"/workers/{network.a_worker.id}").status_code == 200
    assert client.get(f"/records/client/{network.a_client.id}/history").status_code == 200


def test_audit_entries_of_b_are_not_listed_to_a(client, auth, db, city):
    network = city
    auth.login(network.a_partner.email)
    page = client.get(f"/records/client/{network.a_client.id}/history").get_data(as_text=True)
    assert network.b_client.name not in page
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.franchise_id == network.b.id)) is not None
