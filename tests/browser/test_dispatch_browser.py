"""In a real browser: a dispatcher creates an order, answers as three workers in the simulator,
and watches the fill board change without reloading."""
import re

from freezegun import freeze_time

from core import queue
from tests import factories
from tests.browser.test_login_browser import _log_in


# Noon in Moscow the day before the shift: outside quiet hours (21:00-08:00) whatever the wall clock says.
# The clock ticks (the board polls, the server and the RQ worker run in this process); asyncio,
# which drives Playwright, keeps the real one.
@freeze_time("2030-06-04 09:00:00", tick=True, real_asyncio=True)
def test_dispatcher_orders_answers_as_workers_and_watches_the_board(app, live_server, browser, page, network, redis_conn, db):
    network.a_site.lat, network.a_site.lon = 55.7558, 37.6173
    db.session.commit()
    workers = [factories.worker(network.moscow, first_name=f"Рабочий{i}", last_name="Тестов", language="ru",
                                phone=f"+7903000000{i}", lat=55.7558 + i * 0.002, lon=37.6173) for i in range(6)]
    _log_in(page, live_server, network.a_dispatcher.email)
    page.goto(f"{live_server}/orders/new")
    page.select_option("select[name=site_id]", str(network.a_site.id))
    page.fill("input[name=workers_needed]", "2")
    page.fill("input[name=day]", "2030-06-05")
    page.fill("input[name=start]", "09:00")
    page.fill("input[name=end]", "18:00")
    page.fill("input[name=pay_rate]", "120")
    page.fill("input[name=bill_rate]", "240")
    page.select_option("select[name=overbooking]", "1.5")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/orders/\d+$"))
    order_url = page.url
    with app.app_context():  # the RQ worker runs the promised jobs: plan the wave, send the offers
        queue.AppSimpleWorker(list(queue.QUEUES), connection=redis_conn, app=app).work(burst=True)
    board = page.get_by_test_id("board")
    board.get_by_test_id("count-offered").filter(has_text="6").wait_for()  # polled in, no reload

    phone = page.context.new_page()
    for i in range(3):
        phone.goto(f"{live_server}/dispatch/simulator/{workers[i].id}")
        assert "Ответьте ДА" in phone.get_by_test_id("thread").inner_text()
        phone.fill("input[name=body]", "да")
        phone.click("main form button[type=submit]")
        phone.wait_for_load_state()
        assert "Вы записаны на заказ" in phone.get_by_test_id("thread").inner_text()
    page.get_by_test_id("count-booked").filter(has_text="3").wait_for()  # 2 needed, ×1.5: 3 places
    assert page.url == order_url  # the board changed in place
    assert page.get_by_test_id("count-offered").inner_text().startswith("3")
    assert "filled" in board.inner_text()

    # By hand: the dispatcher unbooks one worker from the board; a free text lands in the inbox.
    # the board redraws itself every 2 s: a click can keep missing a button that is redrawn under
    # it, so the button gets its click event directly (it still submits its own form)
    page.get_by_test_id(f"unbook-{workers[0].id}").dispatch_event("click")
    page.wait_for_url(order_url)
    page.get_by_test_id("count-booked").filter(has_text="2").wait_for()
    phone.goto(f"{live_server}/dispatch/simulator/{workers[4].id}")
    phone.fill("input[name=body]", "Во сколько начало?")
    phone.click("main form button[type=submit]")
    phone.wait_for_load_state()
    page.click("nav >> text=Inbox")
    assert "Во сколько начало?" in page.get_by_test_id("inbox").inner_text()
