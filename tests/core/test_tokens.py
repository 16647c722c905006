"""API tokens: listed, created and revoked on the profile page and by the CLI; expiry; last use."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time
from sqlalchemy import event, select

from core import service
from core.models import ApiToken
from tests.factories import PASSWORD

T0 = datetime(2026, 12, 1, 7, 0, tzinfo=timezone.utc)


def me(client, secret):
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})


def login_with_csrf(client, email):
    """Log in as a browser does with CSRF on; return the session's CSRF token."""
    form = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    assert client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf}).status_code == 302
    return csrf


def token_of(db, secret):
    db.session.expire_all()
    return db.session.scalar(select(ApiToken).where(ApiToken.prefix == secret[:12]))


@pytest.fixture
def token_updates(db):
    """Count the UPDATE statements that reach the api_token table."""
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE API_TOKEN"):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    yield seen
    event.remove(db.engine, "before_cursor_execute", count)


@freeze_time(T0)
def test_the_profile_lists_the_users_own_tokens(client, auth, db, network):
    service.issue_token(network.a_partner, "crm", expires_days=30)
    old = service.issue_token(network.a_partner, "old")
    service.revoke_token(token_of(db, old))
    service.issue_token(network.a_dispatcher, "not-mine")
    auth.login(network.a_partner.email)
    page = client.get("/profile").get_data(as_text=True)
    tokens = page[page.index('data-testid="tokens"'):]
    assert "crm" in tokens and "old" in tokens and "not-mine" not in tokens
    assert token_of(db, old).prefix in tokens and "revoked" in tokens
    assert "Dec 31, 2026" in tokens  # the expiry, in the viewer's zone
    assert "never" in tokens  # never used yet
    assert old not in page  # a secret is never shown again


@freeze_time(T0)
def test_a_token_created_on_the_profile_is_shown_once_and_works(app, client, db, network, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    csrf = login_with_csrf(client, network.a_partner.email)
    refused = client.post("/profile/tokens", data={"name": "crm"})
    assert refused.status_code == 400 and db.session.scalar(select(ApiToken)) is None
    response = client.post("/profile/tokens", data={"name": "crm", "expires_days": "90", "csrf_token": csrf})
    assert response.status_code == 201
    secret = re.search(r"<code>(artel_[^<]+)</code>", response.get_data(as_text=True)).group(1)
    assert me(app.test_client(), secret).json["id"] == network.a_partner.id
    stored = token_of(db, secret)
    assert stored.name == "crm" and stored.expires_at == T0 + timedelta(days=90)
    assert secret not in client.get("/profile").get_data(as_text=True)


@pytest.mark.parametrize("data,message", [({"name": ""}, "This field is required"),
                                          ({"name": "x", "expires_days": "0"}, "Number must be between 1 and 3650"),
                                          ({"name": "x", "expires_days": "soon"}, "Not a valid integer"),
                                          ({"name": "x" * 81}, "Field cannot be longer than 80 characters")])
def test_a_bad_token_request_is_refused_on_the_page(client, auth, db, network, data, message):
    auth.login(network.a_partner.email)
    response = client.post("/profile/tokens", data=data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(ApiToken)) is None


def test_a_token_is_revoked_on_the_profile_with_csrf(app, client, db, network, monkeypatch):
    secret = service.issue_token(network.a_partner, "crm")
    token_id = token_of(db, secret).id
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    csrf = login_with_csrf(client, network.a_partner.email)
    assert client.post(f"/profile/tokens/{token_id}/revoke").status_code == 400  # no CSRF token
    assert me(app.test_client(), secret).status_code == 200
    response = client.post(f"/profile/tokens/{token_id}/revoke", data={"csrf_token": csrf})
    assert response.status_code == 302
    assert me(app.test_client(), secret).status_code == 401
    assert token_of(db, secret).revoked_at is not None
    assert "revoked" in client.get("/profile").get_data(as_text=True)


def test_nobody_revokes_someone_elses_token(app, client, auth, db, network):
    secret = service.issue_token(network.a_dispatcher, "dispatch-board")
    auth.login(network.a_partner.email)  # same franchise, still not his
    assert client.post(f"/profile/tokens/{token_of(db, secret).id}/revoke").status_code == 404
    assert me(app.test_client(), secret).status_code == 200


def test_an_expired_token_answers_401(client, db, network):
    with freeze_time(T0):
        secret = service.issue_token(network.a_partner, "short", expires_days=2)
    with freeze_time(T0 + timedelta(days=2) - timedelta(seconds=1)):
        assert me(client, secret).status_code == 200
    with freeze_time(T0 + timedelta(days=2)):
        response = me(client, secret)
        assert response.status_code == 401 and response.json["code"] == 401


def test_last_use_is_written_at_most_once_a_minute(client, db, network, token_updates):
    secret = service.issue_token(network.a_partner, "busy")
    assert token_of(db, secret).last_used_at is None
    with freeze_time(T0):
        assert me(client, secret).status_code == 200
    assert token_of(db, secret).last_used_at == T0 and len(token_updates) == 1
    for seconds in (1, 20, 59):
        with freeze_time(T0 + timedelta(seconds=seconds)):
            assert me(client, secret).status_code == 200
    assert token_of(db, secret).last_used_at == T0 and len(token_updates) == 1  # no write on every request
    with freeze_time(T0 + timedelta(seconds=61)):
        assert me(client, secret).status_code == 200
    assert token_of(db, secret).last_used_at == T0 + timedelta(seconds=61) and len(token_updates) == 2


@freeze_time(T0)
def test_the_cli_issues_an_expiring_token(app, client, db, network):
    result = app.test_cli_runner().invoke(args=["users", "token", network.a_partner.email, "--name", "erp",
                                                "--expires-days", "7"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    stored = token_of(db, secret)
    assert stored.name == "erp" and stored.expires_at == T0 + timedelta(days=7)
    assert me(client, secret).status_code == 200
    bad = app.test_cli_runner().invoke(args=["users", "token", network.a_partner.email, "--expires-days", "0"])
    assert bad.exit_code != 0 and "from 1 to 3650 days" in bad.output


@pytest.mark.parametrize("by", ["id", "prefix"])
def test_the_cli_revokes_a_token_by_id_or_prefix(app, client, db, network, by):
    secret = service.issue_token(network.a_partner, "erp")
    keep = service.issue_token(network.a_partner, "other")
    stored = token_of(db, secret)
    reference = str(stored.id) if by == "id" else stored.prefix
    result = app.test_cli_runner().invoke(args=["users", "token", "--revoke", reference])
    assert result.exit_code == 0, result.output
    assert f"Revoked token {stored.id}" in result.output and network.a_partner.email in result.output
    assert me(client, secret).status_code == 401
    assert me(client, keep).status_code == 200


def test_the_cli_refuses_an_unclear_revocation(app, db, network):
    runner = app.test_cli_runner()
    first, second = (token_of(db, service.issue_token(network.a_partner, name)) for name in ("one", "two"))
    second.prefix = first.prefix
    db.session.commit()
    shared = runner.invoke(args=["users", "token", "--revoke", first.prefix])
    assert shared.exit_code != 0 and f"give the id ({first.id}, {second.id})" in shared.output
    unknown = runner.invoke(args=["users", "token", "--revoke", "artel_nothing"])
    assert unknown.exit_code != 0 and "No token with this id or prefix" in unknown.output
    both = runner.invoke(args=["users", "token", network.a_partner.email, "--revoke", str(first.id)])
    neither = runner.invoke(args=["users", "token"])
    assert both.exit_code == neither.exit_code == 2 and "Give either EMAIL" in neither.output
    db.session.expire_all()
    assert db.session.get(ApiToken, first.id).revoked_at is None and db.session.get(ApiToken, second.id).revoked_at is None
