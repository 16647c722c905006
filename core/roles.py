"""Who may do what: every action a page or an API endpoint takes, and the roles allowed it.

Each action is declared once, here. Pages name theirs with ``core.auth.requires`` and API
endpoints with ``core.auth.api_requires``, so a role gets the same answer from the web
console and from the API, and templates ask ``may(...)`` before showing a button. An
administrator may take every action; an action marked ``head_office`` is further limited
to users of no franchise (an administrator attached to a franchise does not get it).
Which rows a permitted user reaches is core.tenancy's business, not this table's.
"""
from dataclasses import dataclass

from core.models import ROLES


@dataclass(frozen=True)
class Action:
    """The roles allowed an action (admin always), and whether only head office may take it."""

    roles: frozenset[str]
    head_office: bool = False

    def allows(self, user) -> bool:
        """Say whether user (logged in or not) may take this action."""
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        if self.head_office and not user.is_head_office:
            return False
        return user.role == "admin" or user.role in self.roles


def _allow(*roles: str, head_office: bool = False) -> Action:
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")
    return Action(frozenset(roles), head_office)


EVERYONE = ROLES
POOL = ("recruiter", "dispatcher", "partner")  # who works with the worker pool
RECRUITING = ("recruiter", "partner")  # who registers, vets and changes workers
DISPATCHING = ("dispatcher", "partner")  # who runs orders, clients and the SMS console
ADMIN_ONLY = ()

ACTIONS: dict[str, Action] = {
    # the caller's own account: profile, language, API tokens, signing out, /api/v1/me
    "account": _allow(*EVERYONE),
    "records.history": _allow(*EVERYONE),  # tenancy decides which records
    "records.delete": _allow(*ADMIN_ONLY),  # soft delete and restore; also shows deleted rows
    "health.details": _allow(*ADMIN_ONLY),  # /healthz beyond up or degraded
    # head office and franchises
    "network.dashboard": _allow(*ADMIN_ONLY, head_office=True),
    "users.manage": _allow(*ADMIN_ONLY, head_office=True),  # every user of the network: add, deactivate, reset
    "staff.manage": _allow("partner"),  # his franchise's dispatchers, recruiters, foremen; see core.service
    "franchise.portal": _allow("partner"),
    "royalty.view": _allow("partner"),  # statements and balances: head office all, a partner his own (tenancy)
    "royalty.manage": _allow(*ADMIN_ONLY, head_office=True),  # close a month, record payments
    "franchises.view": _allow("partner", "dispatcher", "callcentre"),
    "franchises.manage": _allow(*ADMIN_ONLY, head_office=True),  # add franchises, edit contracts, packages, senders
    "regions.view": _allow(*EVERYONE),  # reference data every form needs
    "leads.route": _allow("callcentre"),
    # the playbook: a franchise reads the documents its package includes (playbook.service), head office all
    "playbook.view": _allow("partner", "dispatcher", "recruiter"),
    "playbook.manage": _allow(*ADMIN_ONLY, head_office=True),  # upload, replace, withdraw; the access log
    # clients and their sites
    "clients.view": _allow(*DISPATCHING, "callcentre"),  # the call centre reads a caller's history, changes nothing
    "clients.edit": _allow(*DISPATCHING),
    # the worker pool
    "workers.view": _allow(*POOL),  # the pool, the card, the photo, the rating history
    "workers.register": _allow(*RECRUITING),  # new applicants, edits, photos, days off, import
    "workers.interview": _allow("recruiter"),
    "workers.status": _allow(*RECRUITING),
    "dispatch.candidates": _allow(*DISPATCHING),
    "workers.export": _allow(*ADMIN_ONLY),  # the CSV of the whole visible pool
    "workers.personal_data": _allow(*ADMIN_ONLY, head_office=True),  # one worker's personal data: export and erasure (irreversible)
    "skills.manage": _allow(*ADMIN_ONLY),
    # orders and the day on site
    "orders.view": _allow(*DISPATCHING, "callcentre"),  # read only: what a calling client has booked
    "orders.manage": _allow(*DISPATCHING),  # create, send out, change, cancel, book and unbook
    "rates.view": _allow(*DISPATCHING),  # the rate cards an order takes: the region's defaults and the franchise's own
    "rates.manage": _allow("partner"),  # a franchise's own cards; head office's administrators keep the defaults
    "orders.sites": _allow("foreman"),  # the foreman's phone page
    "orders.attendance": _allow("foreman", "dispatcher", "partner"),  # see orders.attendance.may_mark
    "ratings.record": _allow(*DISPATCHING),  # events the attendance sheet cannot give; see ratings.service
    # the SMS console
    "dispatch.inbox": _allow(*DISPATCHING),
    "dispatch.reports": _allow(*DISPATCHING),
    "dispatch.simulator": _allow(*DISPATCHING),
    # leads: the call centre takes them, the branch they are routed to answers them
    "leads.take": _allow("callcentre"),  # the intake screen and the caller look-up by phone
    "leads.calls": _allow("callcentre", head_office=True),  # the log of inbound calls: the call centre's own
    "leads.view": _allow("callcentre", *DISPATCHING),  # one lead and its routing log; tenancy decides which
    "leads.answer": _allow(*DISPATCHING),  # the branch's lead inbox: accept (client + draft order) or decline
    "leads.report": _allow("callcentre", "partner"),  # the lead funnel: head office every branch, a partner his own
}


def action(name: str) -> Action:
    """Return the declared action; raise LookupError for a name the table does not declare."""
    try:
        return ACTIONS[name]
    except KeyError:
        raise LookupError(f"no action {name!r} in core.roles.ACTIONS") from None


def may(user, name: str) -> bool:
    """Say whether user may take the named action."""
    return action(name).allows(user)
