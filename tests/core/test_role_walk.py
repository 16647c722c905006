"""Every route, every method, every role: refused (403) exactly where core.roles says so.

Routes are read from the app's URL map and each view names its action (core.auth.requires
for pages, core.auth.api_requires for the API), so a new route is walked without touching
this file, and a route that declares nothing fails here. Pages are asked with the session
cookie of franchise A's staff or head office, the API with the same user's bearer token.
URL ids name A's own rows where the walk has them and a made-up id otherwise: an allowed
role may get 400, 404, 409 or 422 for what it sent, but never 401 or 403, and nobody a 500.
"""
from datetime import date

import pytest
from freezegun import freeze_time

from core import roles, service
from core.auth import requires
from core.models import ApiToken
from leads.models import Call
from tests import factories
from workers.models import WorkerBlackout

# Served by Flask and flask-smorest themselves, public by design.
FRAMEWORK_ENDPOINTS = {"static", "api-docs.openapi_json"}
# Act on the caller's own session: walking them would log the walker out.
SESSION_ENDPOINTS = {"core.login", "core.logout"}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
MADE_UP_ID = 987654
WALKERS = ("admin", "callcentre", "partner", "dispatcher", "recruiter", "foreman", "franchise_admin")


def _walker(city, who):
    if who == "admin":
        return city.admin
    if who == "callcentre":
        return city.callcentre
    if who == "franchise_admin":  # an administrator attached to franchise A: head-office actions stay closed
        return factories.user("admin", city.a, email="admin.a@test.artel")
    return getattr(city, f"a_{who}")


def _a_rows(city, user):
    """Ids of franchise A's own rows (and the walker's spare token) for the URL arguments the walk knows."""
    order = factories.order(city.a_site, needed=2, target=3, code="515151")
    factories.offer(order, city.a_worker, state="booked")
    blackout = factories._save(WorkerBlackout(worker_id=city.a_worker.id, day=date(2026, 12, 3)))
    service.issue_token(user, "spare")
    spare = factories.db.session.scalar(
        factories.db.select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.name == "spare"))
    lead = factories.lead(city.a)
    call = factories._save(Call(sid=f"CA{user.id:032d}", from_phone=lead.phone, status="ringing", state="waiting",
                                lead_id=lead.id))
    return {"worker_id": city.a_worker.id, "client_id": city.a_client.id, "order_id": order.id, "lead_id": lead.id,
            "call_id": call.id,
            "user_id": city.a_foreman.id,  # the staff pages act on A's foreman
            "franchise_id": city.a.id, "blackout_id": blackout.id, "api_token_id": spare.id,
            "table": "client", "row_id": city.a_client.id}


def _url(rule, rows):
    url = rule.rule
    for arg, converter in rule._converters.items():
        value = rows.get(arg, MADE_UP_ID if converter.regex == r"\d+" else "x")
        url = url.replace(f"<int:{arg}>", str(value)).replace(f"<{arg}>", str(value))
    return url


def _declared(app):
    """Yield (rule, action, is_api) for every rule; fail for a view that declares no action."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint in FRAMEWORK_ENDPOINTS:
            continue
        view = app.view_functions[rule.endpoint]
        assert hasattr(view, "required_action"), (
            f"{rule.endpoint}: name its action with core.auth.requires/api_requires, or mark it core.auth.public")
        yield rule, view.required_action, getattr(view, "api_action", False)


def walk(app, client, auth, city, who):
    """Ask every route as one walker; return (refused, allowed) counts of routes with a declared action."""
    user = _walker(city, who)
    rows = _a_rows(city, user)
    token = service.issue_token(user, "walk")
    assert auth.login(user.email).status_code == 302
    integration = app.test_client()  # the API is asked without the session cookie, as an integrator asks it
    refused = allowed = 0
    for rule, action, is_api in _declared(app):
        if rule.endpoint in SESSION_ENDPOINTS:
            continue
        url = _url(rule, rows)
        for method in METHODS:
            if method not in rule.methods:
                continue
            if is_api:
                response = integration.open(url, method=method, headers={"Authorization": f"Bearer {token}"},
                                            json={} if method != "GET" else None)
            else:
                response = client.open(url, method=method, data={} if method != "GET" else None)
            where = f"{method} {url} ({rule.endpoint}, {action}) as {who} -> {response.status_code}"
            assert response.status_code < 500, where
            if action is None:  # public: it checks its caller some other way (Twilio's signature)
                continue
            if roles.may(user, action):
                allowed += 1
                assert response.status_code not in (401, 403), where
                assert not response.headers.get("Location", "").startswith("/login"), where
            else:
                refused += 1
                assert response.status_code == 403, where
                if is_api:
                    assert response.json["code"] == 403, where
    assert client.get("/profile").status_code == 200  # the walk ended logged in, as it began
    return refused, allowed


@freeze_time("2026-12-01 10:00:00")
@pytest.mark.parametrize("who", WALKERS)
def test_every_route_answers_each_role_as_declared(app, client, auth, db, city, who):
    refused, allowed = walk(app, client, auth, city, who)
    if who == "admin":
        assert refused == 0 and allowed > 60
    elif who == "franchise_admin":
        assert refused >= 1 and allowed > 60  # the head-office dashboard
    else:
        # every other role is refused somewhere and let in somewhere (at least its own account)
        assert refused > 5 and allowed >= 4, (refused, allowed)


def test_every_endpoint_declares_its_action(app):
    declared = list(_declared(app))
    assert len(declared) > 60
    assert {action for _rule, action, _api in declared} <= set(roles.ACTIONS) | {None}
    public = sorted(rule.endpoint for rule, action, _api in declared if action is None)
    assert public == ["core.healthz", "core.index", "core.login", "leads.web_form", "sms.sms_inbound", "sms.sms_status",
                      "voice.voice_inbound", "voice.voice_status"]


def test_an_unknown_action_fails_when_the_route_is_declared():
    with pytest.raises(LookupError, match="no action 'orders.steal'"):
        requires("orders.steal")


# The API answers as the page that does the same thing.
SAME_AS_PAGE = {
    "orders_api.api_create": "orders.create",
    "orders_api.api_list": "orders.index",
    "orders_api.api_get": "orders.detail",
    "workers_api.api_list": "workers.index",
    "workers_api.api_get": "workers.detail",
    "workers_api.api_rating_events": "workers.detail",
    "workers_api.api_create": "workers.create",
    "workers_api.api_candidates": "workers.candidates",
    "franchise_api.api_franchises": "franchise.franchises",
    "franchise_api.api_franchise": "franchise.franchise_detail",
    "core_api.me": "core.profile",
    "leads_api.api_get": "leads.detail",
    "leads_api.api_create": "leads.take",
    "leads_api.api_funnel": "leads.funnel",
}


@pytest.mark.parametrize("api,page", sorted(SAME_AS_PAGE.items()))
def test_the_api_and_its_page_name_one_action(app, api, page):
    assert app.view_functions[api].required_action == app.view_functions[page].required_action


def test_personal_data_export_and_erasure_are_for_administrators_only(app):
    for endpoint in ("workers.personal_data", "workers.erase"):
        assert roles.ACTIONS[app.view_functions[endpoint].required_action].roles == frozenset()


def _order_body(city):
    return {"client_id": city.a_client.id, "site_id": city.a_site.id, "work_type": "loading", "workers_needed": 2,
            "starts_at": "2026-12-05T06:00:00+00:00", "ends_at": "2026-12-05T14:00:00+00:00",
            "pay_rate": "100.00", "bill_rate": "220.00", "dispatch": False}


@freeze_time("2026-12-01 10:00:00")
@pytest.mark.parametrize("who,status", [("foreman", 403), ("recruiter", 403), ("callcentre", 403),
                                        ("dispatcher", 201), ("partner", 201)])
def test_only_order_takers_create_orders_through_the_api(client, db, city, who, status):
    """Guard: the walk's two answers are real ones (a foreman's token created orders before)."""
    token = service.issue_token(_walker(city, who), "guard")
    response = client.post("/api/v1/orders/", json=_order_body(city), headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == status, response.json
    assert (response.json.get("code") == 403) == (status == 403)


def test_a_refused_api_caller_learns_nothing_of_his_body(client, db, city):
    token = service.issue_token(city.a_foreman, "guard")
    response = client.post("/api/v1/orders/", json={"workers_needed": "lots"},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403 and "errors" not in response.json
