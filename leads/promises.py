"""Every job of leads, named once, each promised through one typed helper (as dispatch.promises does).

A step that hands a lead to a branch, or takes it away when its time ran out, promises in
its own transaction to tell the branch's duty phone; leads.jobs.tell_branch does it once, and the
expiry sweep tells a step whose job was lost (a killed worker) itself.
"""
from core.models import Outbox
from core.outbox import Job

TELL_BRANCH = Job("leads.jobs.tell_branch", queue="urgent", retry=(10, 60))


def tell_branch(event_id: int) -> Outbox:
    """Promise that the franchise of this lead step is told by SMS."""
    return TELL_BRANCH.promise(event_id)
