"""Regions and franchises: lists, the network summary, one franchise's figures, head office's edits."""
import re
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from clients.models import Client, Site
from core import locks
from core.i18n import lazy_gettext as _l
from core.models import User
from core.phones import try_normalize_phone
from extensions import db
from franchise.models import FRANCHISE_STATUSES, TIERS, Franchise, Region
from workers.models import Worker


def list_regions() -> list[Region]:
    return list(db.session.scalars(select(Region).order_by(Region.name)))


def list_franchises() -> list[Franchise]:
    return list(db.session.scalars(select(Franchise).order_by(Franchise.region_id, Franchise.tier, Franchise.name)))


def get_franchise(franchise_id: int) -> Franchise | None:
    return db.session.get(Franchise, franchise_id)


def get_region(region_id: int) -> Region | None:
    return db.session.get(Region, region_id)


def official_for(region_id: int | None) -> Franchise | None:
    """Return the region's active official representative, or None."""
    if region_id is None:
        return None
    return db.session.scalar(select(Franchise).where(
        Franchise.region_id == region_id, Franchise.tier == "official", Franchise.status == "active")
        .order_by(Franchise.id).limit(1))


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def network_summary(by_region: list[tuple[Region, int, int]] | None = None) -> dict:
    """Return what head office sees first: counts across the visible network.

    by_region: workers_by_region() when the caller has it already (the pool is counted once, not twice).
    """
    by_region = workers_by_region() if by_region is None else by_region
    return {
        "regions": len(by_region),
        "franchises": _count(Franchise),
        "users": _count(User),
        "workers": sum(total for _region, total, _active in by_region),
        "active_workers": sum(active for _region, _total, active in by_region),
        "clients": _count(Client),
        "sites": _count(Site),
    }


def workers_by_region() -> list[tuple[Region, int, int]]:
    """Return each visible region with its pool size and active workers."""
    rows = db.session.execute(
        select(
            Worker.region_id,
            func.count(),
            func.count().filter(Worker.status == "active"),
        ).group_by(Worker.region_id)
    ).all()
    counts = {region_id: (total, active) for region_id, total, active in rows}
    return [(region, *counts.get(region.id, (0, 0))) for region in list_regions()]


def franchise_figures(franchise: Franchise) -> dict:
    """Return one franchise's portal figures."""
    return {
        "clients": _count(Client, Client.franchise_id == franchise.id),
        "sites": _count(Site, Site.franchise_id == franchise.id),
        "staff": _count(User, User.franchise_id == franchise.id),
        "workers": _count(Worker, Worker.region_id == franchise.region_id),
        "active_workers": _count(Worker, Worker.region_id == franchise.region_id, Worker.status == "active"),
    }


def staff_of(franchise: Franchise) -> list[User]:
    return list(db.session.scalars(select(User).where(User.franchise_id == franchise.id).order_by(User.name)))


class FranchiseError(Exception):
    """A franchise that cannot be saved as given; the message says why. Nothing is saved."""


MESSAGING_SERVICE = re.compile(r"^MG[0-9a-f]{32}$")
EDITABLE = ("name", "legal_name", "tier", "status", "region_id", "royalty_rate", "monthly_fee", "contract_start",
            "contract_end", "sms_sender", "duty_phone")


def save_franchise(franchise: Franchise | None, data: dict) -> Franchise:
    """Create a franchise (franchise None) or change one from data; commit. Raise FranchiseError.

    One official representative per city: a franchise that becomes an active official of a region
    that has one already is refused with the holder's name. A lock on the region's name makes two
    head-office users doing it at once take turns; the database's unique index holds the rule for
    anything that comes past the lock.
    """
    values = _checked(data)
    franchise = franchise or Franchise()
    if _is_official(values):
        locks.lock_name(f"official-representative-{values['region_id']}")
        holder = official_for(values["region_id"])
        if holder is not None and holder.id != franchise.id:
            raise FranchiseError(_official_taken(holder))
    if values["sms_sender"] and values["status"] != "terminated":
        locks.lock_name(f"sms-sender-{values['sms_sender']}")  # a reply to it names one branch
        other = sender_owner(values["sms_sender"])
        if other is not None and other.id != franchise.id:
            raise FranchiseError(_l("%(sender)s is the SMS sender of %(holder)s already; a reply to it must name "
                                    "one branch.", sender=values["sms_sender"], holder=other.name))
    for key in EDITABLE:
        setattr(franchise, key, values[key])
    db.session.add(franchise)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        holder = official_for(values["region_id"])
        raise FranchiseError(_official_taken(holder) if holder else _l("The franchise could not be saved.")) from None
    db.session.commit()
    return franchise


def sender_owner(sender: str | None) -> Franchise | None:
    """Return the franchise (not terminated) whose own SMS sender (number or Messaging Service SID) this is."""
    if not sender:
        return None
    return db.session.scalar(select(Franchise).where(Franchise.sms_sender == sender, Franchise.status != "terminated")
                             .order_by(Franchise.id).limit(1))


def _is_official(values: dict) -> bool:
    return values["tier"] == "official" and values["status"] == "active" and values["region_id"] is not None


def _official_taken(holder: Franchise) -> str:
    return str(_l("%(region)s already has an official representative: %(holder)s. A city has one.",
                  region=holder.region.name, holder=holder.name))


def _checked(data: dict) -> dict:
    values = {key: data.get(key) for key in EDITABLE}
    values["name"] = (values["name"] or "").strip()
    values["legal_name"] = (values["legal_name"] or "").strip() or None
    if not values["name"]:
        raise FranchiseError(_l("Give the franchise a name."))
    if values["tier"] not in TIERS or values["status"] not in FRANCHISE_STATUSES:
        raise FranchiseError(_l("Choose the package and the status from the lists."))
    if values["tier"] != "head_office" and (values["region_id"] is None or get_region(values["region_id"]) is None):
        raise FranchiseError(_l("Choose the franchise's region."))
    rate, fee = values["royalty_rate"], values["monthly_fee"]
    if not isinstance(rate, Decimal) or not Decimal(0) <= rate <= Decimal("0.5"):
        raise FranchiseError(_l("The royalty rate is between 0 and 50 per cent."))
    if not isinstance(fee, Decimal) or fee < 0:
        raise FranchiseError(_l("The fixed monthly fee is zero or more."))
    start, end = values["contract_start"], values["contract_end"]
    if isinstance(start, date) and isinstance(end, date) and end < start:
        raise FranchiseError(_l("The contract ends before it starts."))
    values["sms_sender"] = _sender(values["sms_sender"])
    values["duty_phone"] = _duty_phone(values["duty_phone"])
    return values


def _duty_phone(raw: str | None) -> str | None:
    """Return the phone the branch is told of its leads on (E.164), or None."""
    raw = (raw or "").strip()
    if not raw:
        return None
    phone = try_normalize_phone(raw)
    if phone is None:
        raise FranchiseError(_l("The duty phone is not a phone number we can send an SMS to."))
    return phone


def _sender(raw: str | None) -> str | None:
    """Return the franchise's own SMS sender: a phone number (E.164) or a Twilio Messaging Service SID."""
    raw = (raw or "").strip()
    if not raw:
        return None
    if MESSAGING_SERVICE.match(raw):
        return raw
    phone = try_normalize_phone(raw)
    if phone is None:
        raise FranchiseError(_l("The SMS sender is a phone number or a Messaging Service SID (MG and 32 characters)."))
    return phone
