"""Leads: an inbound request taken by the call centre, and the log of where it went and why."""
from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, Text, false, inspect, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import TimestampMixin
from core.timeutil import utcnow
from extensions import db

LEAD_STATUSES = ("new", "routed", "accepted", "declined", "converted", "lost")
OPEN_STATUSES = ("new", "routed")  # a repeat call from the same phone attaches to these
LEAD_SOURCES = ("phone", "web_form", "referral", "campaign")


class Lead(TimestampMixin, db.Model):
    """A request before it is a client's order; it belongs to the franchise it is routed to.

    franchise_id is NULL while the lead has no branch (only head office sees it then).
    """

    __audited__ = True
    __table_args__ = (Index("ix_lead_phone_created", "phone", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    caller_name: Mapped[str] = mapped_column(String(120))
    company: Mapped[Optional[str]] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20))  # E.164
    address: Mapped[str] = mapped_column(String(300))
    lat: Mapped[Optional[float]]  # NULL: a web form's address no map could find (the lead stays with head office)
    lon: Mapped[Optional[float]]
    work_type: Mapped[str] = mapped_column(String(40))
    headcount: Mapped[int]
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    hours: Mapped[int] = mapped_column(default=8)
    notes: Mapped[Optional[str]] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16), default="phone")
    campaign: Mapped[Optional[str]] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(12), default="new", index=True)
    region_id: Mapped[Optional[int]] = mapped_column(ForeignKey("region.id"), index=True)
    franchise_id: Mapped[Optional[int]] = mapped_column(ForeignKey("franchise.id"), index=True)
    routed_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    # When the branch's time to accept runs out (leads.sla); NULL once answered, or with head office,
    # which has no SLA: the expiry sweep reads only this index.
    sla_due_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True), index=True)
    client_id: Mapped[Optional[int]] = mapped_column(ForeignKey("client.id"))
    order_id: Mapped[Optional[int]] = mapped_column(ForeignKey("order.id"))
    taken_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))

    region = relationship("Region")
    franchise = relationship("Franchise")
    client = relationship("Client")
    order = relationship("Order")
    taken_by = relationship("User", foreign_keys=[taken_by_id])
    events = relationship("LeadEvent", back_populates="lead", order_by="LeadEvent.id")

    @classmethod
    def __tenant_filter__(cls, scope):
        return cls.franchise_id == scope.franchise_id

    def __tenant_allows__(self, scope) -> bool:
        """Allow the branch's own lead, and its handing the lead on when it declines it."""
        if self.franchise_id == scope.franchise_id:
            return True
        before = inspect(self).attrs.franchise_id.history.deleted or ()
        return bool(before) and all(old == scope.franchise_id for old in before)


class LeadEvent(db.Model):
    """One step in a lead's life: taken, routed (with the rule's reason), a repeat call, declined, accepted.

    Not tenant-filtered itself: read only through its lead, which is.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    kind: Mapped[str] = mapped_column(String(16))  # taken | routed | repeat_call | declined | expired | accepted | lost
    reason: Mapped[Optional[str]] = mapped_column(String(32))  # a code of leads.texts.REASONS
    details: Mapped[dict] = mapped_column(JSON, default=dict)  # figures the reason's text names
    note: Mapped[Optional[str]] = mapped_column(Text)  # what a person wrote (a decline's reason)
    franchise_id: Mapped[Optional[int]] = mapped_column(ForeignKey("franchise.id"), index=True)  # where it went
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    # A step that hands the lead to a franchise (routed) or takes it away (expired) is told to the
    # franchise's duty phone once (leads.jobs.tell_branch); NULL: not yet.
    told_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))

    lead = relationship("Lead", back_populates="events")
    franchise = relationship("Franchise")
    user = relationship("User")


Index("ix_lead_event_routed", LeadEvent.franchise_id, LeadEvent.kind, LeadEvent.at)
TOLD_KINDS = ("routed", "expired")
_UNTOLD = text("told_at IS NULL AND kind IN ('routed', 'expired') AND franchise_id IS NOT NULL")
# what the expiry sweep looks through for a branch not yet told (its job lost): only those steps
Index("ix_lead_event_untold", LeadEvent.at, postgresql_where=_UNTOLD, sqlite_where=_UNTOLD)


# What the call centre did with an inbound call: waiting for a free agent, offered to one (his screen
# shows the caller's card), handled (a lead saved), dismissed by the agent, or missed (the caller hung
# up before any agent had it).
CALL_STATES = ("waiting", "offered", "handled", "dismissed", "missed")
OPEN_CALL_STATES = ("waiting", "offered")
UNANSWERED_CALL_STATUSES = ("busy", "no-answer", "failed", "canceled")  # Twilio's CallStatus
FINAL_CALL_STATUSES = ("completed", *UNANSWERED_CALL_STATUSES)


class Call(db.Model):
    """One inbound call, stored once per Twilio CallSid, and who of the call centre had it.

    The call centre is head office's: a franchise user reads no call (its leads tell it what came of them).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    sid: Mapped[str] = mapped_column(String(64), unique=True)
    from_phone: Mapped[str] = mapped_column(String(32))  # E.164 when the number is valid, else as Twilio sent it
    to_phone: Mapped[Optional[str]] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(20))  # Twilio's CallStatus, the latest one
    state: Mapped[str] = mapped_column(String(12), default="waiting", index=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    offered_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    agent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"), index=True)
    client_id: Mapped[Optional[int]] = mapped_column(ForeignKey("client.id"))  # a known client with that phone
    lead_id: Mapped[Optional[int]] = mapped_column(ForeignKey("lead.id"))  # the open lead found, or the one saved

    agent = relationship("User", foreign_keys=[agent_id])
    client = relationship("Client")
    lead = relationship("Lead")

    @classmethod
    def __tenant_filter__(cls, scope):
        return false()

    def __tenant_allows__(self, scope) -> bool:
        return False


class AgentPresence(db.Model):
    """A call-centre agent's intake screen: when it last asked for calls, and the call it shows.

    Free: no call, and seen within AGENT_STALE_SECONDS; the agent free longest (free_since) gets the next call.
    """

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    free_since: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))  # NULL while he has a call
    # unique: a call is on one agent's screen at most, whatever two transactions decide at once
    call_id: Mapped[Optional[int]] = mapped_column(ForeignKey("call.id"), unique=True)

    user = relationship("User")
    call = relationship("Call")
