"""In a real browser: the agent takes a call (the caller's card shows as the phone is typed), the lead goes
to the city's official representative, whose partner accepts it and finds the draft order."""
from datetime import timedelta
from decimal import Decimal

from core.timeutil import utcnow
from leads.models import Call
from orders.models import RateCard
from tests import factories
from tests.browser.test_login_browser import _log_in


def test_a_call_becomes_a_draft_order_of_the_official_representative(live_server, page, city):
    factories._save(RateCard(region_id=city.moscow.id, work_type="loading", conditions="indoor_warm",
                             pay_rate=Decimal("100"), bill_rate=Decimal("220")))
    day = (utcnow() + timedelta(days=3)).date().isoformat()
    _log_in(page, live_server, city.callcentre.email)
    page.goto(f"{live_server}/leads/new")
    page.fill("input[name=phone]", "8 " + city.a_client.phone[2:])  # typed as people type it
    card = page.get_by_test_id("caller-card")
    card.get_by_test_id("known-client").wait_for()
    assert city.a_client.name in card.inner_text()
    page.fill("input[name=caller_name]", "Ольга")
    page.fill("input[name=address]", "Москва, Тверская, 10")
    page.fill("input[name=lat]", "55.7649")
    page.fill("input[name=lon]", "37.6055")
    page.fill("input[name=headcount]", "5")
    page.fill("input[name=day]", day)
    page.fill("input[name=start]", "09:00")
    page.click("text=Save and route")
    assert page.get_by_test_id("lead-franchise").inner_text() == city.a.name
    assert "official representative" in page.get_by_test_id("lead-events").inner_text()
    page.click("text=Log out")

    _log_in(page, live_server, city.a_partner.email)
    page.goto(f"{live_server}/leads/inbox")
    page.get_by_test_id("inbox-lead").get_by_role("link").click()
    page.get_by_test_id("accept").click()
    page.wait_for_url(f"{live_server}/orders/*")
    assert "draft" in page.content() and city.a_client.name in page.content()


def test_a_simulated_call_pops_on_the_free_agent_s_screen_and_ends_as_the_partner_s_draft_order(
        live_server, page, browser, city):
    """The agent's intake screen is open (he is free); a call placed on the simulator puts a new caller's
    card on it, prefilled with the number; a click on the map sets the point; the lead goes to Moscow's
    official representative, whose partner accepts it and finds the draft order."""
    factories._save(RateCard(region_id=city.moscow.id, work_type="loading", conditions="indoor_warm",
                             pay_rate=Decimal("100"), bill_rate=Decimal("220")))
    day = (utcnow() + timedelta(days=3)).date().isoformat()
    _log_in(page, live_server, city.callcentre.email)
    page.wait_for_url(f"{live_server}/leads/")
    page.goto(f"{live_server}/leads/new")
    assert page.get_by_test_id("current-call").count() == 0

    caller = browser.new_context(viewport={"width": 1100, "height": 800})
    simulator = caller.new_page()
    simulator.set_default_timeout(10_000)
    _log_in(simulator, live_server, city.a_dispatcher.email)
    simulator.wait_for_url(f"{live_server}/orders/")
    simulator.goto(f"{live_server}/dispatch/simulator")
    simulator.fill("input[name=phone]", "8 916 555-77-88")
    simulator.get_by_role("button", name="Place a call").click()
    simulator.get_by_text("Calling from +79165557788").wait_for()
    caller.close()

    page.get_by_test_id("current-call").wait_for(timeout=30_000)  # the screen asks every few seconds
    assert "+7 916 555-77-88" in page.get_by_test_id("current-call").inner_text()
    assert page.input_value("input[name=phone]") == "+79165557788"
    assert "A new caller." in page.get_by_test_id("caller-card").inner_text()
    page.fill("input[name=caller_name]", "Ольга")
    page.fill("input[name=company]", "Промснаб")
    page.fill("input[name=address]", "Москва, склад у Кремля")
    page.get_by_test_id("pick-map").click()  # the map opens on Moscow: a click there sets the point
    assert page.input_value("input[name=lat]").startswith("55.") and page.input_value("input[name=lon]").startswith("37.")
    page.fill("input[name=headcount]", "4")
    page.fill("input[name=day]", day)
    page.fill("input[name=start]", "08:00")
    page.click("text=Save and route")
    assert page.get_by_test_id("lead-franchise").inner_text() == city.a.name
    assert "official representative" in page.get_by_test_id("lead-events").inner_text()
    page.goto(f"{live_server}/leads/new")
    assert page.get_by_test_id("current-call").count() == 0  # saved: he is free for the next call
    page.click("text=Log out")

    _log_in(page, live_server, city.a_partner.email)
    page.goto(f"{live_server}/leads/inbox")
    page.get_by_test_id("inbox-lead").get_by_role("link").click()
    page.get_by_test_id("accept").click()
    page.wait_for_url(f"{live_server}/orders/*")
    assert "draft" in page.content() and "Промснаб" in page.content()


def test_a_missed_call_is_called_back_from_the_call_log(live_server, page, city):
    """The agent finds a call nobody answered on the call log, through the navigation, and opens the intake
    screen with the caller's number to take the lead."""
    received = utcnow() - timedelta(minutes=20)
    factories._save(Call(sid="CA" + "9" * 32, from_phone="+79165554433", status="completed", state="missed",
                         received_at=received, ended_at=received + timedelta(seconds=40)))
    _log_in(page, live_server, city.callcentre.email)
    page.wait_for_url(f"{live_server}/leads/")
    page.get_by_role("link", name="Calls", exact=True).click()
    missed = page.get_by_test_id("call")
    assert "+7 916 555-44-33" in missed.inner_text() and "missed: no agent was free" in missed.inner_text()
    assert missed.get_by_test_id("call-back").get_attribute("href") == "tel:+79165554433"
    missed.get_by_test_id("call-back-intake").click()
    page.wait_for_url(f"{live_server}/leads/new?phone=*")
    assert page.input_value("input[name=phone]") == "+79165554433"
