"""The call centre's past: months of inbound calls and web requests, and the leads they made, each routed by
the real rule.

Leads arrive over the history's months from every source (calls, the web form, referrals,
campaigns), the calls taken by the demo's agents. Each lead lives through the steps a real
one does, in the order they happen (a small event simulation, one clock for the whole
network): leads.routing locates it and picks its branch from what each branch did with its
leads so far (the official representative, else weighted round robin, else head office),
leads.sla gives the branch its deadline, and the branch accepts it (a client, a site and an
order: demo.history works and closes most of those orders, a few are cancelled, those of
days to come are drafts), declines it with a reason, or lets its time run out and the lead
moves on. Head office declines what no branch can serve, and the lead is lost. The last
few leads, routed minutes ago, wait in the branches' inboxes. The calls behind the leads
are written with a few missed and dismissed ones. Everything goes in through bulk inserts, as
the pool does (no audit entry per generated row).
"""
import heapq
import itertools
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import insert, select

from clients.models import SITE_CONDITIONS, Client, Site
from core.geo import haversine_km
from core.models import User
from core.templating import HEAD_OFFICE_TIMEZONE
from core.timeutil import utcnow
from demo.history import SHIFTS, Booking, first_day
from demo.names import COMPANIES, LAST, LEGAL_FORMS, MEN, MOBILE_PREFIXES, STREETS, WOMEN, point_near
from extensions import db
from franchise.models import Franchise, Region
from leads import routing, sla, texts
from leads import service as leads
from leads.models import OPEN_STATUSES, Call, Lead, LeadEvent

LEADS_PER_FRANCHISE_MONTH = 2
SOURCES = ("phone", "web_form", "referral", "campaign")
SOURCE_WEIGHTS = (55, 20, 10, 15)
CAMPAIGNS = ("Снегоуборка-2026", "Листовки на складах", "Яндекс Директ: грузчики", "Весенние переезды")
WORK = ("loading", "warehouse", "moving", "snow clearing", "cleaning")  # the demo's rate cards have each
WORK_WEIGHTS = (50, 20, 15, 10, 5)
NOTES = ("Разгрузка фуры, 20 тонн", "Переезд офиса, 3 этаж без лифта", "Снег с крыши склада",
         "Сборка стеллажей", "Инвентаризация", "", "", "")
DECLINES = ("Нет свободных людей на эту дату", "Клиент просит ставку ниже нашей", "Слишком далеко от наших объектов",
            "Клиент не берёт трубку", "Нужны высотники, таких у нас нет")
HEAD_DECLINES = ("Адрес так и не подтвердили, клиент не отвечает", "Вне зоны работы сети", "Спам")
TOWNS = ("пос. Заречный", "с. Никольское", "г. Луговой", "д. Берёзовка", "пос. Сосновый Бор")
NETWORK_NUMBER = "+74952150000"  # the number the network's adverts give
OPEN_PER_REGION = 2  # leads routed minutes ago, waiting in the inboxes
CHUNK = 5000


@dataclass
class _Branch:
    """A franchise as routing sees it over time: its steps of the routing window, and when it last got a lead."""

    id: int
    name: str
    tier: str
    region_id: int
    timezone: str
    accepts: float  # how likely it accepts a lead, and declines one (else it lets the time run out)
    declines: float
    user_id: int | None  # who answers for it, if the demo has a login there
    last: datetime | None = None
    window: deque = field(default_factory=deque)
    counts: dict = field(default_factory=lambda: {"received": 0, "accepted": 0, "refused": 0, "converted": 0})
    seen: routing.Branch | None = None  # as routing last saw it, while nothing has changed

    def note(self, at: datetime, figure: str) -> None:
        self.window.append((at, figure))
        self.counts[figure] += 1
        self.seen = None

    def seen_at(self, now: datetime, days: int) -> routing.Branch:
        """Return the branch with its figures of the days before now, as leads.service reads them."""
        since = now - timedelta(days=days)
        while self.window and self.window[0][0] < since:
            self.counts[self.window.popleft()[1]] -= 1
            self.seen = None
        if self.seen is None:
            self.seen = routing.Branch(self.id, self.name, self.tier, self.last, **self.counts)
        return self.seen


@dataclass
class _Lead:
    row: dict
    located: routing.Decision
    hold: bool = False  # taken minutes ago: nobody has answered it yet
    events: list = field(default_factory=list)
    tried: set = field(default_factory=set)
    turn: int = 0  # each routing starts a turn; an answer or a deadline of an earlier turn is void
    answer: str = ""  # what its branch will say: accept or decline
    client: dict | None = None  # the Client's columns (with its id once it has one)
    site: dict | None = None
    booking: Booking | None = None


@dataclass
class CallCentre:
    """What the simulation made, waiting for the history's orders before it is written."""

    leads: list[_Lead]
    calls: list[dict]
    bookings: list[Booking]


class _Simulation:
    def __init__(self, rng, now: datetime, months: int):
        config = current_app.config
        self.rng, self.now = rng, now
        self.minutes, self.hours = config["LEAD_SLA_MINUTES"], leads.working_hours()
        self.days, self.repeat_hours = config["LEAD_ROUTING_DAYS"], f"{config['LEAD_DUPLICATE_HOURS']:g}"
        self.nearest_km = config["LEAD_NEAREST_KM"]
        self.start = datetime.combine(first_day(now, months), time(0), tzinfo=timezone.utc)
        self.regions = list(db.session.scalars(select(Region).order_by(Region.id)))
        self.areas = [routing.Area(r.id, r.name, r.center_lat, r.center_lon, float(r.radius_km), r.timezone)
                      for r in self.regions]
        head = db.session.scalar(select(Franchise).where(Franchise.tier == "head_office").order_by(Franchise.id))
        self.head = head.id if head is not None else None
        self.agents = list(db.session.scalars(select(User.id).where(
            User.role == "callcentre", User.franchise_id.is_(None)).order_by(User.id))) or [None]
        self.admin = db.session.scalar(select(User.id).where(User.role == "admin", User.franchise_id.is_(None))
                                       .order_by(User.id).limit(1))
        self.branches = self._branches()
        self.by_region: dict[int, list[_Branch]] = {}
        for branch in self.branches.values():
            self.by_region.setdefault(branch.region_id, []).append(branch)
        # a caller's client: the franchise's own with that phone when it accepts, the first one on the caller's card
        self.clients = {(c.franchise_id, c.phone): {"id": c.id, "name": c.name}
                        for c in db.session.scalars(select(Client).order_by(Client.id.desc()))}
        self.caller_client = {phone: c["id"] for (_franchise, phone), c in self.clients.items()}
        regions = dict(db.session.execute(select(Franchise.id, Franchise.region_id)).all())
        self.known = [(phone, regions[franchise]) for franchise, phone in self.clients if phone]
        self.new_clients: list[dict] = []
        self.new_sites: list[dict] = []
        self.queue: list = []
        self.seq = itertools.count()
        self.leads: list[_Lead] = []
        self.calls: list[dict] = []

    def _branches(self) -> dict[int, _Branch]:
        zones = {r.id: r.timezone for r in self.regions}
        users: dict[int, int] = {}
        for user_id, franchise_id in db.session.execute(select(User.id, User.franchise_id).where(
                User.franchise_id.is_not(None), User.role.in_(("partner", "dispatcher"))).order_by(User.id)):
            users.setdefault(franchise_id, user_id)
        found = {}
        for f in db.session.scalars(select(Franchise).where(Franchise.tier != "head_office",
                                                            Franchise.status == "active").order_by(Franchise.id)):
            accepts = self.rng.uniform(0.5, 0.85) if f.tier == "official" else self.rng.uniform(0.3, 0.8)
            found[f.id] = _Branch(f.id, f.name, f.tier, f.region_id, zones[f.region_id], accepts,
                                  self.rng.uniform(0.1, 1 - accepts) * 0.6, users.get(f.id))
        return found

    # --- the clock -----------------------------------------------------------------------------

    def at(self, when: datetime, action: str, lead: _Lead) -> None:
        """Plan an action; one due after now has not happened yet (the lead waits for it)."""
        if when <= self.now:
            heapq.heappush(self.queue, (when, next(self.seq), action, lead, lead.turn))

    def run(self) -> None:
        while self.queue:
            when, _seq, action, lead, turn = heapq.heappop(self.queue)
            if action in ("answer", "expire") and turn != lead.turn:
                continue
            getattr(self, action)(lead, when)

    # --- what arrives --------------------------------------------------------------------------

    def arrivals(self, count: int) -> None:
        """Plan count leads over the months (the call centre's day, Moscow time) and the open ones of today."""
        span = max(timedelta(hours=1), self.now - timedelta(hours=2) - self.start)
        zone = ZoneInfo(HEAD_OFFICE_TIMEZONE)
        for _ in range(count):
            moment = self.start + span * self.rng.random()
            local = moment.astimezone(zone)
            taken = local.replace(hour=self.rng.randint(8, 20), minute=self.rng.randrange(60)).astimezone(timezone.utc)
            if self.start <= taken <= self.now - timedelta(hours=1):
                self._lead(taken, self.rng.choices(SOURCES, SOURCE_WEIGHTS)[0])
        for region in self.regions:
            if region.id not in self.by_region:
                continue
            for _ in range(OPEN_PER_REGION):
                taken = self.now - timedelta(minutes=self.minutes * self.rng.uniform(0.2, 0.6))
                self._lead(taken, "phone", hold=True, area=region)
        for _ in range(max(3, count // 8)):  # calls that made no lead
            self._stray_call(self.start + span * self.rng.random())

    def _lead(self, taken: datetime, source: str, hold: bool = False, area: Region | None = None) -> None:
        rng = self.rng
        phone, home = self._phone(source)
        lat, lon, address = self._place(area or home)
        if lat is None:
            located = routing.Decision(None, "not_located", {"error": "Nothing found for this address."})
        else:
            located = routing.locate(lat, lon, self.areas, self.nearest_km)
        region = located.chosen
        zone = ZoneInfo(region.timezone if region else HEAD_OFFICE_TIMEZONE)
        start, hours = rng.choice(SHIFTS[:3])  # a day shift: clients ask for days
        day = taken.astimezone(zone).date() + timedelta(days=rng.randint(1, 6))
        name = rng.choice(MEN) if rng.random() < 0.7 else rng.choice(WOMEN)
        campaign = rng.choice(CAMPAIGNS) if source == "campaign" or (source == "web_form" and rng.random() < 0.3) else None
        agent = None if source == "web_form" else rng.choice(self.agents)
        lead = _Lead(row=dict(
            caller_name=f"{name} {rng.choice(LAST)}" + ("а" if name in WOMEN else ""),
            company=f"{rng.choice(LEGAL_FORMS)} «{rng.choice(COMPANIES)}»" if rng.random() < 0.7 else None,
            phone=phone, address=address, lat=lat, lon=lon, work_type=rng.choices(WORK, WORK_WEIGHTS)[0],
            headcount=rng.randint(2, 15), starts_at=datetime.combine(day, start, zone).astimezone(timezone.utc),
            hours=hours, notes=rng.choice(NOTES) or None, source=source, campaign=campaign, status="new",
            region_id=region.id if region else None, franchise_id=None, routed_at=None, sla_due_at=None,
            client_id=None, order_id=None, taken_by_id=agent, created_at=taken, updated_at=taken), located=located,
            hold=hold)
        self.leads.append(lead)
        self.at(taken, "take", lead)

    def _phone(self, source: str) -> tuple[str, Region | None]:
        """Return the caller's number and, for a client calling again (now and then), his region; else a new number."""
        if source != "web_form" and self.known and self.rng.random() < 0.2:
            phone, region_id = self.rng.choice(self.known)
            return phone, next((r for r in self.regions if r.id == region_id), None)
        return f"+7{self.rng.choice(MOBILE_PREFIXES)}{self.rng.randrange(10**7):07d}", None

    def _place(self, area: Region | None) -> tuple[float | None, float | None, str]:
        """Return the lead's point and address: in area if given, else mostly in a city, some near one, a few far
        off or found by no map."""
        rng = self.rng
        region = area or rng.choice(self.regions)
        street = f"{rng.choice(STREETS)}, {rng.randint(1, 150)}"
        roll = 0.0 if area is not None else rng.random()
        if roll > 0.97:
            return None, None, f"{rng.choice(TOWNS)}, у трассы, склад {rng.randint(1, 9)}"  # no map finds it
        radius = float(region.radius_km)
        if roll > 0.94:  # far from every city
            for _ in range(20):
                lat, lon = point_near(rng, region.center_lat, region.center_lon, 400)
                if haversine_km(lat, lon, region.center_lat, region.center_lon) > 200:
                    return lat, lon, f"{rng.choice(TOWNS)}, {street}"
        if roll > 0.9:  # just outside the city's radius
            for _ in range(20):
                lat, lon = point_near(rng, region.center_lat, region.center_lon, radius + 40)
                if haversine_km(lat, lon, region.center_lat, region.center_lon) > radius:
                    return lat, lon, f"{region.name} (пригород), {street}"
        lat, lon = point_near(rng, region.center_lat, region.center_lon, radius * 0.9)
        return lat, lon, f"{region.name}, {street}"

    # --- the steps ----------------------------------------------------------------------------

    def _log(self, lead: _Lead, kind: str, at: datetime, reason=None, details=None, note=None, user_id=None,
             franchise_id: int | None = -1) -> dict:
        franchise_id = lead.row["franchise_id"] if franchise_id == -1 else franchise_id
        told = at + timedelta(seconds=3) if kind in ("routed", "expired") and franchise_id is not None else None
        event = dict(at=at, kind=kind, reason=reason, details=details or {}, note=note, franchise_id=franchise_id,
                     user_id=user_id, told_at=told)
        lead.events.append(event)
        return event

    def take(self, lead: _Lead, at: datetime) -> None:
        agent = lead.row["taken_by_id"]
        self._log(lead, "taken", at, user_id=agent)
        self._log(lead, "located", at, lead.located.reason, lead.located.details, user_id=agent)
        self.route(lead, at, agent)
        if agent is not None:
            self._call(lead, at, agent)
            if not lead.hold and self.rng.random() < 0.06:
                self.at(at + timedelta(minutes=self.rng.randint(20, 600)), "repeat", lead)

    def route(self, lead: _Lead, at: datetime, by: int | None) -> None:
        """Hand the lead on as leads.service.route_lead does: the rule's branch, else head office, else lost."""
        row = lead.row
        if row["lat"] is None:
            decision = routing.Decision(None, "not_located", {})
        else:
            decision = routing.choose_branch(
                [b.seen_at(at, self.days) for b in self.by_region.get(row["region_id"], ())], lead.tried)
        note = None
        if decision.chosen is not None:
            target, reason, details = decision.chosen.id, decision.reason, decision.details
        elif self.head is not None and self.head in lead.tried:
            row.update(status="lost", franchise_id=None, sla_due_at=None, updated_at=at)
            self._log(lead, "lost", at, decision.reason, decision.details, user_id=by)
            return
        else:
            target, reason, details = self.head, "head_office", {"before": decision.reason}
            note = texts.describe(decision.reason, decision.details) or None
        branch = self.branches.get(target) if decision.chosen is not None else None
        due = sla.due_at(at, self.minutes, self.hours, branch.timezone) if branch else None
        row.update(franchise_id=target, status="routed" if target else "new", routed_at=at, sla_due_at=due,
                   updated_at=at)
        self._log(lead, "routed", at, reason, details, note, by, target)
        lead.turn += 1
        if target is None:
            return
        lead.tried.add(target)
        if branch is None:  # head office looks into it within hours, and lets it go
            self.at(at + timedelta(minutes=self.rng.randint(20, 240)), "head_office_declines", lead)
            return
        branch.last = at
        branch.note(at, "received")
        roll = self.rng.random()
        if lead.hold or roll >= branch.accepts + branch.declines:
            self.at(due, "expire", lead)
            return
        lead.answer = "accept" if roll < branch.accepts else "decline"
        answered = due - timedelta(minutes=self.minutes * self.rng.uniform(0.1, 0.9))
        self.at(max(answered, at + (due - at) * 0.1), "answer", lead)

    def answer(self, lead: _Lead, at: datetime) -> None:
        branch = self.branches[lead.row["franchise_id"]]
        if lead.answer == "accept":
            self._accept(lead, branch, at)
            return
        self._log(lead, "declined", at, note=self.rng.choice(DECLINES), user_id=branch.user_id)
        branch.note(at, "refused")
        self.route(lead, at, branch.user_id)

    def expire(self, lead: _Lead, at: datetime) -> None:
        branch = self.branches[lead.row["franchise_id"]]
        self._log(lead, "expired", at, "sla_expired", {"franchise": branch.name, "minutes": self.minutes})
        branch.note(at, "refused")
        self.route(lead, at, None)

    def head_office_declines(self, lead: _Lead, at: datetime) -> None:
        self._log(lead, "declined", at, note=self.rng.choice(HEAD_DECLINES), user_id=self.admin)
        self.route(lead, at, self.admin)

    def repeat(self, lead: _Lead, at: datetime) -> None:
        """The caller rings again while his lead is open: the call is added to it."""
        if lead.row["status"] not in OPEN_STATUSES:
            return
        agent = self.rng.choice(self.agents)
        self._log(lead, "repeat_call", at, "repeat_call", {"hours": self.repeat_hours},
                  note="Уточнил время начала", user_id=agent)
        self._call(lead, at, agent)

    def _accept(self, lead: _Lead, branch: _Branch, at: datetime) -> None:
        """The branch's answer as leads.service.accept_lead gives it: its client, a site, an order."""
        row, rng = lead.row, self.rng
        client = self.clients.get((branch.id, row["phone"]))
        if client is None:
            client = dict(franchise_id=branch.id, name=row["company"] or row["caller_name"], phone=row["phone"],
                          manager_id=branch.user_id, notes="\n".join(filter(None, (row["caller_name"], row["notes"]))),
                          created_at=at, updated_at=at)
            self.clients[(branch.id, row["phone"])] = client
            self.new_clients.append(client)
        lead.client = client
        lead.site = dict(client=client, franchise_id=branch.id, name=row["address"][:200], address=row["address"],
                         lat=row["lat"], lon=row["lon"], conditions=rng.choice(SITE_CONDITIONS), created_at=at,
                         updated_at=at)
        self.new_sites.append(lead.site)
        self._log(lead, "accepted", at, details={"client": client["name"]}, user_id=branch.user_id)
        self._log(lead, "accepted", at, "converted", {}, user_id=branch.user_id)  # the order's code: once it has one
        ends = row["starts_at"] + timedelta(hours=row["hours"])
        status = ("draft" if row["starts_at"] > self.now else
                  "completed" if ends <= self.now and rng.random() < 0.85 else "cancelled")
        lead.booking = Booking(branch.id, branch.region_id, 0, 0, lead.site["conditions"], row["work_type"],
                               row["starts_at"], row["hours"], row["headcount"], status, at)
        row.update(status="converted", sla_due_at=None, updated_at=at)
        branch.note(at, "accepted")
        branch.note(at, "converted")

    # --- calls --------------------------------------------------------------------------------

    def _call(self, lead: _Lead | None, saved: datetime, agent: int | None, state: str = "handled",
              status: str = "completed", phone: str | None = None) -> None:
        """Write the call behind a lead (the agent saved it as the caller spoke), or one that made none."""
        rng = self.rng
        phone = phone or lead.row["phone"]
        talk = timedelta(seconds=rng.randint(90, 480) if lead else rng.randint(15, 120))
        wait = timedelta(seconds=rng.randint(3, 40))
        received = saved - talk - wait
        offered = received + wait if agent is not None else None
        ended = saved + timedelta(seconds=rng.randint(5, 60)) if lead else saved
        self.calls.append(dict(sid="CA" + f"{rng.getrandbits(128):032x}", from_phone=phone, to_phone=NETWORK_NUMBER,
                               status=status, state=state, received_at=received, offered_at=offered, ended_at=ended,
                               agent_id=agent, client_id=self.caller_client.get(phone), lead=lead))

    def _stray_call(self, at: datetime) -> None:
        """A call that made no lead: missed with no agent free, hung up on as it reached one, or a wrong number."""
        rng = self.rng
        phone = self._phone("phone")[0]
        roll = rng.random()
        if roll < 0.45:
            self._call(None, at, None, "missed", "completed", phone)
        elif roll < 0.7:
            self._call(None, at, rng.choice(self.agents), "missed", "canceled", phone)
        else:
            self._call(None, at, rng.choice(self.agents), "dismissed", "completed", phone)


def simulate(rng, months: int, echo=print, now: datetime | None = None) -> CallCentre:
    """Live through the call centre's months; add the clients and sites accepted leads made.

    Returns what to write once demo.history has given the leads' orders their ids (``write``).
    """
    simulation = _Simulation(rng, now or utcnow(), months)
    if not simulation.branches:
        return CallCentre([], [], [])
    count = round(LEADS_PER_FRANCHISE_MONTH * len(simulation.branches) * months)
    simulation.arrivals(count)
    simulation.run()
    _insert(Client, simulation.new_clients)
    for site in simulation.new_sites:
        site["client_id"] = site.pop("client")["id"]
    _insert(Site, simulation.new_sites)
    bookings = []
    for lead in simulation.leads:
        if lead.booking is not None:
            lead.booking.site_id, lead.booking.client_id = lead.site["id"], lead.client["id"]
            bookings.append(lead.booking)
    echo(f"  {len(simulation.leads)} leads lived through, {len(simulation.calls)} calls")
    return CallCentre(simulation.leads, simulation.calls, bookings)


def _insert(model, rows: list[dict]) -> None:
    """Bulk-insert the rows (their search text is the column's default) and give each its id."""
    for i in range(0, len(rows), CHUNK):
        batch = rows[i:i + CHUNK]
        ids = db.session.scalars(insert(model).returning(model.id, sort_by_parameter_order=True), batch).all()
        for row, row_id in zip(batch, ids):
            row["id"] = row_id


def write(centre: CallCentre) -> dict:
    """Insert the leads (with the orders history gave them), their steps and the calls; the caller commits."""
    lead_ids = {}
    for i in range(0, len(centre.leads), CHUNK):
        batch = centre.leads[i:i + CHUNK]
        rows = [{**lead.row, "client_id": lead.client["id"] if lead.client else None,
                 "order_id": lead.booking.order_id if lead.booking else None} for lead in batch]
        ids = db.session.scalars(insert(Lead).returning(Lead.id, sort_by_parameter_order=True), rows).all()
        lead_ids.update(zip(map(id, batch), ids))
    events = []
    for lead in centre.leads:
        for event in lead.events:
            if event["reason"] == "converted":
                event["details"] = {"order": lead.booking.code}
            events.append({**event, "lead_id": lead_ids[id(lead)]})
    for i in range(0, len(events), CHUNK):
        db.session.execute(insert(LeadEvent), events[i:i + CHUNK])
    calls = [{**{k: v for k, v in call.items() if k != "lead"},
              "lead_id": lead_ids[id(call["lead"])] if call["lead"] else None} for call in centre.calls]
    for i in range(0, len(calls), CHUNK):
        db.session.execute(insert(Call), calls[i:i + CHUNK])
    waiting = sum(lead.row["status"] == "routed" for lead in centre.leads)
    return {"leads": len(centre.leads), "lead_steps": len(events), "calls": len(calls), "leads_waiting": waiting}
