"""The offer's state machine, in one place: which event may move an offer from which state, and where to.

Every change of ``Offer.state`` goes through ``move`` (or, for bulk updates, selects its
rows with ``sources``), so a state the table does not allow cannot be reached by any path:
a YES books only from ``offered`` or ``waitlisted``; an offer the dispatcher cancelled,
that expired, was dropped or declined can be booked again only by the dispatcher's hand.

| event          | who                                     | from                                        | to         |
|----------------|-----------------------------------------|---------------------------------------------|------------|
| book           | the worker's YES, a place is free       | offered, waitlisted                         | booked     |
| waitlist       | the worker's YES, the order is full     | offered                                     | waitlisted |
| confirm        | the worker's "1" (or YES) when booked   | booked, confirmed                           | confirmed  |
| decline        | the worker's NO                         | offered, waitlisted                         | declined   |
| drop           | the worker's DROP                       | booked, confirmed                           | dropped    |
| unbook         | the dispatcher; a smaller or moved order | booked, confirmed                          | cancelled  |
| book_by_hand   | the dispatcher (offered or not)         | none yet, offered, waitlisted, declined, dropped, expired, cancelled | booked |
| promote        | a freed place goes to the waitlist      | waitlisted                                  | booked     |
| lapse          | a booked worker did not confirm in time | booked                                      | expired    |
| start          | the shift began                         | offered, waitlisted                         | expired    |
| cancel_order   | the dispatcher cancels the order        | offered, waitlisted, booked, confirmed      | cancelled  |
| move           | the order's time changed                | booked, confirmed                           | booked     |
| undeliverable  | the offer SMS was refused for good      | offered                                     | cancelled  |
| withdraw       | the worker was suspended or banned      | offered, waitlisted                         | cancelled  |

A worker's place on a shift is held in ``booked`` and ``confirmed`` (HOLDING).
"""
OFFERED, DECLINED, BOOKED, WAITLISTED = "offered", "declined", "booked", "waitlisted"
CONFIRMED, DROPPED, EXPIRED, CANCELLED = "confirmed", "dropped", "expired", "cancelled"
STATES = (OFFERED, DECLINED, BOOKED, WAITLISTED, CONFIRMED, DROPPED, EXPIRED, CANCELLED)
HOLDING = (BOOKED, CONFIRMED)
OPEN = (OFFERED, WAITLISTED)  # asked, and may still say YES
NEW = None  # an offer not yet stored: waves create them offered, the dispatcher's hand books one at once

TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "book": (OPEN, BOOKED),
    "waitlist": ((OFFERED,), WAITLISTED),
    "confirm": (HOLDING, CONFIRMED),
    "decline": (OPEN, DECLINED),
    "drop": (HOLDING, DROPPED),
    "unbook": (HOLDING, CANCELLED),
    "book_by_hand": ((NEW, OFFERED, WAITLISTED, DECLINED, DROPPED, EXPIRED, CANCELLED), BOOKED),
    "promote": ((WAITLISTED,), BOOKED),
    "lapse": ((BOOKED,), EXPIRED),
    "start": (OPEN, EXPIRED),
    "cancel_order": ((*OPEN, *HOLDING), CANCELLED),
    "move": (HOLDING, BOOKED),
    "undeliverable": ((OFFERED,), CANCELLED),
    "withdraw": (OPEN, CANCELLED),
}
EVENTS = tuple(TRANSITIONS)


class ForbiddenTransition(ValueError):
    """The event may not move an offer out of its current state."""

    def __init__(self, state: str, event: str):
        super().__init__(f"an offer in state {state!r} cannot take event {event!r}")
        self.state, self.event = state, event


def allows(state: str, event: str) -> bool:
    """Whether event may move an offer that is in state."""
    return state in TRANSITIONS[event][0]


def target(state: str, event: str) -> str:
    """Return the state event moves an offer in state to; raise ForbiddenTransition if it may not."""
    sources, to = TRANSITIONS[event]
    if state not in sources:
        raise ForbiddenTransition(state, event)
    return to


def sources(event: str) -> tuple[str, ...]:
    """Return the states event may move an offer out of (for bulk updates)."""
    return TRANSITIONS[event][0]


def move(offer, event: str) -> str:
    """Move offer by event (the caller commits); raise ForbiddenTransition if the table forbids it."""
    offer.state = target(offer.state, event)
    return offer.state
