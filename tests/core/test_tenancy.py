"""The central scoping mechanism itself, below the routes."""
import pytest
from sqlalchemy import func, select

from clients.models import Client, Site
from core import tenancy
from core.models import User
from franchise import borrowing
from franchise.models import Franchise
from workers.models import Worker


@pytest.fixture
def as_partner_a(db, network):
    tenancy.activate(tenancy.scope_for_user(network.a_partner))
    db.session.expire_all()
    yield
    tenancy.activate(None)


def test_head_office_is_unscoped(network):
    assert tenancy.scope_for_user(network.admin) is None
    assert tenancy.scope_for_user(network.a_partner) == tenancy.Scope(network.a.id, (network.moscow.id,),
                                                                     (network.moscow.id,))


def test_a_linked_neighbour_widens_the_pool_and_nothing_else(network):
    borrowing.allow(network.moscow.id, network.kazan.id)
    scope = tenancy.scope_for_user(network.a_partner)
    assert (scope.region_ids, scope.pool) == ((network.moscow.id,), (network.moscow.id, network.kazan.id))


def test_selects_return_only_the_franchise_rows(db, network, as_partner_a):
    assert [c.name for c in db.session.scalars(select(Client))] == [network.a_client.name]
    assert db.session.scalar(select(func.count()).select_from(Site)) == 1
    assert {w.id for w in db.session.scalars(select(Worker))} == {network.a_worker.id}
    assert {f.id for f in db.session.scalars(select(Franchise))} == {network.a.id}
    assert network.b_partner.id not in {u.id for u in db.session.scalars(select(User))}


def test_get_by_id_of_another_franchise_is_none(db, network, as_partner_a):
    b_client, b_worker, a_client = network.b_client.id, network.b_worker.id, network.a_client.id
    db.session.expunge_all()
    assert db.session.get(Client, b_client) is None
    assert db.session.get(Worker, b_worker) is None
    assert db.session.get(Client, a_client) is not None


def test_joins_and_relationships_are_filtered_too(db, network, as_partner_a):
    rows = db.session.execute(select(Site.name, Client.name).join(Client, Site.client_id == Client.id)).all()
    assert rows == [(network.a_site.name, network.a_client.name)]
    client = db.session.get(Client, network.a_client.id)
    assert [s.id for s in client.sites] == [network.a_site.id]


def test_writing_a_row_into_another_franchise_is_refused(db, network, as_partner_a):
    db.session.add(Client(name="Sneaky", franchise_id=network.b.id))
    with pytest.raises(tenancy.TenancyViolation):
        db.session.flush()
    db.session.rollback()
    tenancy.activate(None)
    assert db.session.scalar(select(Client).where(Client.name == "Sneaky")) is None


def test_moving_an_own_row_to_another_franchise_is_refused(db, network, as_partner_a):
    client = db.session.get(Client, network.a_client.id)
    client.franchise_id = network.b.id
    with pytest.raises(tenancy.TenancyViolation):
        db.session.commit()
    db.session.rollback()


def test_new_rows_default_to_the_franchise(db, network, as_partner_a):
    client = Client(name="Fresh")
    db.session.add(client)
    db.session.commit()
    assert client.franchise_id == network.a.id


def test_worker_of_another_region_cannot_be_written(db, network, as_partner_a):
    db.session.add(Worker(first_name="X", last_name="Y", phone="+79265550000", region_id=network.kazan.id))
    with pytest.raises(tenancy.TenancyViolation):
        db.session.flush()
    db.session.rollback()


def test_soft_deleted_rows_are_hidden_unless_asked_for(db, network):
    network.a_client.deleted_at = network.a_client.created_at
    db.session.commit()
    client_id = network.a_client.id
    db.session.expunge_all()
    assert db.session.get(Client, client_id) is None
    assert db.session.get(Client, client_id, execution_options={"include_deleted": True}) is not None
