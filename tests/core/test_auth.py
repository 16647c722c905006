"""Logging in and out, roles' home pages, rate limits, CSRF, bearer tokens."""
import pytest

from core import service
from core.models import ApiToken, User
from tests import factories
from tests.conftest import Auth

HOMES = {
    "admin": "/admin",
    "dispatcher": "/orders/",
    "recruiter": "/workers/",
    "foreman": "/orders/foreman",
    "callcentre": "/leads/",
    "partner": "/portal",
}


@pytest.mark.parametrize("role", sorted(HOMES))
def test_each_role_lands_on_its_home_page(client, auth, network, role):
    user = network.admin if role == "admin" else network.callcentre if role == "callcentre" else getattr(network, f"a_{role}")
    response = auth.login(user.email)
    assert response.status_code == 302
    assert response.headers["Location"] == HOMES[role]
    page = client.get(HOMES[role])
    assert page.status_code == 200
    assert user.name in page.get_data(as_text=True)


def test_wrong_password_is_refused_with_a_message(client, auth, network):
    response = auth.login(network.a_partner.email, "wrong-password")
    assert response.status_code == 400
    assert "Wrong email or password" in response.get_data(as_text=True)
    assert client.get("/portal").status_code == 302  # still anonymous: sent to login


def test_unknown_email_looks_like_a_wrong_password(client, auth, network):
    response = auth.login("nobody@test.artel", "whatever-password")
    assert response.status_code == 400
    assert "Wrong email or password" in response.get_data(as_text=True)


def test_empty_and_oversized_login_fields_are_field_errors(client, network):
    assert client.post("/login", data={}).status_code == 400
    response = client.post("/login", data={"email": "a" * 300 + "@x.ru", "password": "x"})
    assert response.status_code == 400
    assert "Field cannot be longer than 254 characters" in response.get_data(as_text=True)


def test_failed_logins_are_rate_limited_per_address_and_email(limited_client, network):
    auth = Auth(limited_client)
    for _ in range(5):
        assert auth.login(network.a_partner.email, "wrong-password").status_code == 400
    blocked = auth.login(network.a_partner.email, factories.PASSWORD)
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)
    # another account from the same address is not locked out by someone else's typos
    assert auth.login(network.b_partner.email).status_code == 302


def test_successful_logins_do_not_count_towards_the_limit(client, auth, network):
    for _ in range(8):
        assert auth.login(network.a_partner.email).status_code == 302
        auth.logout()


def test_logout_ends_the_session(client, auth, network):
    auth.login(network.a_partner.email)
    assert auth.logout().status_code == 302
    assert client.get("/portal").headers["Location"].startswith("/login")


def test_inactive_user_cannot_log_in(client, auth, network, db):
    network.a_partner.active = False
    db.session.commit()
    assert auth.login(network.a_partner.email).status_code == 400


def test_forms_refuse_posts_without_csrf_token(app, client, auth, network, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post("/login", data={"email": network.a_partner.email, "password": factories.PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


def test_role_without_access_gets_403(client, auth, network):
    auth.login(network.a_foreman.email)
    response = client.get("/clients/")
    assert response.status_code == 403
    assert "do not have access" in response.get_data(as_text=True)


def test_password_is_stored_as_a_modern_hash(db, network):
    user = service.create_user("new@test.artel", "New", "long-enough-password", "dispatcher", network.a.id)
    assert user.password_hash.startswith("scrypt:")
    assert "long-enough-password" not in user.password_hash


@pytest.mark.parametrize(
    "email,password,role,franchise,message",
    [
        ("not-an-email", "long-enough-password", "dispatcher", None, "valid email"),
        ("someone@office.test", "long-enough-password", "dispatcher", None, "valid email"),  # the form refuses it too
        ("a@@b.ru", "long-enough-password", "dispatcher", None, "valid email"),
        ("x@test.artel", "short", "dispatcher", None, "at least 10"),
        ("x@test.artel", "long-enough-password", "overlord", None, "Role must be"),
        ("x@test.artel", "long-enough-password", "partner", None, "belongs to a franchise"),
        ("x@test.artel", "long-enough-password", "partner", 99999, "No such franchise"),
    ],
)
def test_create_user_refuses_bad_input(db, network, email, password, role, franchise, message):
    with pytest.raises(service.UserError, match=message):
        service.create_user(email, "X", password, role, franchise)


def test_duplicate_email_is_refused_case_insensitively(db, network):
    with pytest.raises(service.UserError, match="already exists"):
        service.create_user(network.a_partner.email.upper(), "X", "long-enough-password", "dispatcher", network.a.id)


def test_bearer_token_is_stored_hashed_and_authenticates(client, db, network):
    secret = service.issue_token(network.a_partner, "crm")
    stored = db.session.scalar(db.select(ApiToken))
    assert secret not in (stored.token_hash, stored.prefix) and stored.token_hash != secret
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    assert response.json["email"] == network.a_partner.email


@pytest.mark.parametrize("header", ["", "Bearer nonsense", "Basic abc", "Bearer "])
def test_api_refuses_missing_or_bad_tokens(client, network, header):
    response = client.get("/api/v1/me", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.json["code"] == 401


def test_revoked_token_no_longer_works(client, db, network):
    secret = service.issue_token(network.a_partner)
    service.revoke_token(db.session.scalar(db.select(ApiToken)))
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_api_does_not_accept_a_session_cookie(client, auth, network):
    auth.login(network.a_partner.email)
    assert client.get("/api/v1/me").status_code == 401


def test_security_headers_and_cookie_flags(client, auth, network):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    cookie = auth.login(network.a_partner.email).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize("how", ["deactivated", "soft-deleted"])
def test_a_user_taken_away_is_logged_out_at_his_next_request(client, auth, db, network, how):
    auth.login(network.a_partner.email)
    secret = service.issue_token(network.a_partner, "crm")
    assert client.get("/portal").status_code == 200
    user = db.session.get(User, network.a_partner.id)
    if how == "deactivated":
        user.active = False
    else:
        service.soft_delete(user, network.admin)
    db.session.commit()
    response = client.get("/portal")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.get("/profile").headers["Location"].startswith("/login")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_a_user_set_active_again_logs_in_afresh(client, auth, db, network):
    network.a_partner.active = False
    db.session.commit()
    assert auth.login(network.a_partner.email).status_code == 400
    network.a_partner.active = True
    db.session.commit()
    assert auth.login(network.a_partner.email).status_code == 302
    assert client.get("/portal").status_code == 200


@pytest.mark.parametrize("email", ["someone@office.test", "x@host.local", "no-at-sign", "a@b@c.ru"])
def test_an_address_no_one_can_sign_in_with_is_refused_by_the_form_and_the_command_alike(app, client, db, email):
    runner = app.test_cli_runner()
    created = runner.invoke(args=["users", "create", "--email", email, "--name", "X", "--role", "admin",
                                  "--password", "long-enough-password"])
    assert created.exit_code != 0 and "valid email" in created.output
    page = client.post("/login", data={"email": email, "password": "long-enough-password"})
    assert page.status_code == 400 and "valid email" in page.get_data(as_text=True)


def test_an_address_the_command_takes_signs_in(app, client, db):
    runner = app.test_cli_runner()
    created = runner.invoke(args=["users", "create", "--email", "Boss@Office.Artel", "--name", "Boss", "--role",
                                  "admin", "--password", "long-enough-password"])
    assert created.exit_code == 0, created.output
    response = client.post("/login", data={"email": "boss@office.artel", "password": "long-enough-password"})
    assert response.status_code == 302
