"""The flask CLI: users and tokens."""
from sqlalchemy import select

from core.models import ApiToken, AuditEntry, User


def test_users_create_and_list(app, db, network):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--email", "New.Dispatcher@Test.Artel", "--name", "New", "--role",
                                 "dispatcher", "--franchise-id", str(network.a.id), "--password", "long-enough-password"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "new.dispatcher@test.artel"))
    assert user.franchise_id == network.a.id and user.role == "dispatcher"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.table_name == "user", AuditEntry.row_id == user.id))
    assert entry.actor_label == "cli"
    listing = runner.invoke(args=["users", "list"])
    assert "new.dispatcher@test.artel" in listing.output and "head office" in listing.output


def test_users_create_refuses_bad_input_clearly(app, db, network):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--email", "x@test.artel", "--role", "partner", "--password", "long-enough-password"])
    assert result.exit_code != 0 and "A partner belongs to a franchise" in result.output
    result = runner.invoke(args=["users", "create", "--email", "x@test.artel", "--role", "king", "--password", "long-enough-password"])
    assert result.exit_code != 0 and "Invalid value for '--role'" in result.output
    assert db.session.scalar(select(User).where(User.email == "x@test.artel")) is None


def test_users_token_prints_a_working_token_once(app, client, db, network):
    result = app.test_cli_runner().invoke(args=["users", "token", network.a_partner.email, "--name", "crm"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    assert secret.startswith("artel_")
    stored = db.session.scalar(select(ApiToken))
    assert stored.name == "crm" and secret not in (stored.token_hash,)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).json["id"] == network.a_partner.id


def test_users_token_for_unknown_email_fails(app, db, network):
    result = app.test_cli_runner().invoke(args=["users", "token", "ghost@test.artel"])
    assert result.exit_code != 0 and "No active user" in result.output
