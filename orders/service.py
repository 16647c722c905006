"""Orders and the sites a foreman works at."""
from sqlalchemy import select

from clients.models import Client, Site
from extensions import db


def sites_for_foreman() -> list[tuple[Site, Client]]:
    """Return the sites (with their clients) of the foreman's franchise, by client."""
    return list(
        db.session.execute(select(Site, Client).join(Client, Site.client_id == Client.id).order_by(Client.name, Site.name))
    )
