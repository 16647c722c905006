"""The SLA: working-time arithmetic, the deadline a routed lead gets, its expiry exactly once under the lead's
lock, accepting racing expiry, the branches told by SMS on their duty phones, and the inbox badge.

A (official) and B (brand) share Moscow; the clock is pinned (freezegun or explicit now arguments).
"""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from core import tenancy
from core.models import Outbox, User
from dispatch.models import Message
from extensions import db as _db
from franchise.models import Franchise
from leads import jobs, service
from leads.models import Lead, LeadEvent
from leads.sla import WorkingHours, due_at, parse_working_hours
from tests import factories
from tests.races import Holder, in_thread, wait_for_lock_wait

MOSCOW, VLADIVOSTOK = ZoneInfo("Europe/Moscow"), ZoneInfo("Asia/Vladivostok")
DAY = parse_working_hours("09:00-18:00")


def local(zone, *parts) -> datetime:
    return datetime(*parts, tzinfo=zone)


# --- working-time arithmetic --------------------------------------------------------------

def test_a_lead_routed_at_17_55_with_15_minutes_expires_at_09_10_the_next_day():
    due = due_at(local(MOSCOW, 2026, 12, 1, 17, 55), 15, DAY, "Europe/Moscow")
    assert due == local(MOSCOW, 2026, 12, 2, 9, 10) and due.tzinfo == timezone.utc


def test_within_the_hours_the_minutes_simply_run():
    assert due_at(local(MOSCOW, 2026, 12, 1, 10, 0), 15, DAY, "Europe/Moscow") == local(MOSCOW, 2026, 12, 1, 10, 15)
    assert due_at(local(MOSCOW, 2026, 12, 1, 17, 45), 15, DAY, "Europe/Moscow") == local(MOSCOW, 2026, 12, 1, 18, 0)


def test_before_opening_and_after_closing_the_clock_starts_at_the_next_opening():
    assert due_at(local(MOSCOW, 2026, 12, 1, 7, 30), 15, DAY, "Europe/Moscow") == local(MOSCOW, 2026, 12, 1, 9, 15)
    assert due_at(local(MOSCOW, 2026, 12, 1, 22, 0), 15, DAY, "Europe/Moscow") == local(MOSCOW, 2026, 12, 2, 9, 15)


def test_vladivostok_counts_in_its_own_day_which_ends_while_utc_s_is_still_morning():
    """17:55 in Vladivostok (UTC+10) is 07:55 UTC the same date; its next opening is 23:00 UTC that date."""
    start = datetime(2026, 12, 1, 7, 55, tzinfo=timezone.utc)
    assert start.astimezone(VLADIVOSTOK).hour == 17
    due = due_at(start, 15, DAY, "Asia/Vladivostok")
    assert due.astimezone(VLADIVOSTOK) == local(VLADIVOSTOK, 2026, 12, 2, 9, 10)
    assert due == datetime(2026, 12, 1, 23, 10, tzinfo=timezone.utc)  # the same UTC date as the start
    # Just past its midnight (14:30 UTC the day before, by UTC's date) the clock waits for 09:00 local.
    assert due_at(datetime(2026, 11, 30, 14, 30, tzinfo=timezone.utc), 15, DAY, "Asia/Vladivostok") == \
        datetime(2026, 11, 30, 23, 15, tzinfo=timezone.utc)
    # The same UTC moment is inside Moscow's hours (10:55 there): the zone decides.
    assert due_at(start, 15, DAY, "Europe/Moscow") == datetime(2026, 12, 1, 8, 10, tzinfo=timezone.utc)


def test_minutes_longer_than_a_day_s_hours_run_over_several_days_and_skip_days_off():
    weekdays = parse_working_hours("09:00-18:00", "mon-fri")
    friday = local(MOSCOW, 2026, 12, 4, 17, 0)  # a Friday
    assert due_at(friday, 90, weekdays, "Europe/Moscow") == local(MOSCOW, 2026, 12, 7, 9, 30)  # Monday
    assert due_at(local(MOSCOW, 2026, 12, 5, 12, 0), 15, weekdays, "Europe/Moscow") == local(MOSCOW, 2026, 12, 7, 9, 15)
    assert due_at(friday, 9 * 60 + 60, DAY, "Europe/Moscow") == local(MOSCOW, 2026, 12, 5, 18, 0)


def test_a_zone_with_daylight_saving_counts_real_minutes_across_the_change():
    """Berlin moves its clocks at 02:00 on 29 March 2026: hours 00:00-06:00 hold five real hours that night."""
    night = parse_working_hours("00:00-06:00")
    due = due_at(local(ZoneInfo("Europe/Berlin"), 2026, 3, 29, 0, 0), 5 * 60, night, "Europe/Berlin")
    assert due == local(ZoneInfo("Europe/Berlin"), 2026, 3, 29, 6, 0)


@pytest.mark.parametrize("span,days", [("9-18", "mon-sun"), ("18:00-09:00", "mon-sun"), ("09:00-25:00", "mon-sun"),
                                       ("09:00-18:00", "fri-mon"), ("09:00-18:00", "holidays")])
def test_working_hours_that_cannot_be_read_are_refused(span, days):
    with pytest.raises(ValueError):
        parse_working_hours(span, days)


def test_working_days_read_names_ranges_and_numbers():
    assert parse_working_hours("08:30-17:00", "mon-fri,sun") == WorkingHours(
        datetime(1, 1, 1, 8, 30).time(), datetime(1, 1, 1, 17).time(), frozenset({1, 2, 3, 4, 5, 7}))
    assert parse_working_hours("08:30-17:00", "1-3").days == frozenset({1, 2, 3})


# --- the deadline on the lead ----------------------------------------------------------

def call(**kw):
    data = dict(phone="+79165550199", caller_name="Ivan", company="Promsnab", address="Tverskaya 1", lat=55.76,
                lon=37.61, work_type="loading", headcount=3, day=datetime(2026, 12, 5).date(),
                start=datetime(2026, 12, 5, 8).time(), hours=8, notes=None, source="phone", campaign=None)
    return {**data, **kw}


def test_a_lead_taken_at_17_55_local_must_be_accepted_by_09_10_next_morning(db, city):
    vladivostok = factories.region(name="Vladivostok", code="VVO", timezone="Asia/Vladivostok", center_lat=43.12,
                                   center_lon=131.89)
    delta = factories.franchise(vladivostok, name="Delta Vladivostok", tier="official")
    with freeze_time(datetime(2026, 12, 1, 7, 55, tzinfo=timezone.utc)):  # 17:55 in Vladivostok
        lead, _ = service.take_lead(call(lat=43.12, lon=131.89, address="Svetlanskaya 1"), city.callcentre)
    lead = fresh(db, lead)
    assert lead.franchise_id == delta.id
    assert lead.sla_due_at.astimezone(VLADIVOSTOK) == local(VLADIVOSTOK, 2026, 12, 2, 9, 10)


def test_head_office_has_no_deadline_and_an_accept_clears_it(db, city):
    city.a.status = city.b.status = "suspended"
    db.session.commit()
    with freeze_time("2026-12-01 10:00:00"):
        lead, _ = service.take_lead(call(), city.callcentre)
    lead = fresh(db, lead)
    assert (lead.franchise_id, lead.sla_due_at) == (city.head.id, None)


def test_the_deadline_is_a_setting(app, db, city, monkeypatch):
    monkeypatch.setitem(app.config, "LEAD_SLA_MINUTES", 40)
    monkeypatch.setitem(app.config, "LEAD_WORKING_HOURS", "10:00-19:00")
    with freeze_time("2026-12-01 06:00:00"):  # 09:00 in Moscow: before its 10:00 opening
        lead, _ = service.take_lead(call(), city.callcentre)
    assert fresh(db, lead).sla_due_at == datetime(2026, 12, 1, 7, 40, tzinfo=timezone.utc)  # 10:40 Moscow


# --- expiry --------------------------------------------------------------------------------

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)


def fresh(db, lead):
    db.session.expire_all()
    return db.session.get(Lead, lead.id)


def count(db, model, *where):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def kinds(db, lead):
    db.session.expire_all()
    return [(e.kind, e.reason, e.franchise_id) for e in db.session.scalars(
        select(LeadEvent).where(LeadEvent.lead_id == lead.id).order_by(LeadEvent.id))]


@pytest.fixture
def due_lead(db, city):
    """A's lead whose time ran out a minute before NOW; both branches have duty phones."""
    city.a.duty_phone, city.b.duty_phone = "+79160000001", "+79160000002"
    db.session.commit()
    return factories.lead(city.a, sla_due_at=NOW - timedelta(minutes=1), routed_at=NOW - timedelta(minutes=16))


def test_a_lead_past_its_deadline_goes_to_the_next_branch_once_with_the_reason_logged(client, auth, db, city,
                                                                                       due_lead):
    with freeze_time(NOW):
        assert jobs.sweep(NOW) == 1
        assert jobs.sweep(NOW) == 0  # a repeated sweep finds nothing due
        assert service.expire_lead(due_lead.id, city.a.id, NOW) is False  # a late job for it is a no-op
    lead = fresh(db, due_lead)
    assert (lead.status, lead.franchise_id) == ("routed", city.b.id)
    assert lead.sla_due_at == NOW + timedelta(minutes=15)
    assert kinds(db, lead)[1:] == [("expired", "sla_expired", city.a.id), ("routed", "weighted_round_robin", city.b.id)]
    auth.login(city.admin.email)
    page = client.get(f"/leads/{lead.id}").get_data(as_text=True)
    assert "Alpha Moscow did not accept it within 15 working minutes." in page and "not accepted in time" in page


def test_a_lead_not_yet_due_or_already_answered_is_left_alone(db, city, due_lead):
    assert service.expire_lead(due_lead.id, city.a.id, NOW - timedelta(minutes=2)) is False  # before its deadline
    assert service.expire_lead(due_lead.id, city.b.id, NOW) is False  # the job of another branch's turn
    db.session.execute(Lead.__table__.update().where(Lead.id == due_lead.id).values(status="accepted"))
    db.session.commit()
    assert jobs.sweep(NOW) == 0
    assert [k for k, _r, _f in kinds(db, due_lead)] == ["routed"]


def test_the_last_branch_letting_it_expire_hands_it_to_head_office_without_a_deadline(db, city, due_lead):
    city.b.status = "suspended"
    db.session.commit()
    with freeze_time(NOW):
        jobs.sweep(NOW)
    lead = fresh(db, due_lead)
    assert (lead.franchise_id, lead.status, lead.sla_due_at) == (city.head.id, "routed", None)


def test_both_branches_are_told_once_by_sms_on_their_duty_phones(app, db, city, due_lead):
    with freeze_time(NOW):
        jobs.sweep(NOW)
        promised = list(db.session.scalars(select(Outbox.args).where(Outbox.job == "leads.jobs.tell_branch")))
        assert len(promised) == 2
        for args in promised * 2:  # every job run twice: RQ runs a job at least once
            jobs.tell_branch(*args)
    texts = dict(db.session.execute(select(Message.phone, Message.body).where(Message.kind == "lead")).all())
    assert count(db, Message, Message.kind == "lead") == 2
    assert texts["+79160000001"] == f"Artel: lead {due_lead.id} was not accepted in time and went on to the next branch."
    assert texts["+79160000002"].startswith(f"Artel: new lead {due_lead.id}, loading x4, Lead street")
    assert "Accept it by 13:15 01.12" in texts["+79160000002"]  # 10:15 UTC in Moscow
    assert f"http://artel.test/leads/{due_lead.id}" in texts["+79160000002"]
    owners = dict(db.session.execute(select(Message.phone, Message.franchise_id).where(Message.kind == "lead")).all())
    assert owners == {"+79160000001": city.a.id, "+79160000002": city.b.id}
    # the send itself is dispatch's: one stored message, one send job each
    assert count(db, Outbox, Outbox.job == "dispatch.jobs.send_message") == 2


def test_a_branch_told_in_its_partner_s_language(db, city, due_lead):
    city.b_partner.locale = "ru"
    db.session.commit()
    with freeze_time(NOW):
        jobs.sweep(NOW)
        for args in db.session.scalars(select(Outbox.args).where(Outbox.job == "leads.jobs.tell_branch")):
            jobs.tell_branch(*args)
    body = db.session.scalar(select(Message.body).where(Message.phone == "+79160000002"))
    assert body.startswith(f"Artel: новая заявка {due_lead.id}")


def test_a_step_whose_tell_job_was_lost_is_told_by_the_sweep_and_a_stale_routing_is_not(db, city, due_lead):
    with freeze_time(NOW):
        jobs.sweep(NOW)  # the tell jobs are promised, and never run (a killed worker)
    later = NOW + timedelta(minutes=3)
    with freeze_time(later):
        jobs.sweep(later)
    assert count(db, Message, Message.kind == "lead") == 2
    assert count(db, LeadEvent, LeadEvent.told_at.is_(None), LeadEvent.kind.in_(("routed", "expired")),
                 LeadEvent.at >= NOW - timedelta(days=1)) == 0


def test_a_branch_without_a_duty_phone_is_told_nothing_and_the_step_is_done(db, city, due_lead):
    city.b.duty_phone = None
    db.session.commit()
    with freeze_time(NOW):
        jobs.sweep(NOW)
        for args in db.session.scalars(select(Outbox.args).where(Outbox.job == "leads.jobs.tell_branch")):
            jobs.tell_branch(*args)
    assert [m for m in db.session.scalars(select(Message.phone))] == ["+79160000001"]


def test_a_decline_by_a_branch_tells_the_next_one(client, auth, db, city):
    city.b.duty_phone = "+79160000002"
    db.session.commit()
    lead = factories.lead(city.a)
    with freeze_time(NOW):
        auth.login(city.a_partner.email)
        response = client.post(f"/leads/{lead.id}/decline", data={"reason": "No crew"})
        assert response.status_code == 302 and response.headers["Location"].endswith("/leads/inbox")
        event_id = db.session.scalar(select(LeadEvent.id).where(LeadEvent.kind == "routed",
                                                                 LeadEvent.franchise_id == city.b.id))
        jobs.tell_branch(event_id)
    assert db.session.scalar(select(Message.franchise_id).where(Message.phone == "+79160000002")) == city.b.id


# --- racing ------------------------------------------------------------------------------

def test_two_sweeps_racing_move_the_lead_once(app, db, city, due_lead):
    holder = Holder()
    holder.lock("lead", due_lead.id)
    first, second = in_thread(app, jobs.sweep, NOW), in_thread(app, jobs.sweep, NOW)
    wait_for_lock_wait(first, count=2)
    holder.rollback()
    assert sorted([first.result(timeout=30), second.result(timeout=30)]) == [0, 1]
    assert [k for k, _r, _f in kinds(db, due_lead)].count("expired") == 1
    assert fresh(db, due_lead).franchise_id == city.b.id


def test_an_accept_committed_first_leaves_the_expiry_nothing_to_do(app, db, city, due_lead):
    accept = Holder()  # the partner's accept: the lead locked and converted, not yet committed
    accept.lock("lead", due_lead.id)
    accept.execute("UPDATE lead SET status = 'converted', sla_due_at = NULL WHERE id = :id", id=due_lead.id)
    expiry = in_thread(app, service.expire_lead, due_lead.id, city.a.id, NOW)
    wait_for_lock_wait(expiry)
    accept.commit()
    assert expiry.result(timeout=20) is False
    lead = fresh(db, due_lead)
    assert (lead.status, lead.franchise_id) == ("converted", city.a.id)
    assert count(db, LeadEvent, LeadEvent.kind == "expired") == 0


def as_user(user, fn, *args):
    """Run fn as the user's request would: scoped to his franchise."""
    def run():
        tenancy.activate(tenancy.scope_for_user(_db.session.get(User, user.id)))
        return fn(*args)
    return run


def test_an_accept_waiting_behind_the_expiry_finds_the_lead_gone_and_converts_nothing(app, db, city, due_lead):
    expiry = Holder()  # the expiry: the lead locked and handed to B, not yet committed
    expiry.lock("lead", due_lead.id)
    expiry.execute("UPDATE lead SET franchise_id = :b, sla_due_at = :due WHERE id = :id", id=due_lead.id,
                   b=city.b.id, due=NOW + timedelta(minutes=15))
    accept = in_thread(app, as_user(city.a_partner, service.accept_lead, due_lead.id))
    wait_for_lock_wait(accept)
    expiry.commit()
    with pytest.raises(LookupError):  # A's accept: the lead is B's now (the page says 404)
        accept.result(timeout=20)
    lead = fresh(db, due_lead)
    assert (lead.status, lead.franchise_id, lead.client_id) == ("routed", city.b.id, None)


def test_a_real_accept_and_a_real_expiry_racing_leave_one_outcome(app, db, city, due_lead):
    holder = Holder()
    holder.lock("lead", due_lead.id)
    accept = in_thread(app, as_user(city.a_partner, lambda: service.accept_lead(due_lead.id).status))
    expiry = in_thread(app, service.expire_lead, due_lead.id, city.a.id, NOW)
    wait_for_lock_wait(accept, count=2)
    holder.rollback()
    expired = expiry.result(timeout=30)
    try:
        accepted = accept.result(timeout=30) in ("accepted", "converted")
    except LookupError:
        accepted = False
    assert accepted != expired  # exactly one of them happened
    lead = fresh(db, due_lead)
    assert (lead.franchise_id, lead.status in ("accepted", "converted")) == \
        ((city.a.id, True) if accepted else (city.b.id, False))
    assert count(db, LeadEvent, LeadEvent.kind == "expired") == int(expired)


# --- the badge ------------------------------------------------------------------------------

def test_the_nav_badge_counts_only_the_branch_s_own_waiting_leads(client, auth, db, city):
    for _ in range(2):
        factories.lead(city.a)
    factories.lead(city.b)
    factories.lead(city.a, status="converted")
    factories.lead(city.c)
    for user, shown in ((city.a_partner, "2"), (city.a_dispatcher, "2"), (city.b_dispatcher, "1"),
                        (city.admin, "4")):
        auth.login(user.email)
        page = client.get("/orders/").get_data(as_text=True)
        assert f'data-testid="leads-waiting" title="Leads waiting for you to accept them">{shown}</span>' in page, \
            user.email
        auth.logout()
    auth.login(city.c_recruiter.email)  # a recruiter answers no leads: no link, no badge
    assert 'data-testid="leads-waiting"' not in client.get("/workers/").get_data(as_text=True)


def test_no_badge_when_nothing_waits(client, auth, db, city):
    factories.lead(city.a)
    auth.login(city.b_partner.email)
    assert 'data-testid="leads-waiting"' not in client.get("/leads/inbox").get_data(as_text=True)


# --- the duty phone ---------------------------------------------------------------------------

def test_head_office_sets_the_duty_phone_on_the_franchise_form(client, auth, db, city):
    auth.login(city.admin.email)
    form = {"name": city.b.name, "tier": "brand", "region_id": city.moscow.id, "status": "active",
            "royalty_percent": "15", "monthly_fee": "0", "duty_phone": "8 (912) 345-67-89"}
    assert client.post(f"/franchises/{city.b.id}/edit", data=form).status_code == 302
    db.session.expire_all()
    assert db.session.get(Franchise, city.b.id).duty_phone == "+79123456789"
    response = client.post(f"/franchises/{city.b.id}/edit", data={**form, "duty_phone": "12345"})
    assert response.status_code == 400 and "The duty phone is not a phone number" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Franchise, city.b.id).duty_phone == "+79123456789"
