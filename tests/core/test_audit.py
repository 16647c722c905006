"""The audit log and soft delete: who changed what, and nothing ever really removed."""
import pytest
from sqlalchemy import select, text

from clients.models import Client
from core import service
from core.audit import AuditLogImmutable
from core.models import AuditEntry


def _entries(db, table, row_id):
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.table_name == table, AuditEntry.row_id == row_id).order_by(AuditEntry.id)
    ))


def test_create_update_through_the_pages_are_recorded_with_who_and_ip(client, auth, db, network):
    auth.login(network.a_dispatcher.email)
    response = client.post("/clients/new", data={"name": "ООО «Склад»", "phone": "8 (495) 123-45-67"},
                           environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert response.status_code == 302
    created = db.session.scalar(select(Client).where(Client.name == "ООО «Склад»"))
    assert created.phone == "+74951234567" and created.franchise_id == network.a.id
    client.post(f"/clients/{created.id}/edit", data={"name": "ООО «Склад-2»", "phone": "+74951234567"},
                environ_base={"REMOTE_ADDR": "10.1.2.4"})
    create, update = _entries(db, "client", created.id)
    assert (create.action, create.actor_id, create.ip, create.franchise_id) == ("create", network.a_dispatcher.id, "10.1.2.3", network.a.id)
    assert create.changes["name"] == [None, "ООО «Склад»"]
    assert (update.action, update.ip) == ("update", "10.1.2.4")
    assert update.changes == {"name": ["ООО «Склад»", "ООО «Склад-2»"]}


def test_secrets_are_never_written_to_the_log(db, network):
    user = service.create_user("audited@test.artel", "Audited", "long-enough-password", "dispatcher", network.a.id)
    entry = _entries(db, "user", user.id)[0]
    assert entry.changes["password_hash"] == [None, "***"]
    assert "scrypt" not in str(entry.changes)


def test_audit_entries_cannot_be_changed_through_the_orm(db, network):
    entry = db.session.scalar(select(AuditEntry))
    entry.action = "forged"
    with pytest.raises(AuditLogImmutable):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.scalar(select(AuditEntry)))
    with pytest.raises(AuditLogImmutable):
        db.session.commit()
    db.session.rollback()


def test_audit_entries_cannot_be_changed_in_the_database(db, network):
    with pytest.raises(Exception, match="append-only"):
        db.session.execute(text("UPDATE audit_entry SET action = 'forged'"))
    db.session.rollback()
    with pytest.raises(Exception, match="append-only"):
        db.session.execute(text("DELETE FROM audit_entry"))
    db.session.rollback()
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "forged")) is None


def test_only_admins_delete_and_deleting_is_soft(client, auth, db, network):
    url = f"/records/client/{network.a_client.id}/delete"
    auth.login(network.a_partner.email)
    assert client.post(url).status_code == 403
    auth.logout()
    auth.login(network.admin.email)
    unconfirmed = client.post(url)
    assert unconfirmed.status_code == 400 and "confirm the deletion" in unconfirmed.get_data(as_text=True)
    assert db.session.get(Client, network.a_client.id) is not None  # nothing deleted yet
    assert client.post(url, data={"confirm": "yes"}).status_code == 302
    db.session.expire_all()
    row = db.session.get(Client, network.a_client.id, execution_options={"include_deleted": True})
    assert row is not None and row.deleted_at is not None and row.deleted_by_id == network.admin.id
    assert network.a_client.name not in client.get("/clients/").get_data(as_text=True)
    history = client.get(f"/records/client/{network.a_client.id}/history").get_data(as_text=True)
    assert "deleted" in history and network.admin.email in history
    assert _entries(db, "client", network.a_client.id)[-1].action == "delete"
    assert client.post(f"/records/client/{network.a_client.id}/restore").status_code == 302
    assert network.a_client.name in client.get("/clients/").get_data(as_text=True)
    assert _entries(db, "client", network.a_client.id)[-1].action == "restore"


def test_deleted_rows_are_gone_for_franchise_staff(client, auth, db, network):
    service.soft_delete(network.a_client, network.admin)
    auth.login(network.a_partner.email)
    assert client.get(f"/clients/{network.a_client.id}").status_code == 404
    assert client.get(f"/records/client/{network.a_client.id}/history").status_code == 404


def test_soft_delete_refuses_non_admins_in_the_service(db, network):
    with pytest.raises(PermissionError):
        service.soft_delete(network.a_client, network.a_partner)


def test_unknown_record_table_or_id_is_404(client, auth, network):
    auth.login(network.admin.email)
    assert client.get("/records/nosuchtable/1/history").status_code == 404
    assert client.get("/records/client/999999/history").status_code == 404
    assert client.post("/records/audit_entry/1/delete").status_code == 404
