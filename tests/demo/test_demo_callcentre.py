"""The demo's call centre: months of leads from every source, routed by the real rule, answered, expired and
lost, their calls, and a few leads waiting in the branches' inboxes now."""
from collections import Counter
from datetime import date, datetime, timedelta, timezone

import pytest
from flask import current_app
from freezegun import freeze_time
from sqlalchemy import func, select

from clients.models import Site
from core.models import Outbox, User
from core.templating import HEAD_OFFICE_TIMEZONE
from demo import builder as demo
from franchise.models import Franchise
from leads import jobs, reports, service, sla, texts
from leads.models import LEAD_SOURCES, Call, Lead, LeadEvent
from orders.models import Attendance

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)  # 12:00 in Moscow: the branches are at work
PASSWORD = {"password": demo.DEMO_PASSWORD}


@pytest.fixture
def lived(db):
    with freeze_time(NOW):
        return demo.generate(workers=300, franchises=12, clients=6, seed=11, echo=lambda *a: None, months=3)


def count(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def steps(db, lead_id):
    return list(db.session.scalars(select(LeadEvent).where(LeadEvent.lead_id == lead_id).order_by(LeadEvent.id)))


def test_the_funnel_has_every_step_and_a_partner_s_inbox_a_lead_of_today(client, db, lived):
    report = reports.funnel_report(date(2026, 9, 1), date(2026, 12, 1), HEAD_OFFICE_TIMEZONE)
    figures = [report.total.counts[step] for step in ("taken", "routed", "accepted", "converted", "completed")]
    assert figures[0] == lived["leads"] == count(db, Lead)
    assert all(n > 0 for n in figures) and figures == sorted(figures, reverse=True), figures
    assert {row.key[0] for row in report.by_source} == set(LEAD_SOURCES)
    assert len({row.label for row in report.by_source if row.key[0] == "campaign"}) >= 2
    assert len([row for row in report.by_agent if row.key[0] is not None]) == 2  # both agents took calls
    assert report.lost and report.lost_for_good > 0 and report.total.median_accept_minutes is not None
    with freeze_time(NOW):
        client.post("/login", data={"email": "callcentre@demo.artel", **PASSWORD})
        page = client.get("/leads/funnel")
    assert page.status_code == 200
    since = datetime(2026, 11, 1, 21, tzinfo=timezone.utc)  # the page's 30 days, Moscow's
    assert count(db, Lead, Lead.created_at >= since, Lead.order_id.is_not(None)) > 0
    client.post("/logout")
    partner = db.session.scalar(select(User).where(User.email == "partner@demo.artel"))
    waiting = list(db.session.scalars(select(Lead).where(Lead.franchise_id == partner.franchise_id,
                                                         Lead.status == "routed")))
    assert waiting and all(NOW - timedelta(hours=1) < lead.routed_at < NOW < lead.sla_due_at for lead in waiting)
    with freeze_time(NOW):
        client.post("/login", data={"email": partner.email, **PASSWORD})
        inbox = client.get("/leads/inbox").get_data(as_text=True)
    assert 'data-testid="inbox-lead"' in inbox and waiting[0].caller_name in inbox
    assert lived["leads_waiting"] >= len(waiting)
    # their deadlines are ahead and every branch was told already: the app's first sweep does nothing
    assert jobs.sweep(NOW) == 0
    assert count(db, Outbox) == 0
    assert count(db, LeadEvent, LeadEvent.kind.in_(("routed", "expired")), LeadEvent.franchise_id.is_not(None),
                 LeadEvent.told_at.is_(None)) == 0


def test_every_lead_was_taken_located_and_routed_by_the_rule(db, lived):
    kinds = Counter()
    for lead in db.session.scalars(select(Lead)):
        own = steps(db, lead.id)
        assert [e.kind for e in own[:3]] == ["taken", "located", "routed"], lead.id
        routed = [e for e in own if e.kind == "routed"]
        assert len({e.franchise_id for e in routed}) == len(routed)  # no branch is asked twice
        assert all(e.reason in texts.REASONS for e in own if e.reason)
        assert own[-1].at <= NOW and [e.at for e in own] == sorted(e.at for e in own)
        kinds.update((e.kind, e.reason) for e in own)
    for kind_reason in (("routed", "official"), ("routed", "weighted_round_robin"), ("routed", "head_office"),
                        ("expired", "sla_expired"), ("declined", None), ("accepted", "converted"),
                        ("repeat_call", "repeat_call"), ("located", "inside_region"), ("located", "not_located")):
        assert kinds[kind_reason] > 0, kind_reason
    assert count(db, Lead, Lead.status == "lost") > 0
    assert count(db, LeadEvent, LeadEvent.kind == "declined", LeadEvent.note.is_(None)) == 0  # a decline says why
    _each_routing_is_the_rule_s_choice(db)


def _each_routing_is_the_rule_s_choice(db):
    """The official representative while he has not had the lead; the deadline is leads.sla's for the branch."""
    officials = {f.region_id: f.id for f in db.session.scalars(select(Franchise).where(Franchise.tier == "official"))}
    hours = service.working_hours()
    for event in db.session.scalars(select(LeadEvent).where(LeadEvent.kind == "routed")):
        lead = event.lead
        before = {e.franchise_id for e in lead.events if e.kind == "routed" and e.id < event.id}
        official = officials.get(lead.region_id)
        if lead.lat is None:
            assert (event.reason, event.franchise.tier) == ("head_office", "head_office"), event.id
        elif official is not None and official not in before:
            assert (event.reason, event.franchise_id) == ("official", official), event.id
        else:
            assert event.reason in ("weighted_round_robin", "head_office"), event.id
    for expired in db.session.scalars(select(LeadEvent).where(LeadEvent.kind == "expired")):
        routed = max((e for e in expired.lead.events if e.kind == "routed" and e.id < expired.id), key=lambda e: e.id)
        assert routed.franchise_id == expired.franchise_id
        minutes = current_app.config["LEAD_SLA_MINUTES"]
        assert expired.at == sla.due_at(routed.at, minutes, hours, expired.franchise.region.timezone)


def test_accepted_leads_became_clients_and_orders_and_calls_were_taken(db, lived):
    converted = list(db.session.scalars(select(Lead).where(Lead.status == "converted")))
    assert converted
    for lead in converted:
        order = lead.order
        assert (order.client_id, order.franchise_id, order.workers_needed) == (lead.client_id, lead.franchise_id,
                                                                               lead.headcount)
        assert lead.client.phone == lead.phone and db.session.get(Site, order.site_id).address == lead.address
        assert order.starts_at == lead.starts_at and order.work_type == lead.work_type
        code = [e.details["order"] for e in lead.events if e.reason == "converted"]
        assert code == [order.code]
    statuses = Counter(lead.order.status for lead in converted)
    assert statuses["completed"] > 0 and set(statuses) <= {"completed", "cancelled", "draft"}
    worked = [lead.order_id for lead in converted if lead.order.status == "completed"]
    assert count(db, Attendance, Attendance.order_id.in_(worked)) > 0
    _the_calls_behind_the_leads_and_a_few_missed(db, lived)


def _the_calls_behind_the_leads_and_a_few_missed(db, lived):
    agents = set(db.session.scalars(select(User.id).where(User.role == "callcentre")))
    taken = list(db.session.scalars(select(Lead).where(Lead.taken_by_id.is_not(None))))
    handled = {}
    for call in db.session.scalars(select(Call).where(Call.state == "handled").order_by(Call.id)):
        handled.setdefault(call.lead_id, call)  # the call that made the lead, before any repeat
    for lead in taken:
        call = handled[lead.id]
        assert call.from_phone == lead.phone and call.agent_id in agents
        assert call.received_at < call.offered_at < lead.created_at < call.ended_at
    assert {lead.source for lead in taken} == {"phone", "referral", "campaign"}
    missed = list(db.session.scalars(select(Call).where(Call.state == "missed")))
    assert {c.agent_id is None for c in missed} == {True, False} and all(c.ended_at for c in missed)
    assert count(db, Call, Call.state == "dismissed") > 0
    assert count(db, Call, Call.client_id.is_not(None)) > 0  # clients call again
    assert lived["calls"] == count(db, Call)


def test_leads_scale_with_franchises_and_months(db):
    with freeze_time(NOW):
        small = demo.generate(workers=100, franchises=9, clients=2, seed=2, echo=lambda *a: None, months=1)
    # two a franchise a month (those a later hour of the day put past now are not yet taken), and the open ones
    assert 9 * 2 * 0.8 <= small["leads"] - 2 * 8 <= 9 * 2
