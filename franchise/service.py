"""Regions and franchises: lists, the network summary, one franchise's figures."""
from sqlalchemy import func, select

from clients.models import Client, Site
from core.models import User
from extensions import db
from franchise.models import Franchise, Region
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


def network_summary() -> dict:
    """Return what head office sees first: counts across the visible network."""
    return {
        "regions": _count(Region),
        "franchises": _count(Franchise),
        "users": _count(User),
        "workers": _count(Worker),
        "active_workers": _count(Worker, Worker.status == "active"),
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
