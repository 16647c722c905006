"""Clients and sites: search, create, change."""
from sqlalchemy import select

from clients.models import Client, Site
from core.search import matches, one_page
from extensions import db

PAGE_SIZE = 50


def search_clients(q: str = "", page: int = 1) -> tuple[list[Client], int]:
    """Return one page of clients matching their name in any case (ё as е), INN or phone digits, and the total."""
    stmt = select(Client).where(matches(Client.search, q))
    rows, total = one_page(Client, stmt, (Client.name, Client.id), page, PAGE_SIZE)
    return [client for client, _none in rows], total


def get_client(client_id: int) -> Client | None:
    return db.session.get(Client, client_id)


def create_client(data: dict, franchise_id: int | None, manager_id: int | None) -> Client:
    """Create a client of the caller's franchise (head office names the franchise) and commit."""
    client = Client(franchise_id=franchise_id, manager_id=manager_id, **data)
    db.session.add(client)
    db.session.commit()
    return client


def update_client(client: Client, data: dict) -> Client:
    for key, value in data.items():
        setattr(client, key, value)
    db.session.commit()
    return client


def add_site(client: Client, data: dict) -> Site:
    """Add a site to client (same franchise) and commit."""
    lat, lon = data.pop("lat", None), data.pop("lon", None)
    site = Site(
        client_id=client.id,
        franchise_id=client.franchise_id,
        lat=float(lat) if lat is not None else None,
        lon=float(lon) if lon is not None else None,
        **data,
    )
    db.session.add(site)
    db.session.commit()
    return site
