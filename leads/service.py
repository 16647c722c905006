"""Leads: territories, taking a call, routing by leads.routing's rule, and a branch's answer."""
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import String, cast, func, literal, null, select, union_all

from clients.models import Client, Site
from core import locks
from core.geo import haversine_km
from core.geocoding import GeocodeError, geocode
from core.i18n import lazy_gettext as _l
from core.templating import HEAD_OFFICE_TIMEZONE
from core.tenancy import network_wide
from core.timeutil import utcnow
from extensions import db
from franchise.models import Franchise, Region
from franchise.service import list_franchises, list_regions
from leads import promises, routing, sla, texts
from leads.models import OPEN_STATUSES, Lead, LeadEvent
from orders import service as orders_service
from orders.models import Order

TIER_ORDER = {"official": 0, "brand": 1, "basic": 2, "head_office": 3}
SHOWN_MATCHES = 5
CAMPAIGNED = ("campaign", "web_form")  # sources whose campaign name is kept (a site's form may name its campaign)


class LeadError(ValueError):
    """A lead could not be taken or answered; .field names the input at fault, .status the HTTP answer."""

    def __init__(self, message, field: str | None = None, status: int = 400):
        super().__init__(message)
        self.field = field
        self.status = status


@dataclass
class Territory:
    region: Region
    distance_km: float
    franchises: list[Franchise]


def franchises_by_region() -> list[tuple[Region, list[Franchise]]]:
    """Return each region with its active franchises, the official representative first."""
    franchises = list_franchises()
    return [
        (
            region,
            sorted(
                (f for f in franchises if f.region_id == region.id and f.status == "active"),
                key=lambda f: (TIER_ORDER.get(f.tier, 9), f.name),
            ),
        )
        for region in list_regions()
    ]


def territory_for(lat: float, lon: float) -> Territory | None:
    """Return the nearest region whose radius covers the point, with its franchises."""
    best = None
    for region, franchises in franchises_by_region():
        distance = haversine_km(lat, lon, region.center_lat, region.center_lon)
        if distance <= float(region.radius_km) and (best is None or distance < best.distance_km):
            best = Territory(region, distance, franchises)
    return best


# --- the caller's card -------------------------------------------------------------------

def find_by_phone(phone: str | None) -> dict:
    """Return the clients and the open leads with this E.164 phone (what the agent sees at once), and each
    client's latest orders (its history)."""
    if not phone:
        return {"clients": [], "leads": [], "orders": {}}
    clients = list(db.session.scalars(select(Client).where(Client.phone == phone).order_by(Client.id)
                                      .limit(SHOWN_MATCHES)))
    leads = list(db.session.scalars(select(Lead).where(Lead.phone == phone, Lead.status.in_(OPEN_STATUSES))
                                    .order_by(Lead.created_at.desc(), Lead.id.desc()).limit(SHOWN_MATCHES)))
    orders = {c.id: list(db.session.scalars(select(Order).where(Order.client_id == c.id)
                                            .order_by(Order.starts_at.desc(), Order.id.desc()).limit(SHOWN_MATCHES)))
              for c in clients}
    return {"clients": clients, "leads": leads, "orders": orders}


def open_lead_for(phone: str, now: datetime) -> Lead | None:
    """Return the open lead taken from this phone within LEAD_DUPLICATE_HOURS, the latest first."""
    since = now - timedelta(hours=current_app.config["LEAD_DUPLICATE_HOURS"])
    return db.session.scalar(select(Lead).where(
        Lead.phone == phone, Lead.status.in_(OPEN_STATUSES), Lead.created_at >= since)
        .order_by(Lead.created_at.desc(), Lead.id.desc()).limit(1))


# --- taking a call ------------------------------------------------------------------------

def take_lead(data: dict, by=None, keep_unlocated: bool = False) -> tuple[Lead, bool]:
    """Record a call as a new lead routed by the rule, or as a repeat call on the open one; commit.

    data: phone (E.164), caller_name, company, address, lat/lon (a map click; else the address
    is geocoded), work_type, headcount, day, start (local to the lead's region), hours, notes,
    source, campaign. Returns (lead, created). Raises LeadError with nothing saved.
    keep_unlocated: an address no map finds does not refuse the lead (a web form's: nobody is there
    to correct it); the lead is kept without a point and goes to head office, which says why.
    """
    now = utcnow()
    locks.lock_name(f"lead-phone:{data['phone']}")  # two agents taking the same caller at once make one lead
    existing = open_lead_for(data["phone"], now)
    if existing is not None:
        repeat = "repeat_web" if data["source"] == "web_form" else "repeat_call"
        _log(existing, "repeat_call", repeat, {"hours": _hours_text()}, note=data.get("notes"), by=by)
        db.session.commit()
        return existing, False
    try:
        lat, lon = _point(data)
    except LeadError as exc:
        if not (keep_unlocated and exc.field == "address"):
            raise
        lat = lon = None
        located = routing.Decision(None, "not_located", {"error": str(exc)})
    else:
        located = routing.locate(lat, lon, _areas(), current_app.config["LEAD_NEAREST_KM"])
    area = located.chosen
    zone = ZoneInfo(area.timezone if area else HEAD_OFFICE_TIMEZONE)
    starts_at = datetime.combine(data["day"], data["start"], tzinfo=zone)
    if starts_at < now:
        raise LeadError(_l("This time has passed: give the day and time the client needs workers."), "day")
    lead = Lead(
        caller_name=data["caller_name"], company=data.get("company") or None, phone=data["phone"],
        address=data["address"], lat=lat, lon=lon, work_type=data["work_type"], headcount=data["headcount"],
        starts_at=starts_at, hours=data.get("hours") or 8, notes=data.get("notes") or None,
        source=data["source"], campaign=(data.get("campaign") or None) if data["source"] in CAMPAIGNED else None,
        status="new", region_id=area.id if area else None, taken_by_id=getattr(by, "id", None),
    )
    db.session.add(lead)  # inserted with its routing at the flush route_lead ends with: one INSERT, one audit entry
    _log(lead, "taken", None, {}, by=by)
    _log(lead, "located", located.reason, located.details, by=by)
    route_lead(lead, by=by, fresh=True, zone=area.timezone if area else None)
    db.session.commit()
    return lead, True


def _hours_text() -> str:
    hours = current_app.config["LEAD_DUPLICATE_HOURS"]
    return f"{hours:g}"


def _point(data: dict) -> tuple[float, float]:
    """Return the lead's point: a map click (both coordinates) wins, else the address geocoded."""
    lat, lon = data.get("lat"), data.get("lon")
    if lat is not None and lon is not None:
        return float(lat), float(lon)
    if lat is not None or lon is not None:
        raise LeadError(_l("Give both latitude and longitude, or neither."), "lat")
    try:
        place = geocode(data["address"])
    except GeocodeError as exc:
        raise LeadError(str(exc), "address") from exc
    return place.lat, place.lon


def _areas() -> list[routing.Area]:
    rows = db.session.execute(network_wide(select(
        Region.id, Region.name, Region.center_lat, Region.center_lon, Region.radius_km, Region.timezone), Region))
    return [routing.Area(r.id, r.name, r.center_lat, r.center_lon, float(r.radius_km), r.timezone) for r in rows]


# --- routing ------------------------------------------------------------------------------

def _branches(region_id: int | None, now: datetime) -> list[routing.Branch]:
    """Return the region's active franchises (every franchise's, whoever asks) with their last lead's time
    and what each did with its leads of the last LEAD_ROUTING_DAYS (the weights of leads.routing)."""
    if region_id is None:
        return []
    rows = db.session.execute(network_wide(select(Franchise.id, Franchise.name, Franchise.tier).where(
        Franchise.region_id == region_id, Franchise.status == "active", Franchise.tier != "head_office"),
        Franchise)).all()
    ids = [r.id for r in rows]
    if not ids:
        return []
    since = now - timedelta(days=current_app.config["LEAD_ROUTING_DAYS"])
    # one round trip: each branch's last lead ever (kind "last"), then its steps of the window
    last_routed = select(LeadEvent.franchise_id, literal("last").label("kind"), cast(null(), String).label("reason"),
                         literal(0).label("n"), func.max(LeadEvent.at).label("at")).where(
        LeadEvent.kind == "routed", LeadEvent.franchise_id.in_(ids)).group_by(LeadEvent.franchise_id)
    window = select(LeadEvent.franchise_id, LeadEvent.kind, LeadEvent.reason, func.count(), func.max(LeadEvent.at)).where(
        LeadEvent.franchise_id.in_(ids), LeadEvent.kind.in_(("routed", "accepted", "declined", "expired")),
        LeadEvent.at >= since).group_by(LeadEvent.franchise_id, LeadEvent.kind, LeadEvent.reason)
    last: dict[int, datetime] = {}
    counts: dict[int, dict[str, int]] = {i: {"received": 0, "accepted": 0, "refused": 0, "converted": 0} for i in ids}
    for franchise_id, kind, reason, n, at in db.session.execute(union_all(last_routed, window)):
        if kind == "last":
            last[franchise_id] = at
            continue
        figure = {"routed": "received", "declined": "refused", "expired": "refused"}.get(kind)
        if kind == "accepted":  # an accept logs its step, then what it made (reason "converted" or "no_draft")
            figure = "accepted" if reason is None else "converted" if reason == "converted" else None
        if figure:
            counts[franchise_id][figure] += n
    return [routing.Branch(r.id, r.name, r.tier, last.get(r.id), **counts[r.id]) for r in rows]


def _head_office() -> tuple[int, str] | None:
    row = db.session.execute(network_wide(select(Franchise.id, Franchise.name).where(
        Franchise.tier == "head_office", Franchise.status == "active").order_by(Franchise.id).limit(1), Franchise)).first()
    return (row.id, row.name) if row else None


def _tried(lead: Lead) -> set[int]:
    """Return the franchises that already had the lead."""
    return set(db.session.scalars(select(LeadEvent.franchise_id).where(
        LeadEvent.lead_id == lead.id, LeadEvent.kind == "routed", LeadEvent.franchise_id.is_not(None))))


def route_lead(lead: Lead, by=None, now: datetime | None = None, *, fresh: bool = False,
               zone: str | None = None) -> LeadEvent:
    """Hand the lead to the next franchise by the rule (leads.routing), or head office; log why (no commit).

    A branch must accept it by sla_due_at (leads.sla); head office, the last resort, has no
    deadline. The franchise it reaches is told by SMS (leads.jobs.tell_branch, promised here).
    fresh: the lead was just taken (no franchise had it yet); zone: its region's, when the caller
    read it already (a branch it goes to is of that region). Both spare a read on the intake's path.
    """
    now = now or utcnow()
    with db.session.no_autoflush if fresh else nullcontext():  # a fresh lead is not written before it is routed
        tried = set() if fresh else _tried(lead)
        if lead.lat is None:  # no map found the address: only head office can find out where it is
            decision = routing.Decision(None, "not_located", {})
        else:
            decision = routing.choose_branch(_branches(lead.region_id, now), tried)
        if decision.chosen is not None:
            target, reason, details = decision.chosen.id, decision.reason, decision.details
        else:
            head = _head_office()
            if head is not None and head[0] in tried:  # head office itself declined it
                lead.status, lead.franchise_id, lead.sla_due_at = "lost", None, None
                return _log(lead, "lost", decision.reason, decision.details, by=by)
            target, reason = (head[0] if head else None), "head_office"
            details = {"before": decision.reason}
        due = sla_deadline(target, lead.region_id, now, zone) if decision.chosen is not None else None
    # no head-office franchise on record: the lead stays new, with the call centre. The lead is changed in one
    # go, after every read: a change after an autoflush would lose the hand-over tenancy allows (Lead).
    lead.franchise_id, lead.status, lead.routed_at, lead.sla_due_at = target, "routed" if target else "new", now, due
    event = _log(lead, "routed", reason, details, by=by, franchise_id=target, at=now)
    if reason == "head_office":
        event.note = texts.describe(decision.reason, decision.details) or None
    if target is not None:
        db.session.flush()
        promises.tell_branch(event.id)
    return event


def working_hours() -> sla.WorkingHours:
    """Return the branches' working hours of the settings (LEAD_WORKING_HOURS on LEAD_WORKING_DAYS)."""
    config = current_app.config
    return sla.parse_working_hours(config["LEAD_WORKING_HOURS"], config["LEAD_WORKING_DAYS"])


def sla_deadline(franchise_id: int, region_id: int | None, start: datetime, zone: str | None = None) -> datetime:
    """Return when a branch given a lead at start must have accepted it: LEAD_SLA_MINUTES of working time
    in the zone of the branch's region (zone, when the caller knows it)."""
    return sla.due_at(start, current_app.config["LEAD_SLA_MINUTES"], working_hours(),
                      zone or branch_timezone(franchise_id, region_id))


def branch_timezone(franchise_id: int | None, region_id: int | None = None) -> str:
    """Return the zone of the franchise's region, else of region_id, else head office's."""
    zone = None
    if franchise_id is not None:
        zone = db.session.scalar(network_wide(select(Region.timezone).join(Franchise, Franchise.region_id == Region.id)
                                              .where(Franchise.id == franchise_id), Franchise, Region))
    if zone is None and region_id is not None:
        zone = db.session.scalar(network_wide(select(Region.timezone).where(Region.id == region_id), Region))
    return zone or HEAD_OFFICE_TIMEZONE


def expire_lead(lead_id: int, franchise_id: int, now: datetime) -> bool:
    """Pass the lead on to the next branch if franchise_id still holds it past its deadline; commit.
    Return whether it moved.

    Decided under the lead's row lock on the row as committed now, so a second run (another
    worker's sweep, a repeated job) or a run after the branch accepted or declined does nothing.
    Both branches are told: the one that lost it and the one it reaches.
    """
    lead = locks.lock(Lead, lead_id)
    if (lead is None or lead.status != "routed" or lead.franchise_id != franchise_id
            or lead.sla_due_at is None or lead.sla_due_at > now):
        db.session.rollback()
        return False
    name = db.session.scalar(network_wide(select(Franchise.name).where(Franchise.id == franchise_id), Franchise))
    expired = _log(lead, "expired", "sla_expired", {
        "franchise": name or "—", "minutes": current_app.config["LEAD_SLA_MINUTES"]}, at=now)
    db.session.flush()
    promises.tell_branch(expired.id)
    route_lead(lead, now=now)
    db.session.commit()
    return True


def _log(lead: Lead, kind: str, reason: str | None, details: dict, *, note=None, by=None,
         franchise_id: int | None = None, at: datetime | None = None) -> LeadEvent:
    event = LeadEvent(lead=lead, at=at or utcnow(), kind=kind, reason=reason, details=details, note=note or None,
                      franchise_id=franchise_id if franchise_id is not None else lead.franchise_id,
                      user_id=getattr(by, "id", None))
    db.session.add(event)
    return event


# --- the branch's answer ------------------------------------------------------------------

def get_lead(lead_id: int) -> Lead | None:
    return db.session.get(Lead, lead_id)


def waiting_count() -> int:
    """Return how many of the viewer's leads wait for an answer (the inbox's first list; tenancy decides whose)."""
    return db.session.scalar(select(func.count()).select_from(Lead).where(Lead.status == "routed")) or 0


def inbox(limit: int = 100) -> tuple[list[Lead], list[Lead]]:
    """Return the visible leads waiting for an answer (oldest first) and the latest answered ones."""
    waiting = list(db.session.scalars(select(Lead).where(Lead.status == "routed").order_by(Lead.routed_at, Lead.id)
                                      .limit(limit)))
    answered = list(db.session.scalars(select(Lead).where(Lead.status.in_(("accepted", "converted")))
                                       .order_by(Lead.updated_at.desc()).limit(20)))
    return waiting, answered


PAGE_SIZE = 50


def list_leads(status: str | None = None, source: str | None = None, since: datetime | None = None,
               until: datetime | None = None, page: int = 1) -> list[Lead]:
    """Return a page of the visible leads, the latest taken first, filtered by status, source and when taken."""
    statement = select(Lead)
    if status:
        statement = statement.where(Lead.status == status)
    if source:
        statement = statement.where(Lead.source == source)
    if since:
        statement = statement.where(Lead.created_at >= since)
    if until:
        statement = statement.where(Lead.created_at < until)
    return list(db.session.scalars(statement.order_by(Lead.created_at.desc(), Lead.id.desc())
                                   .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))


def recent_leads(limit: int = 30) -> list[Lead]:
    return list(db.session.scalars(select(Lead).order_by(Lead.created_at.desc(), Lead.id.desc()).limit(limit)))


def _locked_routed(lead_id: int) -> Lead:
    """Lock the lead as committed now; refuse it unless it still waits for an answer."""
    lead = locks.lock(Lead, lead_id)
    if lead is None:
        raise LookupError(lead_id)
    if lead.status != "routed":
        raise LeadError(_l("This lead has already been answered."), "status", 409)
    return lead


def decline_lead(lead_id: int, reason: str, by=None) -> Lead:
    """Decline the lead with a reason and hand it to the next franchise by the rule, or head office; commit."""
    reason = (reason or "").strip()
    if not reason:
        raise LeadError(_l("Say why the lead is declined."), "reason")
    lead = _locked_routed(lead_id)
    _log(lead, "declined", None, {}, note=reason, by=by)
    route_lead(lead, by=by)
    db.session.commit()
    return lead


def accept_lead(lead_id: int, by=None) -> Lead:
    """Accept the lead: its client (the franchise's own with that phone, or a new one), a site, a draft order; commit.

    Two users accepting at once convert it once: the second waits for the lead's lock and
    then finds it answered (LeadError, 409).
    """
    lead = _locked_routed(lead_id)
    client = db.session.scalar(select(Client).where(Client.franchise_id == lead.franchise_id, Client.phone == lead.phone)
                               .order_by(Client.id).limit(1))
    if client is None:
        client = Client(franchise_id=lead.franchise_id, name=lead.company or lead.caller_name, phone=lead.phone,
                        manager_id=getattr(by, "id", None), notes=_client_note(lead))
        db.session.add(client)
        db.session.flush()
    site = db.session.scalar(select(Site).where(Site.client_id == client.id, Site.address == lead.address)
                             .order_by(Site.id).limit(1))
    if site is None:
        site = Site(client_id=client.id, franchise_id=lead.franchise_id, name=lead.address[:200],
                    address=lead.address, lat=lead.lat, lon=lead.lon)
        db.session.add(site)
        db.session.flush()
    lead.client_id, lead.status, lead.sla_due_at = client.id, "accepted", None
    _log(lead, "accepted", None, {"client": client.name}, by=by)
    try:
        order = orders_service.new_order({
            "client_id": client.id, "site_id": site.id, "work_type": lead.work_type,
            "workers_needed": lead.headcount, "starts_at": lead.starts_at,
            "ends_at": lead.starts_at + timedelta(hours=lead.hours), "notes": lead.notes, "dispatch": False,
        }, by)
    except orders_service.OrderError as exc:
        _log(lead, "accepted", "no_draft", {"error": str(exc)}, by=by)
    else:
        lead.order_id, lead.status = order.id, "converted"
        _log(lead, "accepted", "converted", {"order": order.code}, by=by)
    db.session.commit()
    return lead


def _client_note(lead: Lead) -> str:
    return "\n".join(filter(None, (lead.caller_name, lead.notes)))
