"""Each role logs in through a real browser and lands on its home page."""
import pytest

from tests import factories

HOMES = {
    "admin": ("/admin", "The network"),
    "dispatcher": ("/orders/", "Orders"),
    "recruiter": ("/workers/", "Workers"),
    "foreman": ("/orders/foreman", "Shifts"),
    "callcentre": ("/leads/", "Who serves this place?"),
    "partner": ("/portal", "Alpha Moscow"),
}


def _user(network, role):
    return {"admin": network.admin, "callcentre": network.callcentre}.get(role) or getattr(network, f"a_{role}")


def _log_in(page, base, email, password=factories.PASSWORD):
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


@pytest.mark.parametrize("role", sorted(HOMES))
def test_each_role_logs_in_and_lands_home(live_server, page, network, role):
    user = _user(network, role)
    _log_in(page, live_server, user.email)
    path, heading = HOMES[role]
    page.wait_for_url(f"{live_server}{path}")
    assert page.locator("h1").first.inner_text().startswith(heading)
    assert user.name in page.get_by_test_id("whoami").inner_text()
    page.click("text=Log out")
    page.wait_for_url(f"{live_server}/login")


def test_wrong_password_shows_a_message_and_keeps_the_email(live_server, page, network):
    _log_in(page, live_server, network.a_partner.email, "not-the-password")
    assert page.locator(".flash-error").inner_text() == "Wrong email or password."
    assert page.input_value("input[name=email]") == network.a_partner.email


def test_pages_work_on_a_phone_screen(live_server, browser, network):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    _log_in(page, live_server, network.a_recruiter.email)
    page.wait_for_url(f"{live_server}/workers/")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, "the worker list scrolls sideways on a phone"
    assert network.a_worker.full_name in page.content()
    context.close()
