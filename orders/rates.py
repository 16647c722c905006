"""Rate cards: what a worker earns and a client pays per hour, by work type, conditions and headcount.

Head office keeps each region's default cards; they are also the floors: a franchise may keep its
own card for the same work (its price list), never paying or billing below the default. An
order takes the franchise's own card valid on the shift's day, else the region's, and freezes
those rates. Cards are never edited into the past: a new price is a new card from a later day,
and the old one is ended the day before.
"""
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, or_, select

from core import locks
from core.i18n import lazy_gettext as _l
from core.money import format_money
from extensions import db
from franchise.models import Franchise
from orders.models import RateCard

FIELDS = ("region_id", "franchise_id", "work_type", "conditions", "min_headcount", "pay_rate", "bill_rate",
          "valid_from", "valid_to")


class RateError(Exception):
    """A card that cannot be saved as given; the message says why and field names the input."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.field = field


def _valid_on(day: date):
    return and_(RateCard.valid_from <= day, or_(RateCard.valid_to.is_(None), RateCard.valid_to >= day))


def rate_for(region_id: int, franchise_id: int | None, work_type: str, conditions: str, headcount: int,
             day: date) -> RateCard | None:
    """Return the card an order takes: the franchise's own valid that day, else the region's; the highest tier reached."""
    return db.session.scalar(select(RateCard).where(
        RateCard.region_id == region_id, RateCard.work_type == work_type, RateCard.conditions == conditions,
        RateCard.min_headcount <= headcount, _valid_on(day),
        or_(RateCard.franchise_id.is_(None), RateCard.franchise_id == franchise_id))
        .order_by(RateCard.franchise_id.is_(None), RateCard.min_headcount.desc(), RateCard.valid_from.desc()).limit(1))


def list_cards(region_id: int | None = None, on: date | None = None) -> list[RateCard]:
    """Return the visible cards (a franchise: its region's defaults and its own), narrowed by region and day."""
    stmt = select(RateCard).order_by(RateCard.region_id, RateCard.work_type, RateCard.conditions,
                                     RateCard.min_headcount, RateCard.franchise_id.is_(None), RateCard.valid_from)
    if region_id is not None:
        stmt = stmt.where(RateCard.region_id == region_id)
    if on is not None:
        stmt = stmt.where(_valid_on(on))
    return list(db.session.scalars(stmt))


def get_card(card_id: int) -> RateCard | None:
    return db.session.get(RateCard, card_id)


def floor_of(values: dict) -> RateCard | None:
    """Return head office's card a franchise's card must not go below (same work, valid on its first day)."""
    return db.session.scalar(select(RateCard).where(
        RateCard.franchise_id.is_(None), RateCard.region_id == values["region_id"],
        RateCard.work_type == values["work_type"], RateCard.conditions == values["conditions"],
        RateCard.min_headcount <= values["min_headcount"], _valid_on(values["valid_from"]))
        .order_by(RateCard.min_headcount.desc()).limit(1))


def save_card(card: RateCard | None, data: dict, currency: str = "RUB") -> RateCard:
    """Add a card (card None) or change one; commit. Raise RateError (nothing saved).

    data: FIELDS, and confirm_loss when the pay is not below the bill. franchise_id is the
    caller's own franchise for a franchise user (tenancy holds it), None for a region default.
    """
    values = {key: data.get(key) for key in FIELDS}
    values["work_type"] = (values["work_type"] or "").strip().lower()
    _check(values, data.get("confirm_loss"), currency)
    locks.lock_name(f"rate-card-{values['region_id']}-{values['franchise_id']}-{values['work_type']}-"
                    f"{values['conditions']}-{values['min_headcount']}")
    _check_overlap(card, values)
    card = card or RateCard()
    for key, value in values.items():
        setattr(card, key, value)
    db.session.add(card)
    db.session.commit()
    return card


def _check(values: dict, confirm_loss, currency: str) -> None:
    if not values["work_type"]:
        raise RateError(_l("Name the work type."), "work_type")
    pay, bill = values["pay_rate"], values["bill_rate"]
    if not isinstance(pay, Decimal) or not isinstance(bill, Decimal) or pay <= 0 or bill <= 0:
        raise RateError(_l("Pay and bill are amounts above zero."), "pay_rate")
    if values["valid_to"] is not None and values["valid_to"] < values["valid_from"]:
        raise RateError(_l("The card ends before it starts."), "valid_to")
    if pay >= bill and not confirm_loss:
        raise RateError(_l("The pay (%(pay)s) is not below the bill (%(bill)s): orders at this card earn nothing. "
                           "Confirm to save it anyway.", pay=format_money(pay, currency), bill=format_money(bill, currency)),
                        "confirm_loss")
    if values["franchise_id"] is not None:
        franchise = db.session.get(Franchise, values["franchise_id"])
        if franchise is None or franchise.region_id != values["region_id"]:
            raise RateError(_l("A franchise's card is for its own region."), "franchise_id")
        floor = floor_of(values)
        if floor is not None and (pay < floor.pay_rate or bill < floor.bill_rate):
            raise RateError(_l("Head office's card for this work is the floor: pay at least %(pay)s and bill at least "
                               "%(bill)s.", pay=format_money(floor.pay_rate, currency),
                               bill=format_money(floor.bill_rate, currency)), "pay_rate")


def _check_overlap(card: RateCard | None, values: dict) -> None:
    same = select(RateCard).where(
        RateCard.region_id == values["region_id"], RateCard.work_type == values["work_type"],
        RateCard.conditions == values["conditions"], RateCard.min_headcount == values["min_headcount"],
        RateCard.franchise_id.is_(None) if values["franchise_id"] is None else RateCard.franchise_id == values["franchise_id"],
        or_(RateCard.valid_to.is_(None), RateCard.valid_to >= values["valid_from"]))
    if values["valid_to"] is not None:
        same = same.where(RateCard.valid_from <= values["valid_to"])
    if card is not None and card.id is not None:
        same = same.where(RateCard.id != card.id)
    clash = db.session.scalar(same.limit(1))
    if clash is not None:
        raise RateError(_l("A card for this work already applies from %(start)s: end it the day before the new one "
                           "starts.", start=clash.valid_from.isoformat()), "valid_from")


def end_card(card: RateCard, last_day: date) -> RateCard:
    """End a card on last_day (never before it started); commit."""
    if last_day < card.valid_from:
        raise RateError(_l("A card cannot end before it starts (%(start)s).", start=card.valid_from.isoformat()),
                        "valid_to")
    card.valid_to = last_day
    db.session.commit()
    return card

