"""The words of leads: statuses, sources, the kinds of logged steps and their reasons."""
from core.i18n import lazy_gettext as _l

STATUS_LABELS = {
    "new": _l("new"),
    "routed": _l("waiting for the branch"),
    "accepted": _l("accepted"),
    "declined": _l("declined"),
    "converted": _l("converted"),
    "lost": _l("lost"),
}
SOURCE_LABELS = {
    "phone": _l("phone call"),
    "web_form": _l("web form"),
    "referral": _l("referral"),
    "campaign": _l("campaign"),
}
# The reasons a LeadEvent gives, worded with the figures in its details ("round_robin": the rule before
# it was weighted, kept for the steps logged by it).
REASONS = {
    "inside_region": _l("The address is in %(region)s, %(km)s km from its centre."),
    "nearest_region": _l("No region's radius holds the address: %(region)s is the nearest, %(km)s km away "
                         "(within %(limit)s km)."),
    "no_region": _l("No region within %(limit)s km of the address."),
    "official": _l("%(franchise)s is the region's official representative."),
    "round_robin": _l("Of the region's other franchises, %(franchise)s received a lead least recently "
                      "(round robin)."),
    "weighted_round_robin": _l("Weighted round robin: of the region's %(others)s other franchises, %(franchise)s is "
                               "furthest behind its share (%(received)s leads lately, %(accepted)s accepted, "
                               "%(refused)s declined or expired, %(converted)s converted: weight %(weight)s)."),
    "sla_expired": _l("%(franchise)s did not accept it within %(minutes)s working minutes."),
    "no_branch": _l("No active franchise in the region."),
    "no_branch_left": _l("Every franchise of the region has had this lead."),
    "head_office": _l("Head office takes it."),
    "repeat_call": _l("The same phone called again within %(hours)s h: added to this lead."),
    "repeat_web": _l("The same phone sent the web form again within %(hours)s h: added to this lead."),
    "not_located": _l("No map found the address: head office finds out where it is."),
    "converted": _l("Client and draft order made from the lead."),
    "no_draft": _l("Client and site made; no draft order: %(error)s"),
}
KINDS = {
    "taken": _l("taken"),
    "located": _l("territory"),
    "routed": _l("routed"),
    "repeat_call": _l("repeat call"),
    "declined": _l("declined"),
    "expired": _l("not accepted in time"),
    "accepted": _l("accepted"),
    "lost": _l("lost"),
}


def describe(reason: str | None, details: dict) -> str:
    """Word a logged reason in the reader's language."""
    if not reason:
        return ""
    template = REASONS.get(reason)
    try:
        return str(template) % details if template else reason
    except (KeyError, TypeError, ValueError):
        return reason


# What came of an inbound call (leads.calls.outcome).
CALL_OUTCOMES = {
    "waiting": _l("waiting for an agent"),
    "offered": _l("on an agent's screen"),
    "handled": _l("answered: lead saved"),
    "dismissed": _l("answered: nothing to take"),
    "no_agent": _l("missed: no agent was free"),
    "hung_up": _l("missed: the caller hung up before the agent answered"),
    "failed": _l("missed: the call did not get through"),
}
CALL_FILTER_LABELS = {
    "answered": _l("answered"),
    "handled": _l("answered: lead saved"),
    "dismissed": _l("answered: nothing to take"),
    "missed": _l("missed"),
    "open": _l("waiting or on a screen now"),
}

# SMS to a branch's duty phone (leads.service), in its partner's language; within two segments.
SMS_REACHED = _l("Artel: new lead %(id)s, %(work)s x%(headcount)s, %(address)s. Accept it by %(due)s: %(url)s")
SMS_REACHED_NO_SLA = _l("Artel: new lead %(id)s, %(work)s x%(headcount)s, %(address)s: %(url)s")
SMS_EXPIRED = _l("Artel: lead %(id)s was not accepted in time and went on to the next branch.")

# Said to a caller of the network's number while he waits for an agent (Twilio Voice), and the queue he waits in.
VOICE_GREETING = _l("Artel, hello. An operator will answer you in a moment.")
VOICE_QUEUE = "intake"
