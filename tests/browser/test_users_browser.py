"""In a real browser: head office adds a dispatcher to franchise B, who logs in; A's partner sees only A's staff."""
from tests.browser.test_login_browser import _log_in


def test_head_office_adds_a_dispatcher_to_b_who_logs_in_and_a_s_partner_sees_only_a_s_staff(live_server, browser, page, city):
    _log_in(page, live_server, city.admin.email)
    page.wait_for_url(f"{live_server}/admin")
    page.click("nav >> text=Users")
    page.wait_for_url(f"{live_server}/users")
    new = page.get_by_test_id("new-user")
    new.locator("input[name=name]").fill("Дина Диспетчерова")
    new.locator("input[name=email]").fill("dina@test.artel")
    new.locator("select[name=role]").select_option("dispatcher")
    new.locator("select[name=franchise_id]").select_option(label=city.b.name)
    new.locator("button[type=submit]").click()
    password = page.get_by_test_id("new-password").locator("code").inner_text()
    row = page.locator("tr[data-email='dina@test.artel']")
    assert city.b.name in row.inner_text() and "never" in row.inner_text()

    theirs = browser.new_context().new_page()
    _log_in(theirs, live_server, "dina@test.artel", password)
    theirs.wait_for_url(f"{live_server}/orders/")
    assert "Дина Диспетчерова" in theirs.get_by_test_id("whoami").inner_text()
    theirs.context.close()

    partner = browser.new_context().new_page()  # A shares Moscow with B
    _log_in(partner, live_server, city.a_partner.email)
    partner.wait_for_url(f"{live_server}/portal")
    partner.click("nav >> text=Staff")
    partner.wait_for_url(f"{live_server}/portal/staff")
    table = partner.get_by_test_id("users").inner_text()
    for user in (city.a_partner, city.a_dispatcher, city.a_recruiter, city.a_foreman):
        assert user.email in table
    for email in ("dina@test.artel", city.b_partner.email, city.b_dispatcher.email, city.c_partner.email,
                  city.admin.email):
        assert email not in table
    roles = partner.get_by_test_id("new-user").locator("select[name=role] option").all_inner_texts()
    assert roles == ["dispatcher", "recruiter", "foreman"]
    partner.context.close()
