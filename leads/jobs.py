"""RQ jobs and the sweep of leads: a branch told of each lead it gets or loses, and leads it let expire
passed on. Ids in, safe twice.

The expiry sweep runs about every LEAD_SLA_SWEEP_SECONDS beside the job worker (whichever
process takes the key first; a second one racing it does no harm) and makes one indexed
query for the leads whose sla_due_at has passed. Each is expired in a transaction of its
own under the lead's row lock, deciding on the row as committed now: a lead accepted,
declined or passed on meanwhile, or a deadline moved, makes a late or repeated run a
no-op. So a lead moves exactly once however many workers sweep, and a worker killed in the
middle leaves nothing done (its transaction rolls back) for the next sweep to do.

The sweep also tells, itself, each branch still untold STALE_AFTER after a step (the
tell_branch job promised with it was lost with a killed worker).
"""
import logging
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from core import locks, outbox, queue
from core.models import User
from core.timeutil import to_zone, utcnow
from dispatch import notices
from extensions import db
from franchise.models import Franchise
from leads import service, texts
from leads.models import TOLD_KINDS, Lead, LeadEvent

STALE_AFTER = timedelta(minutes=2)  # a tell job this late was lost, not slow
TELL_WITHIN = timedelta(days=1)  # an older untold step is news no more
SWEEP_BATCH = 500
log = logging.getLogger(__name__)


@queue.every_tick
def sweep_when_due() -> None:
    """Run the expiry sweep if no process ran it in the last LEAD_SLA_SWEEP_SECONDS."""
    if queue.once_per("lead-sla", current_app.config["LEAD_SLA_SWEEP_SECONDS"]):
        sweep()
        outbox.relay_quietly()


def sweep(now: datetime | None = None) -> int:
    """Pass on every lead whose branch let its time run out, and tell branches left untold; return leads moved."""
    now = now or utcnow()
    due = db.session.execute(select(Lead.id, Lead.franchise_id).where(
        Lead.sla_due_at <= now, Lead.status == "routed").order_by(Lead.sla_due_at).limit(SWEEP_BATCH)).all()
    db.session.rollback()  # each lead in a transaction of its own
    moved = 0
    for lead_id, franchise_id in due:
        try:
            moved += service.expire_lead(lead_id, franchise_id, now)
        except Exception:  # one broken lead must not hold up the others
            db.session.rollback()
            log.exception("lead sweep: lead %s failed", lead_id)
    outbox.relay_quietly()
    untold = list(db.session.scalars(select(LeadEvent.id).where(
        LeadEvent.told_at.is_(None), LeadEvent.kind.in_(TOLD_KINDS), LeadEvent.franchise_id.is_not(None),
        LeadEvent.at < now - STALE_AFTER, LeadEvent.at >= now - TELL_WITHIN).order_by(LeadEvent.at).limit(SWEEP_BATCH)))
    db.session.rollback()
    for event_id in untold:
        try:
            tell_branch(event_id)
        except Exception:
            db.session.rollback()
            log.exception("lead sweep: telling step %s failed", event_id)
    return moved


def expire_lead(lead_id: int, franchise_id: int, now: datetime | None = None) -> bool:
    """Pass the lead on if franchise_id still holds it past its deadline (leads.service.expire_lead)."""
    moved = service.expire_lead(lead_id, franchise_id, now or utcnow())
    outbox.relay_quietly()
    return moved


def tell_branch(event_id: int) -> int | None:
    """Text the franchise of a lead step (routed to it, or taken from it) once; return the message id, if any.

    Under the lead's lock, so two runs at once send one SMS; a step already told, a routing
    the lead has moved on from, or a franchise without a duty phone sends nothing.
    """
    event = db.session.get(LeadEvent, event_id)
    if event is None:
        return None
    lead = locks.lock(Lead, event.lead_id)
    event = db.session.scalar(locks.fresh(select(LeadEvent).where(LeadEvent.id == event_id)))
    if event.told_at is not None or event.franchise_id is None:
        db.session.rollback()
        return None
    event.told_at = utcnow()
    franchise = db.session.get(Franchise, event.franchise_id)
    current = event.kind == "expired" or (lead.status == "routed" and lead.franchise_id == event.franchise_id
                                          and event.id == _last_routing(lead.id))
    message = None
    if current and franchise is not None and franchise.duty_phone:
        body = _text(event, lead, franchise)
        message = notices.notify_staff(franchise.duty_phone, "lead", body, franchise.id, franchise.region_id)
    db.session.commit()
    outbox.relay_quietly()
    return message.id if message else None


def _last_routing(lead_id: int) -> int | None:
    return db.session.scalar(select(LeadEvent.id).where(LeadEvent.lead_id == lead_id, LeadEvent.kind == "routed")
                             .order_by(LeadEvent.id.desc()).limit(1))


def _text(event: LeadEvent, lead: Lead, franchise: Franchise) -> str:
    """Word the SMS in the franchise's partner's language."""
    with force_locale(_language(franchise.id)):
        if event.kind == "expired":
            return str(texts.SMS_EXPIRED) % {"id": lead.id}
        values = {"id": lead.id, "work": lead.work_type, "headcount": lead.headcount, "address": lead.address[:60],
                  "url": f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/leads/{lead.id}"}
        if lead.sla_due_at is None:
            return str(texts.SMS_REACHED_NO_SLA) % values
        due = to_zone(lead.sla_due_at, service.branch_timezone(lead.franchise_id, lead.region_id))
        return str(texts.SMS_REACHED) % {**values, "due": due.strftime("%H:%M %d.%m")}


def _language(franchise_id: int) -> str:
    """Return the language of the franchise's first active partner, else the app's default."""
    language = db.session.scalar(select(User.locale).where(
        User.franchise_id == franchise_id, User.role == "partner", User.active.is_(True)).order_by(User.id).limit(1))
    return language or current_app.config["BABEL_DEFAULT_LOCALE"]
