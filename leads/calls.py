"""Inbound calls: stored once per CallSid, each offered to exactly one free agent, the caller's card on his screen;
and the log of past calls, the missed ones to call back.

An agent is free while his intake screen asks for calls (``heartbeat``) and shows none; the
one free longest gets the next waiting call. The decision is taken under row locks in one
order everywhere (the call's row, then the agent's presence), and the presence's unique
call_id stands behind it: two agents asking at the same moment never both get a call. With
no free agent the call waits in a list any agent can take from.
"""
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from clients.models import Client
from core.i18n import lazy_gettext as _l
from core.locks import fresh
from core.phones import try_normalize_phone
from core.timeutil import utcnow
from extensions import db
from leads.models import (FINAL_CALL_STATUSES, OPEN_CALL_STATES, OPEN_STATUSES, UNANSWERED_CALL_STATUSES, AgentPresence,
                          Call, Lead)


class CallError(ValueError):
    """A call cannot be taken or dismissed by this agent; .status is the HTTP answer."""

    def __init__(self, message, status: int = 409):
        super().__init__(message)
        self.status = status


def _stale_before(now: datetime) -> datetime:
    return now - timedelta(seconds=current_app.config["AGENT_STALE_SECONDS"])


def receive_call(sid: str, from_number: str, to: str | None, status: str, now: datetime | None = None) -> Call:
    """Store an inbound call with the caller it names, and offer it to a free agent; commit.

    A repeated delivery of a sid stores nothing and returns the stored call.
    """
    now = now or utcnow()
    phone = try_normalize_phone(from_number) or from_number[:32]
    client_id, lead_id = _caller(phone)
    call = Call(sid=sid, from_phone=phone, to_phone=(to or None) and to[:32], status=status[:20] or "ringing",
                state="waiting", received_at=now, client_id=client_id, lead_id=lead_id)
    db.session.add(call)
    try:
        db.session.flush()  # the sid's unique index: a concurrent repeat waits here for the first, then fails
    except IntegrityError:
        db.session.rollback()
        return db.session.scalar(select(Call).where(Call.sid == sid))
    db.session.commit()
    offer_waiting_calls(now)
    return call


def _caller(phone: str) -> tuple[int | None, int | None]:
    """Return the known client and the open lead with this phone (ids; the latest lead)."""
    client_id = db.session.scalar(select(Client.id).where(Client.phone == phone).order_by(Client.id).limit(1))
    lead_id = db.session.scalar(select(Lead.id).where(Lead.phone == phone, Lead.status.in_(OPEN_STATUSES))
                                .order_by(Lead.created_at.desc(), Lead.id.desc()).limit(1))
    return client_id, lead_id


def offer_waiting_calls(now: datetime | None = None) -> int:
    """Offer the waiting calls, oldest first, each to the agent free longest; commit. Return how many were offered."""
    now = now or utcnow()
    offered = 0
    while True:
        call = db.session.scalar(fresh(select(Call).where(Call.state == "waiting")
                                       .order_by(Call.received_at, Call.id).limit(1).with_for_update(key_share=True)))
        if call is None:
            break
        agent = db.session.scalar(fresh(_free_agents(now).limit(1).with_for_update(key_share=True)))
        if agent is None:
            break
        _give(call, agent, now)
        db.session.commit()
        offered += 1
    db.session.commit()
    return offered


def _free_agents(now: datetime):
    return (select(AgentPresence).where(AgentPresence.call_id.is_(None), AgentPresence.free_since.is_not(None),
                                        AgentPresence.seen_at >= _stale_before(now))
            .order_by(AgentPresence.free_since, AgentPresence.user_id))


def _give(call: Call, agent: AgentPresence, now: datetime) -> None:
    call.state, call.agent_id, call.offered_at = "offered", agent.user_id, now
    agent.call_id, agent.free_since = call.id, None


def heartbeat(user, now: datetime | None = None) -> Call | None:
    """Note that the agent's intake screen is open, offer waiting calls, and return the call on his screen."""
    now = now or utcnow()
    presence = db.session.get(AgentPresence, user.id)
    if presence is None:
        presence = AgentPresence(user_id=user.id, seen_at=now, free_since=now)
        db.session.add(presence)
        try:
            db.session.commit()
        except IntegrityError:  # his other tab got there first
            db.session.rollback()
            presence = db.session.get(AgentPresence, user.id)
    if presence.seen_at < _stale_before(now) and presence.call_id is None:
        presence.free_since = now  # back from away: he queues behind those who stayed
    presence.seen_at = now
    if presence.call_id is None and presence.free_since is None:
        presence.free_since = now
    db.session.commit()  # his own row only, before any call's lock (the one lock order)
    release_stale_offers(now)
    offer_waiting_calls(now)
    return current_call(user)


def release_stale_offers(now: datetime) -> int:
    """Put back to waiting the calls offered to agents whose screen went away before they took them; commit."""
    stale = list(db.session.scalars(select(Call.id).join(AgentPresence, AgentPresence.call_id == Call.id).where(
        Call.state == "offered", AgentPresence.seen_at < _stale_before(now))))
    for call_id in stale:
        call = db.session.scalar(fresh(select(Call).where(Call.id == call_id).with_for_update(key_share=True)))
        presence = _presence_of(call)
        if call.state != "offered" or presence is None or presence.seen_at >= _stale_before(now):
            continue
        call.state, call.agent_id, call.offered_at = "waiting", None, None
        presence.call_id, presence.free_since = None, None
    db.session.commit()
    return len(stale)


def _presence_of(call: Call) -> AgentPresence | None:
    return db.session.scalar(fresh(select(AgentPresence).where(AgentPresence.call_id == call.id)
                                   .with_for_update(key_share=True)))


def current_call(user) -> Call | None:
    """Return the call on the agent's screen, if any."""
    return db.session.scalar(select(Call).join(AgentPresence, AgentPresence.call_id == Call.id)
                             .where(AgentPresence.user_id == user.id))


def waiting_calls(limit: int = 50) -> list[Call]:
    """Return the calls no agent has yet, the oldest first."""
    return list(db.session.scalars(select(Call).where(Call.state == "waiting")
                                   .order_by(Call.received_at, Call.id).limit(limit)))


def get_call(call_id: int) -> Call | None:
    return db.session.get(Call, call_id)


def take_call(call_id: int, user, now: datetime | None = None) -> Call:
    """Put a waiting call on the agent's screen (from the waiting list); commit.

    Raises LookupError for no such call, CallError when it is no longer waiting or the agent has a call.
    """
    now = now or utcnow()
    call = db.session.scalar(fresh(select(Call).where(Call.id == call_id).with_for_update(key_share=True)))
    if call is None:
        raise LookupError(call_id)
    if call.agent_id == user.id and call.state == "offered":
        db.session.rollback()
        return call
    if call.state != "waiting":
        db.session.rollback()
        raise CallError(_l("Another agent has this call, or it has ended."))
    presence = db.session.scalar(fresh(select(AgentPresence).where(AgentPresence.user_id == user.id)
                                       .with_for_update(key_share=True)))
    if presence is None:
        presence = AgentPresence(user_id=user.id, seen_at=now)
        db.session.add(presence)
    elif presence.call_id is not None:
        db.session.rollback()
        raise CallError(_l("Finish the call on your screen first."))
    presence.seen_at = now
    _give(call, presence, now)
    db.session.commit()
    return call


def finish_call(call_id: int, user, state: str, lead_id: int | None = None, now: datetime | None = None) -> Call:
    """Close the agent's call as handled (with the lead saved) or dismissed, and free him; commit.

    Raises LookupError for no such call, CallError when it is not on this agent's screen.
    """
    now = now or utcnow()
    call = db.session.scalar(fresh(select(Call).where(Call.id == call_id).with_for_update(key_share=True)))
    if call is None:
        raise LookupError(call_id)
    if call.agent_id != user.id or call.state not in OPEN_CALL_STATES:
        db.session.rollback()
        raise CallError(_l("This call is not on your screen."))
    call.state = state
    if lead_id is not None:
        call.lead_id = lead_id
    presence = _presence_of(call)
    if presence is not None:
        presence.call_id, presence.free_since, presence.seen_at = None, now, now
    db.session.commit()
    return call


def call_status(sid: str, status: str, now: datetime | None = None) -> Call | None:
    """Record Twilio's status callback; commit. A call that ended unanswered (busy, no-answer, failed,
    canceled, or completed while still waiting) is missed, and the agent it was offered to is free again.

    A call completed while an agent has the caller's card stays his until he saves the lead or
    dismisses it: what he is writing about the caller is not lost when the caller hangs up.
    """
    now = now or utcnow()
    found = db.session.scalar(select(Call.id).where(Call.sid == sid))
    if found is None:
        return None
    call = db.session.scalar(fresh(select(Call).where(Call.id == found).with_for_update(key_share=True)))
    if call.ended_at is not None:  # callbacks repeat and arrive out of order: a final status is kept
        db.session.rollback()
        return call
    call.status = status[:20]
    if status in FINAL_CALL_STATUSES:
        call.ended_at = now
        if call.state == "waiting" or (call.state == "offered" and status in UNANSWERED_CALL_STATUSES):
            presence = _presence_of(call)
            if presence is not None:
                presence.call_id, presence.free_since = None, now
            call.state = "missed"
    db.session.commit()
    return call


# --- the log of past calls ----------------------------------------------------------------------

CALL_PAGE_SIZE = 50
# What the log's filter offers, and the states each choice shows.
CALL_FILTERS = {"answered": ("handled", "dismissed"), "handled": ("handled",), "dismissed": ("dismissed",),
                "missed": ("missed",), "open": OPEN_CALL_STATES}


def day_bounds(first: date | None, last: date | None, tz_name: str) -> tuple[datetime | None, datetime | None]:
    """Return the moments from the start of first to the start of the day after last in tz_name (None: open)."""
    zone = ZoneInfo(tz_name)
    since = datetime.combine(first, time(0), tzinfo=zone) if first else None
    until = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone) if last else None
    return since, until


def list_calls(since: datetime | None = None, until: datetime | None = None, shown: str | None = None,
               page: int = 1) -> tuple[list[Call], int]:
    """Return a page of the inbound calls received in [since, until), the latest first, of the states a
    CALL_FILTERS choice shows, with the agent, client and lead each names; and how many there are in all."""
    where = []
    if since is not None:
        where.append(Call.received_at >= since)
    if until is not None:
        where.append(Call.received_at < until)
    if shown:
        where.append(Call.state.in_(CALL_FILTERS[shown]))
    total = db.session.scalar(select(func.count()).select_from(Call).where(*where)) or 0
    found = db.session.scalars(select(Call).where(*where)
                               .options(joinedload(Call.agent), joinedload(Call.client), joinedload(Call.lead))
                               .order_by(Call.received_at.desc(), Call.id.desc())
                               .limit(CALL_PAGE_SIZE).offset((page - 1) * CALL_PAGE_SIZE))
    return list(found), total


def outcome(call: Call) -> str:
    """Say what came of the call, from what it recorded: a code of leads.texts.CALL_OUTCOMES.

    A missed call never offered to an agent found none free; one offered was hung up on before the agent
    took the caller's card; busy or failed never got through.
    """
    if call.state != "missed":
        return call.state
    if call.status in ("busy", "failed"):
        return "failed"
    return "hung_up" if call.offered_at is not None else "no_agent"


def duration(call: Call) -> timedelta | None:
    """Return how long the caller was on the line (waiting included), or None while he still is."""
    return None if call.ended_at is None else call.ended_at - call.received_at
