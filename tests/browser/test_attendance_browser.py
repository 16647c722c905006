"""In a real browser: a foreman's day. The sheet opens an hour before the shift, everyone came but
one, the shift closes once it has started, and the dispatcher's order page shows what happened."""
from freezegun import freeze_time

from tests import factories
from tests.browser.test_login_browser import _log_in


# The factories' shift starts 2026-12-02 06:00 UTC (09:00 in Moscow). The server runs in this process
# on the frozen clock, which ticks and is moved on by the test; asyncio, which drives Playwright, keeps
# the real one.
def test_a_foremans_day_from_everyone_came_to_the_outcomes_on_the_order(live_server, browser, page, city, db):
    order = factories.order(city.a_site, needed=3, target=3, status="filled", hours=7.5)
    crew = [factories.worker(city.moscow, first_name=f"Грузчик{i}", last_name="Сменов") for i in range(3)]
    for worker in crew:
        factories.offer(order, worker, state="booked")
    absent = crew[2]
    # B's shift in the same region at the same hour: not on A's foreman's page
    other = factories.order(city.b_site, needed=1, target=1, status="filled", hours=7.5)

    with freeze_time("2026-12-02 05:15:00", tick=True, real_asyncio=True) as clock:  # 45 min before the start
        _log_in(page, live_server, city.a_foreman.email)
        shifts = page.get_by_test_id("shifts")
        assert order.code in shifts.inner_text() and other.code not in shifts.inner_text()
        shifts.get_by_role("link").filter(has_text=order.code).click()
        page.get_by_test_id("everyone-came").click()
        page.wait_for_load_state()
        assert "Saved." in page.inner_text("main")
        assert [page.locator(f"select[name=outcome-{w.id}]").input_value() for w in crew] == ["came"] * 3
        assert page.get_by_test_id(f"hours-{crew[0].id}").inner_text() == "7 h 30 min"
        assert page.get_by_test_id("close").count() == 0  # not before the start...
        assert "once it has started" in page.get_by_test_id("close-later").inner_text()
        page.select_option(f"select[name=outcome-{absent.id}]", "no_show")
        page.get_by_test_id("save").click()
        page.wait_for_load_state()
        assert page.locator(f"select[name=outcome-{absent.id}]").input_value() == "no_show"

        clock.move_to("2026-12-02 13:30:00")  # ...but at the end of the shift
        page.reload()
        page.get_by_test_id("close").click()
        page.wait_for_load_state()
        assert "Shift closed" in page.inner_text("main")
        assert page.get_by_test_id("close").count() == 0

        office = browser.new_context(viewport={"width": 1100, "height": 800})
        try:
            desk = office.new_page()
            desk.set_default_timeout(10_000)
            _log_in(desk, live_server, city.a_dispatcher.email)
            desk.goto(f"{live_server}/orders/{order.id}")
            board = desk.get_by_test_id("board")
            assert "completed" in board.inner_text()
            assert [desk.get_by_test_id(f"outcome-{w.id}").inner_text() for w in crew] == ["came", "came", "no-show"]
            assert desk.get_by_test_id(f"hours-{crew[1].id}").inner_text() == "7 h 30 min"
            assert desk.get_by_test_id("count-came").inner_text().startswith("2")
            assert desk.get_by_test_id("count-no_show").inner_text().startswith("1")
        finally:
            office.close()
