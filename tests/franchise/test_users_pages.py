"""Users in pages: head office manages every user on /users, a partner his own staff on /portal/staff.

Franchises A and B share Moscow (fixture ``city``): A's partner reaches nothing of B's.
"""
import re

import pytest
from freezegun import freeze_time
from sqlalchemy import select
from werkzeug.security import check_password_hash

from core import service
from core.models import AuditEntry, User
from extensions import db as _db
from tests import factories
from tests.factories import PASSWORD
from tests.races import Holder, in_thread, wait_for_lock_wait

NOW = "2026-12-01 10:00:00"
NEW_PASSWORD = "a-new-long-password"


@pytest.fixture(autouse=True)
def _clock():
    with freeze_time(NOW):
        yield


def _user(db, email):
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def _shown_password(response):
    found = re.search(r'data-testid="new-password">.*?<code>([^<]+)</code>', response.get_data(as_text=True), re.S)
    return found and found.group(1)


def _new(role="dispatcher", **kw):
    return {"name": "New Person", "email": "new.person@test.artel", "role": role, "locale": "ru", **kw}


def _user_count(db):
    db.session.expire_all()
    return len(db.session.scalars(select(User).execution_options(include_deleted=True)).all())


# head office

def test_head_office_lists_every_user_with_role_franchise_and_last_login(client, auth, db, city):
    auth.login(city.admin.email)
    page = client.get("/users").get_data(as_text=True)
    for user in (city.a_partner, city.b_dispatcher, city.c_foreman, city.callcentre):
        assert user.email in page
    assert city.b.name in page and "Head office" in page
    assert "Dec 1, 2026" in page  # the admin's own login just now (Moscow time)


def test_head_office_creates_a_dispatcher_for_b_with_a_generated_password_shown_once(client, auth, db, city):
    auth.login(city.admin.email)
    response = client.post("/users", data=_new(franchise_id=city.b.id))
    assert response.status_code == 201
    password = _shown_password(response)
    assert password and len(password) >= service.MIN_PASSWORD
    assert response.headers["Cache-Control"] == "no-store"
    user = _user(db, "new.person@test.artel")
    assert (user.role, user.franchise_id, user.locale, user.active) == ("dispatcher", city.b.id, "ru", True)
    assert password not in client.get("/users").get_data(as_text=True)  # shown once
    stranger = client.application.test_client()
    assert stranger.post("/login", data={"email": user.email, "password": password}).status_code == 302
    assert stranger.get("/orders/").status_code == 200


def test_the_role_a_new_user_gets_unless_told_is_the_narrowest(db, city):
    assert service.roles_given_by(city.admin)[0] == "dispatcher"
    assert sorted(service.roles_given_by(city.admin)) == sorted(service.ROLES)
    assert service.roles_given_by(city.a_partner) == ("dispatcher", "recruiter", "foreman")


def test_head_office_creates_a_user_with_a_password_typed_twice(client, auth, db, city):
    auth.login(city.admin.email)
    response = client.post("/users", data=_new("recruiter", franchise_id="", password=NEW_PASSWORD,
                                               confirm=NEW_PASSWORD))
    assert response.status_code == 201 and _shown_password(response) is None
    user = _user(db, "new.person@test.artel")
    assert user.franchise_id is None and check_password_hash(user.password_hash, NEW_PASSWORD)


@pytest.mark.parametrize("data,message", [
    (_new(email="not-an-email"), "valid email"),
    (_new(email="partner.a@test.artel"), "already exists"),
    (_new(role="overlord"), "Not a valid choice"),
    (_new(password="short", confirm="short"), "at least 10 characters"),
    (_new(password=NEW_PASSWORD, confirm="something-else-typed"), "The two passwords differ"),
    (_new(role="partner", franchise_id=""), "A partner belongs to a franchise"),
    (_new(role="callcentre", franchise_id="{a}"), "works for head office"),
    (_new(franchise_id="987654"), "Not a valid choice"),
    (_new(name=""), "This field is required"),
])
def test_a_bad_new_user_is_refused_with_a_clear_message_and_nothing_saved(client, auth, db, city, data, message):
    data = {"franchise_id": city.a.id, **data}
    data["franchise_id"] = str(data["franchise_id"]).format(a=city.a.id)
    auth.login(city.admin.email)
    before = _user_count(db)
    response = client.post("/users", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _user_count(db) == before


def test_errors_are_in_russian_for_a_russian_admin(client, auth, db, city):
    city.admin.locale = "ru"
    db.session.commit()
    auth.login(city.admin.email)
    response = client.post("/users", data=_new(password=NEW_PASSWORD, confirm="something-else-typed",
                                               franchise_id=city.a.id))
    assert response.status_code == 400 and "Пароли не совпадают" in response.get_data(as_text=True)
    response = client.post(f"/users/{city.admin.id}/deactivate")
    assert response.status_code == 409 and "Нельзя отключить самого себя" in response.get_data(as_text=True)


def test_a_deactivated_user_is_logged_out_at_his_next_request_and_comes_back(app, client, auth, db, city):
    theirs = app.test_client()
    assert theirs.post("/login", data={"email": city.b_dispatcher.email, "password": PASSWORD}).status_code == 302
    secret = service.issue_token(city.b_dispatcher, "crm")
    auth.login(city.admin.email)
    assert client.post(f"/users/{city.b_dispatcher.id}/deactivate").status_code == 302
    assert _user(db, city.b_dispatcher.email).active is False
    assert theirs.get("/orders/").headers["Location"].startswith("/login")
    assert theirs.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert theirs.post("/login", data={"email": city.b_dispatcher.email, "password": PASSWORD}).status_code == 400
    assert client.post(f"/users/{city.b_dispatcher.id}/reactivate").status_code == 302
    assert theirs.post("/login", data={"email": city.b_dispatcher.email, "password": PASSWORD}).status_code == 302


def test_head_office_resets_a_password_generated_or_typed_twice(app, client, auth, db, city):
    auth.login(city.admin.email)
    response = client.post(f"/users/{city.b_partner.id}/password", data={})
    generated = _shown_password(response)
    assert response.status_code == 200 and generated
    assert check_password_hash(_user(db, city.b_partner.email).password_hash, generated)
    response = client.post(f"/users/{city.b_partner.id}/password", data={"password": NEW_PASSWORD,
                                                                          "confirm": NEW_PASSWORD})
    assert response.status_code == 200 and _shown_password(response) is None
    theirs = app.test_client()
    assert theirs.post("/login", data={"email": city.b_partner.email, "password": generated}).status_code == 400
    assert theirs.post("/login", data={"email": city.b_partner.email, "password": NEW_PASSWORD}).status_code == 302


def test_a_mistyped_reset_is_refused_and_the_password_stays(client, auth, db, city):
    auth.login(city.admin.email)
    before = _user(db, city.b_partner.email).password_hash
    response = client.post(f"/users/{city.b_partner.id}/password", data={"password": NEW_PASSWORD, "confirm": "x"})
    assert response.status_code == 400 and "The two passwords differ" in response.get_data(as_text=True)
    assert _user(db, city.b_partner.email).password_hash == before


def test_nobody_deactivates_himself(client, auth, db, city):
    auth.login(city.admin.email)
    response = client.post(f"/users/{city.admin.id}/deactivate")
    assert response.status_code == 409 and "You cannot deactivate yourself" in response.get_data(as_text=True)
    assert _user(db, city.admin.email).active


def test_the_last_active_administrator_stays(db, city):
    second = factories.user("admin", email="second.admin@test.artel")
    service.set_user_active(city.admin, second, False)  # another administrator is left
    with pytest.raises(service.UserError, match="last active administrator"):
        service.set_user_active(second, city.admin, False)  # (as if second were still in a session)
    assert _user(db, city.admin.email).active


def test_two_administrators_deactivating_each_other_at_once_leave_one(app, db, city):
    second = factories.user("admin", email="second.admin@test.artel")
    first_id, second_id = city.admin.id, second.id
    first_click = Holder()  # the first admin deactivates the second: both admins' rows locked, the second off
    first_click.lock("user", first_id)
    first_click.lock("user", second_id)
    first_click.execute('UPDATE "user" SET active = false WHERE id = :id', id=second_id)

    def second_click():  # at the same moment the second, still logged in, deactivates the first
        actor, target = _db.session.get(User, second_id), _db.session.get(User, first_id)
        service.set_user_active(actor, target, False)

    racing = in_thread(app, second_click)
    wait_for_lock_wait(racing)
    first_click.commit()
    with pytest.raises(service.UserError, match="last active administrator"):
        racing.result(timeout=20)
    assert _user(db, city.admin.email).active and not _user(db, second.email).active


def test_an_administrator_of_a_franchise_does_not_count_as_the_last_one(db, city):
    factories.user("admin", city.a, email="admin.a@test.artel")
    other = factories.user("admin", email="other.admin@test.artel", active=False)
    with pytest.raises(service.UserError, match="last active administrator"):
        service.set_user_active(other, city.admin, False)


def test_changes_go_to_the_audit_log_without_any_password(client, auth, db, city):
    auth.login(city.admin.email)
    generated = _shown_password(client.post("/users", data=_new(franchise_id=city.b.id)))
    user = _user(db, "new.person@test.artel")
    client.post(f"/users/{user.id}/password", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    client.post(f"/users/{user.id}/deactivate")
    entries = list(db.session.scalars(select(AuditEntry).where(AuditEntry.table_name == "user",
                                                               AuditEntry.row_id == user.id).order_by(AuditEntry.id)))
    assert [e.action for e in entries] == ["create", "update", "update"]
    assert all(e.actor_id == city.admin.id for e in entries)
    assert entries[1].changes == {"password_hash": ["***", "***"]}
    assert entries[2].changes == {"active": [True, False]}
    logged = str([(e.changes, e.note) for e in entries])
    for secret in (generated, NEW_PASSWORD, user.password_hash, "scrypt"):
        assert secret not in logged


@pytest.mark.parametrize("who", ["a_partner", "a_dispatcher", "callcentre"])
def test_only_head_office_administrators_open_the_users_page(client, auth, db, city, who):
    auth.login(getattr(city, who).email)
    assert client.get("/users").status_code == 403
    assert client.post(f"/users/{city.b_dispatcher.id}/deactivate").status_code == 403


# the partner's staff page

def test_a_partner_sees_only_his_own_franchise_s_staff(client, auth, db, city):
    auth.login(city.a_partner.email)
    page = client.get("/portal/staff").get_data(as_text=True)
    for user in (city.a_dispatcher, city.a_recruiter, city.a_foreman):
        assert user.email in page
    for user in (city.b_partner, city.b_dispatcher, city.c_dispatcher, city.admin, city.callcentre):
        assert user.email not in page
    assert city.b.name not in page


@pytest.mark.parametrize("role", ["dispatcher", "recruiter", "foreman"])
def test_a_partner_adds_his_staff_to_his_own_franchise(client, auth, db, city, role):
    auth.login(city.a_partner.email)
    response = client.post("/portal/staff", data=_new(role, franchise_id=city.b.id))
    assert response.status_code == 201 and _shown_password(response)
    user = _user(db, "new.person@test.artel")
    assert (user.role, user.franchise_id) == (role, city.a.id)


@pytest.mark.parametrize("role", ["partner", "admin", "callcentre"])
def test_a_partner_never_gives_a_partner_admin_or_head_office_role(client, auth, db, city, role):
    auth.login(city.a_partner.email)
    before = _user_count(db)
    response = client.post("/portal/staff", data=_new(role))
    assert response.status_code == 400 and "Not a valid choice" in response.get_data(as_text=True)
    assert _user_count(db) == before
    with pytest.raises(service.UserError, match="dispatchers, recruiters and foremen only"):
        service.add_user(city.a_partner, "x.y@test.artel", "X", role)
    assert _user_count(db) == before


def test_the_service_refuses_a_partner_another_franchise(db, city):
    with pytest.raises(PermissionError):
        service.add_user(city.a_partner, "x.y@test.artel", "X", "dispatcher", franchise_id=city.b.id)
    assert service.managed_user(city.a_partner, city.b_dispatcher.id) is None
    assert not service.may_change(city.a_partner, city.b_dispatcher)
    with pytest.raises(PermissionError):
        service.set_user_active(city.a_partner, city.b_dispatcher, False)
    with pytest.raises(PermissionError):
        service.reset_password(city.a_partner, city.b_dispatcher)
    users, total = service.list_managed_users(city.a_partner)
    assert {u.franchise_id for u in users} == {city.a.id} and total == 4
    assert _user(db, city.b_dispatcher.email).active


@pytest.mark.parametrize("action", ["deactivate", "reactivate", "password"])
def test_a_partner_cannot_touch_b_s_staff(client, auth, db, city, action):
    auth.login(city.a_partner.email)
    before = _user(db, city.b_dispatcher.email).password_hash
    response = client.post(f"/portal/staff/{city.b_dispatcher.id}/{action}", data={})
    assert response.status_code == 404
    user = _user(db, city.b_dispatcher.email)
    assert user.active and user.password_hash == before


def test_a_partner_deactivates_reactivates_and_resets_his_staff(app, client, auth, db, city):
    auth.login(city.a_partner.email)
    assert client.post(f"/portal/staff/{city.a_foreman.id}/deactivate").status_code == 302
    assert _user(db, city.a_foreman.email).active is False
    assert client.post(f"/portal/staff/{city.a_foreman.id}/reactivate").status_code == 302
    generated = _shown_password(client.post(f"/portal/staff/{city.a_foreman.id}/password", data={}))
    theirs = app.test_client()
    assert theirs.post("/login", data={"email": city.a_foreman.email, "password": generated}).status_code == 302


def test_a_partner_cannot_deactivate_himself_nor_touch_another_partner(client, auth, db, city):
    co_partner = factories.user("partner", city.a, email="copartner.a@test.artel")
    auth.login(city.a_partner.email)
    response = client.post(f"/portal/staff/{city.a_partner.id}/deactivate")
    assert response.status_code == 409 and "You cannot deactivate yourself" in response.get_data(as_text=True)
    assert client.post(f"/portal/staff/{co_partner.id}/deactivate").status_code == 403
    assert client.post(f"/portal/staff/{co_partner.id}/password", data={}).status_code == 403
    assert _user(db, city.a_partner.email).active and _user(db, co_partner.email).active
    assert client.get("/portal").status_code == 200


@pytest.mark.parametrize("who", ["a_dispatcher", "a_recruiter", "a_foreman", "callcentre"])
def test_staff_do_not_manage_staff(client, auth, db, city, who):
    auth.login(getattr(city, who).email)
    assert client.get("/portal/staff").status_code == 403
    assert client.post(f"/portal/staff/{city.a_foreman.id}/deactivate").status_code == 403


def test_the_cli_keeps_the_same_rules(app, db, city):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--email", "agent@test.artel", "--role", "callcentre",
                                 "--franchise-id", str(city.a.id), "--password", "long-enough-password"])
    assert result.exit_code != 0 and "works for head office" in result.output


# the user's own password

def test_a_user_replaces_the_password_he_was_given(app, client, auth, db, city):
    auth.login(city.a_foreman.email)
    response = client.post("/profile/password", data={"current": "wrong-password", "password": NEW_PASSWORD,
                                                      "confirm": NEW_PASSWORD})
    assert response.status_code == 400 and "The current password is wrong" in response.get_data(as_text=True)
    response = client.post("/profile/password", data={"current": PASSWORD, "password": NEW_PASSWORD,
                                                      "confirm": "typed-differently"})
    assert response.status_code == 400 and "The two passwords differ" in response.get_data(as_text=True)
    assert check_password_hash(_user(db, city.a_foreman.email).password_hash, PASSWORD)
    response = client.post("/profile/password", data={"current": PASSWORD, "password": NEW_PASSWORD,
                                                      "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    theirs = app.test_client()
    assert theirs.post("/login", data={"email": city.a_foreman.email, "password": NEW_PASSWORD}).status_code == 302
