"""Rows for tests, committed like the product commits them."""
import io
import itertools
from decimal import Decimal
from types import SimpleNamespace

from werkzeug.security import generate_password_hash

from clients.models import Client, Site
from core.models import User
from extensions import db
from franchise.models import Franchise, Region
from workers.models import Worker

PASSWORD = "correct-horse-battery"
_HASH = generate_password_hash(PASSWORD)
_seq = itertools.count(1)


def _save(obj):
    db.session.add(obj)
    db.session.commit()
    return obj


def region(**kw) -> Region:
    n = next(_seq)
    values = dict(code=f"R{n}", name=f"City {n}", timezone="Europe/Moscow", currency="RUB",
                  center_lat=55.75, center_lon=37.62, radius_km=Decimal("40"))
    return _save(Region(**{**values, **kw}))


def franchise(region=None, **kw) -> Franchise:
    n = next(_seq)
    values = dict(name=f"Franchise {n}", tier="brand", region_id=region.id if region else None)
    return _save(Franchise(**{**values, **kw}))


def user(role="dispatcher", franchise=None, **kw) -> User:
    n = next(_seq)
    values = dict(email=f"{role}{n}@test.artel", name=f"{role.title()} {n}", password_hash=_HASH, role=role,
                  franchise_id=franchise.id if franchise else None)
    return _save(User(**{**values, **kw}))


def worker(region, **kw) -> Worker:
    n = next(_seq)
    values = dict(first_name=f"Ivan{n}", last_name=f"Petrov{n}", phone=f"+7912{n:07d}", region_id=region.id,
                  status="active", skill_mask=1, lat=region.center_lat, lon=region.center_lon)
    return _save(Worker(**{**values, **kw}))


def client(franchise, **kw) -> Client:
    n = next(_seq)
    return _save(Client(**{**dict(name=f"Client {n}", franchise_id=franchise.id), **kw}))


def site(client, **kw) -> Site:
    n = next(_seq)
    values = dict(name=f"Site {n}", address=f"Street {n}", client_id=client.id, franchise_id=client.franchise_id,
                  lat=55.7, lon=37.6)
    return _save(Site(**{**values, **kw}))


def two_franchise_network() -> SimpleNamespace:
    """Franchise A (Moscow) and B (Kazan), each with a partner, staff, a client, a site, workers."""
    moscow = region(name="Moscow", code="MSK")
    kazan = region(name="Kazan", code="KZN", center_lat=55.79, center_lon=49.12)
    head = franchise(name="Head office", tier="head_office")
    a = franchise(moscow, name="Alpha Moscow", tier="official")
    b = franchise(kazan, name="Bravo Kazan", tier="official")
    net = SimpleNamespace(moscow=moscow, kazan=kazan, head=head, a=a, b=b)
    net.admin = user("admin")
    for side, fr, reg in (("a", a, moscow), ("b", b, kazan)):
        for role in ("partner", "dispatcher", "recruiter", "foreman"):
            setattr(net, f"{side}_{role}", user(role, fr, email=f"{role}.{side}@test.artel"))
        setattr(net, f"{side}_client", client(fr, name=f"Client of {fr.name}", phone=f"+749512{len(fr.name):05d}"))
        setattr(net, f"{side}_site", site(getattr(net, f"{side}_client"), name=f"Site of {fr.name}"))
        setattr(net, f"{side}_worker", worker(reg, first_name=f"Worker{side.upper()}", last_name=f"Of{fr.name.split()[0]}"))
    net.callcentre = user("callcentre", email="callcentre@test.artel")
    return net


def same_region_network() -> SimpleNamespace:
    """Franchises A and B in ONE region (Moscow) sharing its pool, and C in Kazan; each with staff and a client.

    The shape every rule that guards a worker or the network is tested on: A and B see the
    same workers but never each other's clients, orders, offers or messages.
    """
    moscow = region(name="Moscow", code="MSK")
    kazan = region(name="Kazan", code="KZN", center_lat=55.79, center_lon=49.12)
    head = franchise(name="Head office", tier="head_office")
    a = franchise(moscow, name="Alpha Moscow", tier="official")
    b = franchise(moscow, name="Bravo Moscow", tier="brand")
    c = franchise(kazan, name="Charlie Kazan", tier="official")
    net = SimpleNamespace(moscow=moscow, kazan=kazan, head=head, a=a, b=b, c=c)
    net.admin = user("admin")
    for side, fr, reg in (("a", a, moscow), ("b", b, moscow), ("c", c, kazan)):
        for role in ("partner", "dispatcher", "recruiter", "foreman"):
            setattr(net, f"{side}_{role}", user(role, fr, email=f"{role}.{side}@test.artel"))
        setattr(net, f"{side}_client", client(fr, name=f"Client of {fr.name}", phone=f"+7495120{ord(side):04d}"))
        setattr(net, f"{side}_site", site(getattr(net, f"{side}_client"), name=f"Site of {fr.name}",
                                          lat=reg.center_lat, lon=reg.center_lon))
        setattr(net, f"{side}_worker", worker(reg, first_name=f"Worker{side.upper()}", last_name=f"Pool{side.upper()}"))
    net.callcentre = user("callcentre", email="callcentre@test.artel")
    return net


def order(site, needed=10, target=15, code=None, starts_at=None, hours=8, status="dispatching", **kw) -> "Order":
    from datetime import datetime, timedelta, timezone

    from orders.models import Order

    n = next(_seq)
    starts_at = starts_at or datetime(2026, 12, 2, 6, tzinfo=timezone.utc)
    client = site.client
    values = dict(franchise_id=site.franchise_id, region_id=client.franchise.region_id, client_id=client.id,
                  site_id=site.id, work_type="loading", workers_needed=needed, booking_target=target,
                  starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours), pay_rate=Decimal("100.00"),
                  bill_rate=Decimal("220.00"), status=status, code=code or f"{4000 + n}", overbooking_factor=Decimal("1.5"))
    return _save(Order(**{**values, **kw}))


def offer(order, worker, state="offered", **kw) -> "Offer":
    from dispatch.models import Offer

    values = dict(order_id=order.id, worker_id=worker.id, franchise_id=order.franchise_id, state=state,
                  starts_at=order.starts_at, ends_at=order.ends_at)
    return _save(Offer(**{**values, **kw}))


def lead(franchise, **kw) -> "Lead":
    """A lead routed to franchise (waiting for its answer), with its routing step logged."""
    from datetime import datetime, timezone

    from leads.models import Lead, LeadEvent

    n = next(_seq)
    values = dict(caller_name=f"Caller {n}", company=f"Company {n}", phone=f"+7903{n:07d}", address=f"Lead street {n}",
                  lat=55.75, lon=37.62, work_type="loading", headcount=4,
                  starts_at=datetime(2026, 12, 5, 6, tzinfo=timezone.utc), hours=8, source="phone", status="routed",
                  region_id=franchise.region_id, franchise_id=franchise.id,
                  routed_at=datetime(2026, 12, 1, 9, tzinfo=timezone.utc))
    made = _save(Lead(**{**values, **kw}))
    _save(LeadEvent(lead_id=made.id, kind="routed", reason="official", details={"franchise": franchise.name},
                    franchise_id=made.franchise_id, at=made.routed_at))
    return made


def playbook_document(min_tier="basic", title=None, data=b"Step 1. Open the gate.\nStep 2. Count the crew.\n",
                      filename="guide.txt", by=None) -> "PlaybookDocument":
    """A document with its first version stored under UPLOAD_FOLDER (point it at a temporary folder)."""
    from playbook import files, service

    n = next(_seq)
    document = service.draft_document(title or f"Guide {n}", f"About guide {n}", min_tier,
                                      files.inspect_upload(io.BytesIO(data), filename), by)
    db.session.commit()
    return document
